"""Payload decoding without a broker: the rules every reading passes."""

from datetime import datetime

import pytest

from config import load_config
from ingest.decode import Decoder
from store import Reading

NOW = datetime.fromisoformat("2026-10-01T12:00:00+08:00").timestamp()


@pytest.fixture
def decoder(write_config):
    return Decoder(load_config(write_config()))


def test_a_time_without_offset_is_the_service_timezone(decoder):
    readings, rejections = decoder.message("t", "helin", b'{"ts": "2026-10-01T08:00:00", "values": {"cod": 40}}', NOW)
    assert rejections == []
    ts = int(datetime.fromisoformat("2026-10-01T08:00:00+08:00").timestamp())
    assert readings == [Reading("helin", "cod", ts, 40.0, "N")]
    assert isinstance(readings[0][3], float)


@pytest.mark.parametrize("offset_s, accepted", [(3600, True), (3601, False)])
def test_the_future_limit_is_one_hour(decoder, offset_s, accepted):
    ts = datetime.fromtimestamp(NOW + offset_s).astimezone().isoformat()
    readings, rejections = decoder.message("t", "helin", f'{{"ts": "{ts}", "values": {{"cod": 1}}}}'.encode(), NOW)
    assert (len(readings), len(rejections)) == ((1, 0) if accepted else (0, 1))


def test_flags_are_kept_and_checked(decoder):
    body = b'{"ts": "2026-10-01T08:00:00+08:00", "values": {"cod": 40, "ph": 7}, "flags": {"cod": "M", "ph": "X"}}'
    readings, rejections = decoder.message("t", "helin", body, NOW)
    assert [Reading(*r).flag for r in readings] == ["M"]
    assert [Reading(*r).metric for r in readings] == ["cod"]
    assert rejections[0].reason == "flag of 'ph' must be one of B, C, D, F, M, N, S, T, not \"X\""
    assert rejections[0].metric == "ph"


@pytest.mark.parametrize("value", ["1.5", True, None, [1], {"v": 1}, 1e400])
def test_a_value_must_be_a_finite_number(decoder, value):
    import json
    body = json.dumps({"ts": "2026-10-01T08:00:00+08:00", "values": {"cod": value}}).replace("Infinity", "1e400")
    readings, rejections = decoder.message("t", "helin", body.encode(), NOW)
    assert readings == []
    assert rejections[0].reason.startswith("value of 'cod' is not a finite number")
