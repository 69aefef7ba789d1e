"""Every column of the monthly CSV has its formula (or is said to be copied from the config and
the standard) in maintenance/report/formulas.py, printed at the end of each report, and in the
the report's documentation (docs/operators/report.md) alike."""

import re

from tests.support import ROOT
from wastewatch.maintenance.report.columns import COMPLIANCE_COLUMNS, OPERATIONS_COLUMNS
from wastewatch.maintenance.report.formulas import COPIED, FORMULAS
from wastewatch.maintenance.report.lab_figures import (
    COMPARISON_COLUMNS,
    REVIEW_COLUMNS,
    SAMPLE_COLUMNS,
    SAMPLE_SITE_COLUMNS,
)


def unexplained(columns) -> tuple[list[str], list[str]]:
    """The columns no formula names, and those the documentation's formula section does not name."""
    text = (ROOT / "docs" / "operators" / "report.md").read_text(encoding="utf-8")
    start = text.index("How each figure is computed")
    end = text.find("\n## ", start)
    documented = text[start : end if end > 0 else None]
    named = {word for name, _ in FORMULAS for word in re.findall(r"[a-z0-9_]+", name)}
    return [c for c in columns if c not in named], [c for c in columns if f"`{c}`" not in documented]


def test_every_csv_column_has_its_formula_in_the_report_and_the_docs():
    columns = list(dict.fromkeys(COMPLIANCE_COLUMNS + OPERATIONS_COLUMNS))
    assert len(columns) == 35
    assert unexplained(columns) == ([], [])
    assert set(COPIED) < set(columns)


def test_every_column_of_the_laboratory_and_review_tables_has_its_formula_too():
    columns = list(dict.fromkeys(SAMPLE_COLUMNS + SAMPLE_SITE_COLUMNS + COMPARISON_COLUMNS + REVIEW_COLUMNS))
    assert len(columns) == 44
    assert unexplained(columns) == ([], [])


def test_the_check_sees_a_column_without_a_formula():
    assert unexplained(["site_id", "phosphate_load"]) == (["phosphate_load"], ["phosphate_load"])
