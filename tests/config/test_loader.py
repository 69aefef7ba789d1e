"""The config loader: strict, with errors that name the file, the key and what is allowed."""

from pathlib import Path

import pytest

from tests.support import ROOT
from wastewatch.config import ConfigError, load_config
from wastewatch.config.schema import ConfigFile

BAD = Path(__file__).parent / "bad"

# Each bad config lives as a file; the message is asserted to the letter.
EXPECTED = [
    ("bad-backend.toml", "store.backend: must be 'sqlite' or 'postgresql' (got 'mysql')"),
    (
        "share-without-postgresql.toml",
        'mqtt.share_group: several instances need [database] url and [store] backend "postgresql"',
    ),
    ("store-no-url.toml", 'store.url: backend "postgresql" needs a URL here, or database.url to share'),
    ("bad-email.toml", "sites[0].operators[0]: 'operator at tqhb' is not an email address"),
    ("bad-locale.toml", "service.locale: must be 'zh-CN' or 'en' (got 'fr')"),
    (
        "bad-timezone.toml",
        "service.timezone: unknown time zone 'China/Beijing'; use an IANA name such as 'Asia/Shanghai'",
    ),
    ("bad-water-class.toml", "sites[0].receiving_water: must be 'II', 'III', 'IV', 'V' or 'none' (got 'VI')"),
    ("both-password.toml", "mqtt.password_file: give either password or password_file, not both"),
    (
        "csv-bad-capacity.toml",
        "row 2, capacity_m3d: must be a valid number, unable to parse string as a number (got 'lots')",
    ),
    ("csv-bad-metrics.toml", "row 2, metrics: 'flow:300' must be metric=interval_seconds, e.g. 'cod=3600'"),
    (
        "csv-unknown-column.toml",
        "header: unknown column 'capacity'; allowed: id, name, town, village, capacity_m3d, "
        "receiving_water, key_control_area, catering, contractor, operators, metrics, hj212_mn, hj212_pw, "
        "hj212_series, hj212_equipment, timezone, commissioned, built_year, location",
    ),
    ("hj212-no-pw.toml", "sites[0].hj212_pw: is required with hj212_mn (the logger's access password)"),
    (
        "hj212-duplicate-mn.toml",
        "sites[1].hj212_mn: MN '010000A8900016F000169DC0' is already the logger of site 'helin'",
    ),
    (
        "hj212-bad-series.toml",
        "sites[0].hj212_series: must be 'realtime', 'minute', 'hourly' or 'daily' (got 'hour')",
    ),
    (
        "hj212-bad-equipment.toml",
        "sites[0].hj212_equipment.SB1: unknown metric 'pump'; allowed: flow, flow_total, cod, bod5, nh3n, "
        "tn, tp, ss, ph, water_temp, do, oil, pump_state, blower_state, energy",
    ),
    (
        "csv-bad-equipment.toml",
        "row 2, hj212_equipment: 'SB1 pump_state' must be SBn=metric, e.g. 'SB1=pump_state'",
    ),
    (
        "dangling-contractor.toml",
        "sites[0].contractor: unknown contractor 'nobody'; known contractors: qingyuan",
    ),
    ("duplicate-site.toml", "sites[1].id: duplicate site id 'helin'"),
    ("metric-typo.toml", "sites[0].metrics.cod.rnage: unknown key; allowed keys here: interval_s, range"),
    ("missing-secret.toml", "mqtt.password_file: cannot read 'no-such-secret' (No such file or directory)"),
    ("missing-town.toml", "sites[0].town: is required"),
    ("negative-capacity.toml", "sites[0].capacity_m3d: must be greater than 0 (got -5.0)"),
    (
        "not-toml.toml",
        "is not valid TOML (Expected ']' at the end of a table declaration (at line 1, column 6))",
    ),
    ("port-as-string.toml", "mqtt.port: must be a valid integer (got '1883')"),
    ("port-out-of-range.toml", "mqtt.port: must be less than or equal to 65535 (got 70000)"),
    (
        "unknown-key.toml",
        "mqtt.hots: unknown key; allowed keys here: host, port, topic_prefix, client_id, username, "
        "password, keepalive_s, session_expiry_s, reconnect_min_s, reconnect_max_s, share_group, "
        "rescue_after_s, tls",
    ),
    (
        "unknown-metric.toml",
        "sites[0].metrics.flux: unknown metric 'flux'; allowed: flow, flow_total, cod, bod5, nh3n, tn, "
        "tp, ss, ph, water_temp, do, oil, pump_state, blower_state, energy",
    ),
    ("zero-interval.toml", "sites[0].metrics.flow: must be greater than or equal to 1 (got 0)"),
    (
        "web-bad-url.toml",
        "web.base_url: 'ww.tqhb.example.cn' is not a web address; use one such as 'https://ww.tqhb.example.cn'",
    ),
    (
        "web-short-key.toml",
        "web.secret_key: String should have at least 16 characters (the value is not shown: it is a secret)",
    ),
    ("bureau-bad-email.toml", "bureau.emails[0]: 'bureau' is not an email address"),
    (
        "email-trailing-newline.toml",
        "sites[0].operators[0]: 'operator@tqhb.example.cn\\n' is not an email address",
    ),
    (
        "web-url-trailing-newline.toml",
        "web.base_url: 'https://ww.tqhb.example.cn\\n' is not a web address; use one such "
        "as 'https://ww.tqhb.example.cn'",
    ),
    ("earliest-date-as-text.toml", "ingest.earliest_date: must be a valid date (got '2020-01-01')"),
    (
        "earliest-date-before-epoch.toml",
        "ingest.earliest_date: must be greater than or equal to 1970-01-01 (got 0001-01-01)",
    ),
]


@pytest.mark.parametrize("name, message", EXPECTED)
def test_it_names_the_file_the_key_and_what_is_allowed(name, message):
    with pytest.raises(ConfigError) as caught:
        load_config(BAD / name)
    error = caught.value
    named = Path(error.path).name
    assert named in (name, "bad-sites.csv", "bad-metrics.csv", "bad-column.csv", "bad-equipment.csv")
    assert str(error) == f"{error.path}: {message}"


def test_every_bad_config_file_is_in_the_table():
    assert sorted(p.name for p in BAD.glob("*.toml")) == sorted(name for name, _ in EXPECTED)


def test_a_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(ConfigError, match="nothere.toml: file not found$"):
        load_config(tmp_path / "nothere.toml")


def test_the_example_config_loads_with_its_csv_inventory():
    config = load_config(ROOT / "config" / "example.toml")
    assert [s.id for s in config.sites] == ["cx-01", "sy-01", "xh-01"]
    xiaohe = config.site_by_id["xh-01"]
    assert xiaohe.catering is True and xiaohe.key_control_area is False
    assert xiaohe.operators == ["jianguan@tqhb.example.cn", "xiaohe@tqhb.example.cn"]
    assert xiaohe.metric("cod").interval_s == 3600
    assert config.site_by_id["cx-01"].metric("cod").range == [0.0, 500.0]
    assert config.site_sources["sy-01"].endswith("sites.example.csv")


def test_relative_paths_resolve_against_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "secret").write_text("s3cret\n")
    (folder / "ww.toml").write_text('[service]\ndata_dir = "../var"\n[mqtt]\npassword_file = "secret"\n')
    monkeypatch.chdir(ROOT)
    config = load_config(folder / "ww.toml")
    assert config.data_dir == tmp_path / "var"
    assert config.database_path == tmp_path / "var" / "wastewatch.db"
    assert config.mqtt.password == "s3cret"


def test_defaults_are_the_documented_ones(tmp_path):
    (tmp_path / "empty.toml").write_text("")
    config = load_config(tmp_path / "empty.toml")
    assert config.service.timezone == "Asia/Shanghai"
    assert config.service.locale == "zh-CN"
    assert config.mqtt.topic_prefix == "wastewatch"
    assert config.store.backend == "sqlite"


def _option_names(model, prefix=""):
    from pydantic import BaseModel

    for name, field in model.model_fields.items():
        kind = field.annotation
        if name in ("contractors", "sites", "channels", "routes"):
            continue  # arrays of tables: their fields are checked below
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from _option_names(kind, f"{prefix}{name}.")
        else:
            yield prefix, name


@pytest.mark.parametrize("doc", ["config/example.toml", "docs/administrators/configuration.md"])
def test_every_option_is_documented(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    from wastewatch.config.schema import Channel, Contractor, Route, Site

    missing = [
        f"{p}{n}" for p, n in _option_names(ConfigFile) if f"{n} =" not in text and f"`{n}`" not in text
    ]
    missing += [f"sites.{n}" for n in Site.model_fields if f"{n} =" not in text and f"`{n}`" not in text]
    missing += [
        f"contractors.{n}" for n in Contractor.model_fields if f"{n} =" not in text and f"`{n}`" not in text
    ]
    missing += [
        f"channels.{n}" for n in Channel.model_fields if f"{n} =" not in text and f"`{n}`" not in text
    ]
    missing += [f"routes.{n}" for n in Route.model_fields if f"{n} =" not in text and f"`{n}`" not in text]
    assert missing == []


def test_readings_on_postgresql_take_their_own_url_or_the_state_databases(tmp_path):
    path = tmp_path / "pg.toml"
    shared = '[database]\nurl = "postgresql+psycopg://ww:secret@db.example.cn:5432/ww"\n'
    path.write_text(shared + '[store]\nbackend = "postgresql"\n', encoding="utf-8")
    config = load_config(path)
    assert config.readings_url == "postgresql+psycopg://ww:secret@db.example.cn:5432/ww"
    assert config.store_location == "postgresql+psycopg://ww:***@db.example.cn:5432/ww"  # for the log
    path.write_text(
        shared + '[store]\nbackend = "postgresql"\nurl = "postgresql+psycopg://ts@10.0.0.9/readings"\n',
        encoding="utf-8",
    )
    assert load_config(path).readings_url == "postgresql+psycopg://ts@10.0.0.9/readings"
    path.write_text(shared, encoding="utf-8")  # the state on PostgreSQL, the readings embedded
    assert load_config(path).readings_url is None
