"""The interfaces hold no SQL: each state table has one owner module, which they call."""

import ast
import re

import pytest

from tests.support import ROOT

SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|BEGIN|COMMIT|ROLLBACK)\b", re.I)
INTERFACES = sorted(p.relative_to(ROOT) for folder in ("cli", "web") for p in (ROOT / folder).glob("*.py"))


def sql_in(path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):  # ROOT / absolute = absolute
        if isinstance(node, ast.Attribute) and node.attr in ("execute", "executemany", "executescript"):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
            found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found


@pytest.mark.parametrize("path", INTERFACES, ids=str)
def test_an_interface_module_executes_no_sql(path):
    assert sql_in(path) == []


def test_the_check_would_see_sql_if_there_were_some(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('def f(db):\n    return db.execute("SELECT 1")\n', encoding="utf-8")
    assert len(sql_in(sample)) == 2
