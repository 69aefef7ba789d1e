"""The config and inventory loaders fuzzed: the example config and its site inventory with values
replaced, lines dropped or doubled, and cells rewritten. Each either loads or raises ConfigError
naming the file — never another exception, which would reach the operator as a traceback."""

import csv
import io
import json
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import examples
from tests.support import ROOT
from wastewatch.config import ConfigError, load_config

pytestmark = pytest.mark.fuzz
EXAMPLE = (ROOT / "config" / "example.toml").read_text(encoding="utf-8")
SITES_CSV = (ROOT / "config" / "sites.example.csv").read_text(encoding="utf-8")
toml_values = (
    st.integers(-(2**70), 2**70).map(str)
    | st.floats(allow_nan=False, allow_infinity=False).map(repr)
    | st.text(max_size=30).map(lambda t: json.dumps(t, ensure_ascii=False))
    | st.sampled_from(
        ["true", "false", "[]", '["a@b.cn"]', "{}", "2026-01-01", "nan", "inf", '"III"', "-1", "0"]
    )
    | st.text(max_size=10)
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    made = tmp_path_factory.mktemp("fuzz-config")
    for name in ("villages.example.csv",):
        shutil.copy(ROOT / "config" / name, made / name)
    return made


def loads_or_says_why(path) -> None:
    try:
        load_config(path)
    except ConfigError as exc:
        # The file it is about (the config, an inventory CSV it names) and what is wrong.
        assert exc.path and exc.message.strip(), exc


@examples(1000)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(["value", "drop", "double"]), toml_values),
        max_size=4,
    )
)
def test_an_edited_config_loads_or_says_what_is_wrong(folder, edits):
    lines = EXAMPLE.splitlines()
    for at, how, value in edits:
        n = at % len(lines)
        if how == "drop":
            del lines[n]
        elif how == "double":
            lines.insert(n, lines[n])
        elif "=" in lines[n] and not lines[n].lstrip().startswith("#"):
            lines[n] = lines[n].split("=", 1)[0] + "= " + value
    (folder / "sites.example.csv").write_text(SITES_CSV, encoding="utf-8")
    path = folder / "wastewatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    loads_or_says_why(path)


@examples(1000)
@given(
    cells=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 20), st.text(max_size=40)), min_size=1, max_size=4
    )
)
def test_an_edited_site_inventory_loads_or_says_what_is_wrong(folder, cells):
    rows = list(csv.reader(io.StringIO(SITES_CSV)))
    for row_at, column, text in cells:
        row = rows[row_at % len(rows)]
        if column < len(row):
            row[column] = text
        else:
            row.append(text)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    (folder / "sites.example.csv").write_text(out.getvalue(), encoding="utf-8", errors="surrogatepass")
    path = folder / "wastewatch.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    loads_or_says_why(path)
