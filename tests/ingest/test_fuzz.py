"""Every decoder of outside input, fuzzed: the MQTT JSON payload, the CSV and JSON-lines import,
HJ 212 stream framing and frame decoding. Each input yields valid readings or rejections with a
reason — never an exception, and never the decoders' last-resort "could not be decoded" record,
which exists only for bugs — and a decode → encode → decode round trip is stable."""

import csv
import io
import json
import math
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import CONTRACTOR
from tests.fuzz import examples, hex_text, items, metric_names, numbers, payloads, times
from tests.hj212 import LOGGER_SITE, MN, OTHER_MN, PW
from wastewatch.config import load_config
from wastewatch.config.hj212 import codes
from wastewatch.config.metrics import FLAGS
from wastewatch.ingest.decode import Decoder
from wastewatch.ingest.hj212 import Framer, Garbage, ParseError, frame, parse, upload
from wastewatch.ingest.hj212_data import Decoded, LoggerDecoder
from wastewatch.ingest.importer import import_file
from wastewatch.store import Reading, SQLiteStore

pytestmark = pytest.mark.fuzz
NOW = datetime.fromisoformat("2026-10-01T12:00:00+08:00").timestamp()
SITES = ["helin", "xinchun"]


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "wastewatch.toml"
    path.write_text(f'[service]\ndata_dir = "data"\n{CONTRACTOR}{LOGGER_SITE}', encoding="utf-8")
    return load_config(path)


def sound(config, decoder: Decoder, readings, rejections) -> None:
    """Readings the service may store, and rejections that say why."""
    for reading in map(Reading._make, readings):
        site = config.site_by_id[reading.site_id]
        assert reading.metric in site.metrics
        assert isinstance(reading.value, float) and math.isfinite(reading.value)
        assert reading.flag in FLAGS
        assert decoder.earliest <= reading.ts <= NOW + decoder.future_s
    for rejection in rejections:
        assert rejection.reason.strip() and "could not be decoded" not in rejection.reason, rejection


def as_payload(readings) -> bytes:
    """Readings written back as the MQTT contract's JSON, one object per reading."""
    return json.dumps(
        [
            {
                "site": r.site_id,
                "ts": datetime.fromtimestamp(r.ts).astimezone().isoformat(),
                "values": {r.metric: r.value},
                "flags": {r.metric: r.flag},
            }
            for r in map(Reading._make, readings)
        ]
    ).encode()


@examples(2500)
@given(site=st.sampled_from(SITES) | st.none() | st.text(max_size=6), payload=payloads(SITES))
def test_an_mqtt_payload_is_readings_or_reasons(config, site, payload):
    decoder = Decoder(config)
    readings, rejections = decoder.message("wastewatch/sites/x/readings", site, payload, NOW)
    sound(config, decoder, readings, rejections)
    if readings:
        again, problems = decoder.message("t", None, as_payload(readings), NOW)
        assert problems == [] and sorted(again) == sorted(readings)


@pytest.fixture(scope="module")
def logger(config):
    """One decoder for the module: its code table and zones cost more than a frame."""
    return LoggerDecoder(config)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One store for every example, emptied after each: a new file per example costs more
    than the decoding."""
    made = SQLiteStore(tmp_path_factory.mktemp("fuzz-store") / "db.sqlite")
    yield made
    made.close()


@examples(1000)
@given(
    rows=st.lists(
        st.lists(st.sampled_from(SITES) | metric_names | times | numbers.map(str), max_size=6), max_size=6
    ),
    header=st.booleans(),
)
def test_a_csv_import_is_readings_or_reasons(config, store, rows, header):
    text = io.StringIO()
    writer = csv.writer(text)
    if header:
        writer.writerow(["site", "metric", "ts", "value", "flag"])
    writer.writerows(rows)
    content = text.getvalue().encode("utf-8", errors="surrogateescape")
    result = imported(config, store, "readings.csv", content, "csv")
    # One value a line: each line but a header is a reading, a duplicate or a rejection.
    lines = [row for row in csv.reader(io.StringIO(text.getvalue())) if row]
    assert result.inserted + result.duplicates + result.rejections >= len(lines) - 1


@examples(1000)
@given(lines=st.lists(payloads(SITES) | items(SITES).map(lambda i: json.dumps(i).encode()), max_size=5))
def test_a_json_lines_import_is_readings_or_reasons(config, store, lines):
    content = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    result = imported(config, store, "readings.jsonl", content, "jsonl")
    # Each line that is not blank (as Python's text files split and strip it) yields a reading,
    # a duplicate or a rejection at least.
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8", errors="surrogateescape")
    assert result.inserted + result.duplicates + result.rejections >= sum(1 for x in text if x.strip())


def imported(config, store, name: str, content: bytes, fmt: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        result = import_file(config, store, path, now=NOW, format=fmt)
    stored = [
        r for s in SITES for m in config.site_by_id[s].metrics for r in store.read_range(s, m, 0, 2**40)
    ]
    rejections = store.rejections(limit=1_000_000)
    assert (len(stored), len(rejections)) == (result.inserted, result.rejections)
    sound(config, Decoder(config, source="import"), stored, rejections)
    # Emptied for the next example: a campaign runs hundreds of thousands.
    store._db.executescript("DELETE FROM readings; DELETE FROM rejections;")
    return result


@examples(3000)
@given(
    chunks=st.lists(st.binary(max_size=80) | st.sampled_from([b"##", b"#", b"##0010", b"\r\n"]), max_size=12)
)
def test_the_framer_accounts_for_every_byte(chunks):
    framer = Framer()
    found = [x for chunk in chunks for x in framer.feed(chunk)]
    total = sum(len(x.raw) if isinstance(x, Garbage) else len(x) + 12 for x in found) + len(framer.rest())
    assert total == sum(map(len, chunks))
    assert all(isinstance(x, (Garbage, str)) for x in found)


cp_codes = st.sampled_from(sorted(codes())) | st.text("abcdefw0123456789", min_size=1, max_size=8)
cp_items = st.lists(
    st.tuples(
        cp_codes,
        st.sampled_from(["Rtd", "Avg", "Min", "Max", "Cou", "Flag", "RS"]),
        numbers.map(str) | st.sampled_from(sorted(FLAGS)),
    ),
    max_size=6,
)


def data_segment(when, cn, mn, pw, items_) -> str:
    cp = ";".join(
        f"{code}-{stat}={value}".replace(";", "").replace("&", "").replace(",", "")
        for code, stat, value in items_
    )
    return upload(when, cn, mn, pw, cp)


def segment_strategy():
    return st.builds(
        data_segment,
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 1, 1)),
        st.sampled_from(["2011", "2051", "2061", "2031", "9014", "1062"]) | st.text("0123456789", max_size=4),
        st.sampled_from([MN, OTHER_MN]) | hex_text,
        st.sampled_from([PW, "654321"]) | st.text("0123456789abc", max_size=6),
        cp_items,
    ).filter(lambda data: data.isascii() and len(data) <= 1024)


@examples(3000)
@given(
    data=st.lists(segment_strategy(), min_size=1, max_size=4),
    noise=st.binary(max_size=20),
    cuts=st.lists(st.integers(0, 4000), max_size=5),
)
def test_frames_cut_anywhere_decode_the_same_and_each_is_readings_or_reasons(
    config, logger, data, noise, cuts
):
    wire = noise.replace(b"#", b"") + b"".join(frame(d) for d in data)
    whole = Framer().feed(wire)
    framer, pieces, start = Framer(), [], 0
    for cut in sorted(c % (len(wire) + 1) for c in cuts) + [len(wire)]:
        pieces += framer.feed(wire[start:cut])
        start = cut
    # Garbage comes out as it arrives, so its pieces depend on the cuts; its bytes do not.
    for found in (pieces, whole):
        assert [x for x in found if isinstance(x, str)] == data
        assert b"".join(x.raw for x in found if isinstance(x, Garbage)) == noise.replace(b"#", b"")
    decoder = logger
    out = Decoded()
    for item in whole:
        decoder.item(item, "tcp:fuzz", None, NOW, out)
    sound(config, decoder.times, out.readings, out.rejections)
    for segment in data:  # decode → encode → decode: the same fields
        try:
            packet = parse(segment)
        except ParseError:
            continue
        assert parse(written(packet)) == packet


def written(packet) -> str:
    """A packet as a data segment again."""
    head = "".join(f"{name}={value};" for name, value in packet.fields.items())
    cp = ";".join(",".join(f"{name}={value}" for name, value in group.items()) for group in packet.cp)
    return f"{head}CP=&&{cp}&&"
