"""Every column of the monthly CSV has its formula (or is said to be copied from the config and
the standard) in maintenance/formulas.py, printed at the end of each report, and in the
README's formula section alike."""

import re

from tests.support import ROOT
from wastewatch.maintenance.formulas import COPIED, FORMULAS
from wastewatch.maintenance.reports import COMPLIANCE_COLUMNS, OPERATIONS_COLUMNS


def unexplained(columns) -> tuple[list[str], list[str]]:
    """The columns no formula names, and those the README's formula section does not name."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("How each figure is computed")
    readme = text[start : text.index("\n## ", start)]
    named = {word for name, _ in FORMULAS for word in re.findall(r"[a-z0-9_]+", name)}
    return [c for c in columns if c not in named], [c for c in columns if f"`{c}`" not in readme]


def test_every_csv_column_has_its_formula_in_the_report_and_the_readme():
    columns = list(dict.fromkeys(COMPLIANCE_COLUMNS + OPERATIONS_COLUMNS))
    assert len(columns) == 35
    assert unexplained(columns) == ([], [])
    assert set(COPIED) < set(columns)


def test_the_check_sees_a_column_without_a_formula():
    assert unexplained(["site_id", "phosphate_load"]) == (["phosphate_load"], ["phosphate_load"])
