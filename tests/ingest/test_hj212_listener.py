"""The HJ 212 listener over real sockets, with its real writer process and SQLite: units, flags,
frames cut anyhow, garbage, wrong credentials, replies only after commit, and a flooding logger
that does not starve the others."""

import os
import signal
import sqlite3
import threading
from datetime import timedelta

import pytest

from tests.hj212 import LOGGER_SITE, MN, OTHER_MN, Logger, hj212_section, recent, segment
from tests.support import wait_until
from wastewatch.config import load_config
from wastewatch.ingest.hj212 import frame, parse, reply
from wastewatch.ingest.listener import Listener
from wastewatch.store import SQLiteStore


@pytest.fixture
def start(write_config):
    started = []

    def make(**settings):
        config = load_config(write_config(site=LOGGER_SITE, extra=hj212_section(**settings)))
        listener = Listener(config).start()
        started.append(listener)
        return config, listener

    yield make
    for listener in started:
        listener.stop()


@pytest.fixture
def listener(start):
    return start()


def stored(config, site="helin", metric="flow"):
    store = SQLiteStore(config.database_path)
    try:
        return [(r.ts, r.value, r.flag) for r in store.read_range(site, metric, 0, 2**40)]
    finally:
        store.close()


def rejections(config):
    store = SQLiteStore(config.database_path)
    try:
        return store.rejections(limit=1000)
    finally:
        store.close()


def test_a_frame_is_stored_in_canonical_units_and_answered_with_the_data_reply(listener):
    config, server = listener
    when = recent()
    data = segment(when, "w00000-Rtd=1.5,w00000-Flag=N;w01018-Rtd=42.5,w01018-Flag=T;SB1-RS=4")
    logger = Logger(server.port)
    logger.send(data)
    (answer,) = logger.replies(1)
    # The request's QN, ST 91, CN 9014, the version bits without the A bit; Framer checked
    # the reply's length and CRC.
    assert answer == f"QN={data[3:20]};ST=91;CN=9014;PW=123456;MN={MN};Flag=4;CP=&&&&"
    assert frame(answer) == reply(parse(data))
    ts = int(when.timestamp())
    assert stored(config) == [(ts, 5.4, "N")]  # 1.5 L/s is 5.4 m³/h
    assert stored(config, metric="cod") == [(ts, 42.5, "T")]
    assert stored(config, metric="pump_state") == [(ts, 4.0, "N")]


def test_every_flag_maps_one_to_one_and_an_absent_flag_is_normal(listener):
    config, server = listener
    logger = Logger(server.port)
    flags = "NFMSDCTB"
    start = recent(100)
    logger.send(
        *(
            segment(start + timedelta(minutes=i), f"w01018-Rtd={i},w01018-Flag={f}")
            for i, f in enumerate(flags)
        )
    )
    logger.send(segment(start + timedelta(minutes=20), "w01018-Rtd=20"))
    logger.send(segment(start + timedelta(minutes=21), "w01018-Rtd=21,w01018-Flag=X"))
    logger.replies(10)
    assert [flag for _, _, flag in stored(config, metric="cod")] == [*flags, "N"]
    (bad,) = rejections(config)
    assert "flag of w01018 must be one of" in bad.reason and bad.site_id == "helin"


def test_frames_split_byte_by_byte_or_sent_together_decode_the_same(listener):
    config, server = listener
    start = recent(30)
    segments = [segment(start + timedelta(minutes=i), f"w00000-Rtd={i}") for i in range(4)]
    byte_by_byte, together = Logger(server.port), Logger(server.port)
    byte_by_byte.send(*segments[:2], step=1)
    together.send(*segments[2:])
    assert len(byte_by_byte.replies(2)) == 2 and len(together.replies(2)) == 2
    assert [value for _, value, _ in stored(config)] == [0.0, 3.6, 7.2, 10.8]
    assert rejections(config) == []


def test_garbage_and_bad_frames_are_rejected_with_their_bytes_and_the_next_frame_is_stored(listener):
    config, server = listener
    when = recent()
    good = segment(when, "w00000-Rtd=2")
    wrong_crc = frame(good)[:-6] + b"0000\r\n"
    wrong_length = b"##0999" + frame(good)[6:]
    too_long = b"##2000" + b"x" * 10
    logger = Logger(server.port)
    logger.raw(b"AT+CSQ\r\n" + wrong_crc + wrong_length + too_long + frame(good))
    assert logger.replies(1) == [logger.received[0]] and logger.nothing_within(0.5)
    assert stored(config) == [(int(when.timestamp()), 7.2, "N")]
    reasons = {r.reason.split(":")[0].split(" (")[0]: r for r in rejections(config)}
    assert "CRC mismatch" in reasons and reasons["CRC mismatch"].payload == wrong_crc.decode()
    assert any("over the standard's 1024" in r for r in reasons)
    assert any(
        r.startswith("bytes before a frame header") or r.startswith("no frame header") for r in reasons
    )
    assert all(r.topic.startswith("tcp:127.0.0.1:") for r in rejections(config))
    assert set(server.counters.rejections_by_kind) == {"payload"}


def test_a_wrong_pw_an_unknown_mn_or_no_mn_is_rejected_unanswered_and_nothing_is_stored(listener):
    config, server = listener
    when = recent()
    logger = Logger(server.port)
    logger.send(segment(when, pw="000000"), segment(when, mn="FFFF"), segment(when, mn=""))
    assert logger.nothing_within(1.0)
    wait_until(lambda: len(rejections(config)) >= 2, timeout=10, what="the rejections recorded")
    assert stored(config) == []
    reasons = sorted(r.reason for r in rejections(config))
    assert reasons == [
        "MN FFFF is not registered to any site (hj212_mn in the inventory)",
        "PW does not match the one registered for site 'helin' (hj212_pw)",
        "frame has no MN (the logger's identity)",
    ]
    assert server.counters.rejections_by_kind == {"site": 3}, "counted on /metrics as kind site"
    # A frame that proves another site is that site's, not the first connection's.
    logger.send(segment(when, "w00000-Avg=1", cn="2061", mn=OTHER_MN, pw="654321"))
    logger.replies(1)
    assert stored(config, site="xinchun") == [(int(when.timestamp()), 3.6, "N")]


def test_a_reply_comes_only_after_the_commit_and_a_resent_frame_is_stored_once(listener):
    config, server = listener
    when = recent()
    data = segment(when, "w00000-Rtd=1")
    SQLiteStore(config.database_path).close()  # the file, before the writer has made it
    # Another writer holds the database: the listener's writer waits inside its commit.
    blocker = sqlite3.connect(config.database_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    logger = Logger(server.port)
    logger.send(data)
    logger.raw(b"garbage after the frame\r\n")  # no frame: nobody would ever send it again
    assert logger.nothing_within(1.0)
    os.kill(server.writer._process.pid, signal.SIGKILL)  # noqa: SLF001 — the crash under test
    blocker.execute("ROLLBACK")
    blocker.close()
    wait_until(lambda: server.counters.failed_commits >= 1, what="the failed commit")
    # The batch is tried again with a new writer: the frame is stored and answered, late, and
    # the garbage has its rejection record although nobody resends it.
    logger.replies(1)
    assert stored(config) == [(int(when.timestamp()), 3.6, "N")]
    assert [r.payload for r in rejections(config)] == ["garbage after the frame\r\n"]
    logger.send(data)  # a resend whose reply was lost on the way back: stored once
    logger.replies(2)
    assert stored(config) == [(int(when.timestamp()), 3.6, "N")]
    assert server.counters.readings == 1 and server.counters.duplicates == 1


def test_a_flooding_logger_does_not_hold_up_another(start):
    config, server = start(max_pending_frames=50)
    burst = 6000
    first = recent(burst + 10)
    history = [segment(first + timedelta(minutes=i), f"w00000-Rtd={i % 7}") for i in range(burst)]
    flood = Logger(server.port)
    reader = threading.Thread(target=flood.replies, args=(burst, 120), daemon=True)
    reader.start()
    sender = threading.Thread(target=flood.send, args=history, daemon=True)
    sender.start()
    wait_until(lambda: server.counters.frames > 200, what="the burst to start arriving")
    other = Logger(server.port)
    other.send(segment(recent(), "w00000-Avg=1", cn="2061", mn=OTHER_MN, pw="654321"))
    other.replies(1)
    # Answered while the burst was still being committed.
    assert len(stored(config)) < burst
    sender.join(120)
    reader.join(120)
    rows = stored(config)
    assert len(rows) == burst and [ts for ts, _, _ in rows] == sorted(ts for ts, _, _ in rows)


def test_hj212_2005_codes_and_2025_version_bits_are_accepted(listener):
    config, server = listener
    when = recent()
    logger = Logger(server.port)
    # HJ/T 212-2005: no version bits (Flag 1 asks for a reply), its own codes.
    logger.send(segment(when, "B01-Rtd=2.0,B01-Flag=N;011-Rtd=38.0;060-Rtd=4.5", flag=1))
    # HJ 212-2025: version bits 000010 with the A bit.
    later = when + timedelta(minutes=1)
    logger.send(segment(later, "w00000-Rtd=1.0;w01018-Rtd=40.0", flag=0b1001))
    answers = logger.replies(2)
    assert [parse(a).fields["Flag"] for a in answers] == ["0", "8"]
    ts = int(when.timestamp())
    assert stored(config) == [(ts, 7.2, "N"), (ts + 60, 3.6, "N")]
    assert stored(config, metric="cod") == [(ts, 38.0, "N"), (ts + 60, 40.0, "N")]
    assert stored(config, metric="nh3n") == [(ts, 4.5, "N")]


def test_an_encrypted_or_unknown_version_frame_is_rejected_with_the_reason(listener):
    config, server = listener
    logger = Logger(server.port)
    logger.send("8F3A1C0B9D2E7F6A5B4C3D2E1F0A9B8C")  # a ciphertext where fields should be
    logger.send(segment(recent(), flag=0b1101))  # version bits 000011: not a version we know
    assert logger.nothing_within(1.0)
    # Recorded after their batch commits: on a loaded machine that may take longer than the
    # second above (a CI run found it).
    wait_until(lambda: len(rejections(config)) == 2, timeout=10, what="both rejections recorded")
    encrypted, unknown = sorted((r.reason for r in rejections(config)), key=lambda r: r.startswith("Flag"))
    assert (
        encrypted.startswith("data segment has no readable fields")
        and "encryption is not specified" in encrypted
    )
    assert unknown.startswith("Flag 13 has version bits 000011")


def test_other_data_kinds_are_kept_apart_and_unknown_codes_recorded_once(listener):
    config, server = listener
    when = recent(120).replace(minute=0)
    logger = Logger(server.port)
    hourly = "w00000-Avg=2,w00000-Min=1,w00000-Max=3,w00000-Cou=7.2;w01018-Avg=40;w99999-Avg=1"
    logger.send(segment(when, hourly, cn="2061"), segment(when, "w99999-Rtd=1;SB1-RS=1"))
    logger.send(segment(when, "w99999-Rtd=2", cn="2011"))
    logger.replies(3)
    # helin's series is real-time: the hourly values are logger values, not readings.
    assert stored(config) == [] and stored(config, metric="cod") == []
    assert stored(config, metric="pump_state") == [(int(when.timestamp()), 1.0, "N")]
    store = SQLiteStore(config.database_path)
    values = {(v.metric, v.stat): v.value for v in store.logger_values("helin", "hourly")}
    store.close()
    assert values == {
        ("flow", "Avg"): 7.2,
        ("flow", "Min"): 3.6,
        ("flow", "Max"): 10.8,
        ("flow_total", "Cou"): 7.2,
        ("cod", "Avg"): 40.0,
    }
    (note,) = rejections(config)
    assert note.reason.startswith("unknown HJ 212 code 'w99999'") and note.metric == "w99999"


def test_an_hourly_series_site_stores_its_hourly_means_and_flow_total(listener):
    config, server = listener
    when = recent(180).replace(minute=0)
    logger = Logger(server.port)
    logger.send(
        segment(when, "w00000-Avg=0.5,w00000-Cou=1.8;w01018-Avg=35", cn="2061", mn=OTHER_MN, pw="654321")
    )
    logger.send(segment(when, "w00000-Rtd=9", cn="2011", mn=OTHER_MN, pw="654321"))
    logger.replies(2)
    ts = int(when.timestamp())
    assert stored(config, "xinchun") == [(ts, 1.8, "N")]
    assert stored(config, "xinchun", "cod") == [(ts, 35.0, "N")]
    # flow_total is not among xinchun's metrics: recorded once, not stored.
    assert [r.metric for r in rejections(config)] == ["w00000"]


def test_idle_and_garbage_spewing_connections_are_closed(start):
    config, server = start(idle_timeout_s=5, max_garbage=3)
    idle, noisy = Logger(server.port), Logger(server.port)
    for _ in range(3):
        noisy.raw(b"noise\r\n")
        noisy.nothing_within(0.2)
    assert noisy.closed_within(5)
    assert idle.closed_within(10)
    assert server.counters.garbage_closed == 1 and server.counters.idle_closed == 1
    assert len(rejections(config)) == 3


def test_a_listener_that_cannot_listen_leaves_no_writer_behind(write_config):
    """Its port taken: the start fails, and the writer process it had started is stopped (it
    ignores SIGTERM, so left behind it kept the service's process from ever exiting)."""
    import multiprocessing
    import socket

    taken = socket.create_server(("127.0.0.1", 0))
    try:
        port = taken.getsockname()[1]
        config = load_config(write_config(site=LOGGER_SITE, extra=hj212_section(port=port)))
        before = set(multiprocessing.active_children())
        with pytest.raises(RuntimeError, match="did not start"):
            Listener(config).start()
        assert set(multiprocessing.active_children()) - before == set()
    finally:
        taken.close()
