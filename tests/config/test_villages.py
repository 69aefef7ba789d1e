"""The village inventory behind the treatment coverage (治理率): read in English or Chinese
columns, refused with the file, the row and the rule when wrong."""

import pytest

from tests.support import ROOT
from wastewatch.config import ConfigError, load_config
from wastewatch.config.villages import read_villages
from wastewatch.maintenance.status import coverage


def test_the_example_inventory_gives_the_example_countys_coverage():
    config = load_config(ROOT / "config" / "example.toml")
    assert len(config.villages) == 5
    found = coverage(config)
    # 禾林村, 新村 and 小河村 have sites; 大井坪村 is piped to the town plant; 团结村 has nothing.
    assert (found.treated, found.total, found.rate) == (4, 5, 0.8)
    assert [(v.town, v.name) for v in found.untreated] == [("思经镇", "团结村")]
    assert coverage(config, towns={"小河镇"}).rate == 1.0
    assert coverage(config, towns={"思经镇"}).rate == 0.0
    assert coverage(config, towns={"紫石乡"}).rate is None  # no village there: no rate, not 0 %


def test_columns_may_come_in_english_in_any_order(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("\ufeffvillage,treated_by,town\n禾林村,,城厢镇\n\n两路村,纳管,城厢镇\n", encoding="utf-8")
    assert [(v.town, v.name, v.treated_by) for v in read_villages(path)] == [
        ("城厢镇", "禾林村", ""),
        ("城厢镇", "两路村", "纳管"),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "乡镇,村\n城厢镇,禾林村\n",
            "header: unknown column '村'; allowed: town (乡镇), village (行政村), treated_by (其他治理方式)",
        ),
        ("乡镇\n城厢镇\n", "header: missing the column village (行政村)"),
        ("乡镇,行政村\n城厢镇,\n", "row 2, village: must not be empty"),
        ("乡镇,行政村\n城厢镇,禾林村\n城厢镇,禾林村\n", "row 3: 城厢镇 禾林村 is listed twice"),
        ("乡镇,行政村\n城厢镇,禾林村,多余\n", "row 2: has more cells than the header has columns"),
        ("", "header: the file is empty; expected the columns town,village[,treated_by]"),
    ],
)
def test_a_wrong_inventory_names_the_file_the_row_and_the_rule(tmp_path, text, message):
    path = tmp_path / "villages.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_villages(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_missing_inventory_file_names_the_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[inventory]\nvillages_csv = "nowhere.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert (
        str(caught.value) == f"{tmp_path / 'nowhere.csv'}: file not found (named by inventory.villages_csv)"
    )
