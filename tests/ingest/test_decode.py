"""Payload decoding without a broker: the rules every reading passes."""

from datetime import datetime

import pytest

from wastewatch.config import load_config
from wastewatch.ingest.decode import Decoder
from wastewatch.store import Reading

NOW = datetime.fromisoformat("2026-10-01T12:00:00+08:00").timestamp()


@pytest.fixture
def decoder(write_config):
    return Decoder(load_config(write_config()))


def test_a_time_without_offset_is_the_service_timezone(decoder):
    readings, rejections = decoder.message(
        "t", "helin", b'{"ts": "2026-10-01T08:00:00", "values": {"cod": 40}}', NOW
    )
    assert rejections == []
    ts = int(datetime.fromisoformat("2026-10-01T08:00:00+08:00").timestamp())
    assert readings == [Reading("helin", "cod", ts, 40.0, "N")]
    assert isinstance(readings[0][3], float)


@pytest.mark.parametrize("offset_s, accepted", [(3600, True), (3601, False)])
def test_the_future_limit_is_one_hour(decoder, offset_s, accepted):
    ts = datetime.fromtimestamp(NOW + offset_s).astimezone().isoformat()
    readings, rejections = decoder.message(
        "t", "helin", f'{{"ts": "{ts}", "values": {{"cod": 1}}}}'.encode(), NOW
    )
    assert (len(readings), len(rejections)) == ((1, 0) if accepted else (0, 1))


def test_flags_are_kept_and_checked(decoder):
    body = (
        b'{"ts": "2026-10-01T08:00:00+08:00", "values": {"cod": 40, "ph": 7}, '
        b'"flags": {"cod": "M", "ph": "X"}}'
    )
    readings, rejections = decoder.message("t", "helin", body, NOW)
    assert [Reading(*r).flag for r in readings] == ["M"]
    assert [Reading(*r).metric for r in readings] == ["cod"]
    assert rejections[0].reason == "flag of 'ph' must be one of B, C, D, F, M, N, S, T, not \"X\""
    assert rejections[0].metric == "ph"


@pytest.mark.parametrize("value", ["1.5", True, None, [1], {"v": 1}, 1e400])
def test_a_value_must_be_a_finite_number(decoder, value):
    import json

    body = json.dumps({"ts": "2026-10-01T08:00:00+08:00", "values": {"cod": value}}).replace(
        "Infinity", "1e400"
    )
    readings, rejections = decoder.message("t", "helin", body.encode(), NOW)
    assert readings == []
    assert rejections[0].reason.startswith("value of 'cod' is not a finite number")


# Payloads a site's own login can publish that once made the writer raise, and with it stall
# ingest for every site (issue 10). Each must become rejection records, never an exception.
POISON = {
    "year 1": b'{"ts":"0001-01-01T00:00:00","values":{"cod":7}}',
    "year 1 with an offset": b'{"ts":"0001-01-01T00:00:00+14:00","values":{"cod":7}}',
    "a lone surrogate as a metric": b'{"ts":"2026-10-01T08:00:00","values":{"\\ud800":1}}',
    "a lone surrogate in a rejected item": (
        b'[{"ts":"2026-10-01T08:00:00","values":{"cod":1}},{"x":"\\udfff"}]'
    ),
    "a lone surrogate as a site": b'{"site":"\\udfff","ts":"2026-10-01T08:00:00","values":{"cod":1}}',
    "an integer of 400 digits": b'{"ts":"2026-10-01T08:00:00","values":{"cod":1' + b"0" * 400 + b"}}",
    "an integer of 5000 digits": b'{"ts":"2026-10-01T08:00:00","values":{"cod":1' + b"0" * 5000 + b"}}",
    "a list as a flag": b'{"ts":"2026-10-01T08:00:00","values":{"cod":1},"flags":{"cod":["N"]}}',
    "an object as a flag": b'{"ts":"2026-10-01T08:00:00","values":{"cod":1},"flags":{"cod":{}}}',
    "an object as a value": b'{"ts":"2026-10-01T08:00:00","values":{"cod":{}}}',
    "a list as the site": b'{"site":["helin"],"ts":"2026-10-01T08:00:00","values":{"cod":1}}',
    "a duplicate key": b'{"ts":"2026-10-01T08:00:00","values":{"cod":1,"cod":900}}',
    "deep nesting inside an item": b'{"ts":"2026-10-01T08:00:00","values":{"cod":'
    + b"[" * 5000
    + b"]" * 5000
    + b"}}",
}


@pytest.mark.parametrize("payload", POISON.values(), ids=POISON.keys())
def test_it_turns_every_poison_payload_into_rejections_a_store_accepts(decoder, payload, tmp_path):
    from wastewatch.store import SQLiteStore

    readings, rejections = decoder.message("wastewatch/sites/helin/readings", "helin", payload, NOW)
    assert rejections, "each of these payloads holds something to reject"
    store = SQLiteStore(tmp_path / "store.db")
    try:
        result = store.write(readings, rejections, received_at=int(NOW))
        assert result.rejections == len(rejections)
        assert store.count_rejections() == len(rejections)
    finally:
        store.close()


def test_it_rejects_a_reading_before_the_earliest_date_as_a_clock_fault(decoder):
    _, rejections = decoder.message("t", "helin", POISON["year 1"], NOW)
    assert rejections[0].reason == (
        "ts 0001-01-01T00:00:00 is before 2020-01-01 (the earliest date accepted): a logger clock fault"
    )


@pytest.mark.parametrize("days, accepted", [(400, True), (401, False)])
def test_it_rejects_a_live_reading_older_than_max_backfill_days(decoder, days, accepted):
    ts = datetime.fromtimestamp(NOW - days * 86400 + 60).astimezone().isoformat()
    readings, rejections = decoder.message(
        "t", "helin", f'{{"ts": "{ts}", "values": {{"cod": 1}}}}'.encode(), NOW
    )
    assert (len(readings), len(rejections)) == ((1, 0) if accepted else (0, 1))
    if not accepted:
        assert rejections[0].reason.endswith(
            "is more than 400 days in the past (max_backfill_days): a logger clock fault"
        )


def test_an_import_is_held_to_the_earliest_date_only(write_config):
    decoder = Decoder(load_config(write_config(ingest="earliest_date = 2021-06-01")), source="import:old.csv")
    readings, rejections = [], []
    for ts in ("2021-06-01T00:00:00", "2021-05-31T23:59:59"):
        decoder.item({"site": "helin", "ts": ts, "values": {"cod": 1}}, None, NOW, readings, rejections)
    assert len(readings) == 1
    assert [r.reason for r in rejections] == [
        "ts 2021-05-31T23:59:59 is before 2021-06-01 (the earliest date accepted): a logger clock fault"
    ]


def test_a_reading_before_the_sites_commissioning_is_a_clock_fault_in_every_source(write_config):
    from tests.conftest import VILLAGE_SITE
    from tests.hj212 import LOGGER_SITE, segment
    from wastewatch.ingest.hj212_data import Decoded, LoggerDecoder

    site = LOGGER_SITE.replace('hj212_mn = "', 'commissioned = 2026-03-15\nhj212_mn = "', 1)
    assert site != LOGGER_SITE and VILLAGE_SITE in LOGGER_SITE.replace("flow_total = 3600, ", "")
    config = load_config(write_config(site=site))
    readings, rejections = [], []
    for source in ("mqtt", "import:old.csv"):
        decoder = Decoder(config, source=source)
        for ts in ("2026-03-15T00:00:00", "2026-03-14T23:59:59"):
            decoder.item({"site": "helin", "ts": ts, "values": {"cod": 1}}, None, NOW, readings, rejections)
    assert len(readings) == 2
    assert [r.reason for r in rejections] == [
        "ts 2026-03-14T23:59:59 is before site 'helin' was commissioned (2026-03-15): a logger clock fault"
    ] * 2
    out = Decoded()
    for when in (datetime(2026, 3, 15, 0, 0), datetime(2026, 3, 14, 23, 59)):
        LoggerDecoder(config).item(segment(when, "w01018-Rtd=40"), "tcp:x", None, NOW, out)
    assert len(out.readings) == 1 and out.rejections[0].reason.startswith(
        "ts 2026-03-14T23:59:00+08:00 is before"
    )
    # The other site has no commissioning date: only the service-wide earliest date holds there.
    Decoder(config).item(
        {"site": "xinchun", "ts": "2026-03-01T00:00:00", "values": {"cod": 1}}, None, NOW, readings, []
    )
    assert len(readings) == 3


def test_it_rejects_a_payload_with_a_duplicate_key_whole(decoder):
    readings, rejections = decoder.message("t", "helin", POISON["a duplicate key"], NOW)
    assert readings == []
    assert rejections[0].reason == "payload has a duplicate key 'cod'"


def test_a_lone_surrogate_is_kept_as_an_escape(decoder):
    _, rejections = decoder.message("t", "helin", POISON["a lone surrogate as a metric"], NOW)
    assert rejections[0].metric == "\\ud800"
    assert rejections[0].reason == "unknown metric '\\ud800'"


@pytest.mark.parametrize("digits", [400, 5000])
def test_an_enormous_integer_is_not_a_finite_number(decoder, digits):
    _, rejections = decoder.message("t", "helin", POISON[f"an integer of {digits} digits"], NOW)
    assert rejections[0].reason.startswith(
        "value of 'cod' is not a finite number" if digits < 4300 else "payload is not JSON (Exceeds the limit"
    )
