"""Nothing one message holds can stop ingest: poison is rejected, what the store cannot commit
is quarantined, and a full disk holds everything back unacknowledged until it frees up."""

import json
import logging
import os
import subprocess
import sys
import time
import uuid

import pytest

from tests.ingest.test_decode import POISON
from tests.support import wait_until, wastewatch
from wastewatch.config import load_config
from wastewatch.ingest.client import Ingestor
from wastewatch.ingest.importer import import_file
from wastewatch.store import SQLiteStore
from wastewatch.store.health import HEALTH

TOPIC = "wastewatch/sites/helin/readings"
POISON_TRIGGER = (
    "CREATE TRIGGER poison BEFORE INSERT ON readings WHEN NEW.value = 666 "
    "BEGIN SELECT RAISE(ABORT, 'poisoned reading'); END"
)


def reading(minute: int, cod: float) -> bytes:
    return json.dumps({"ts": f"2026-10-01T08:{minute:02d}:00+08:00", "values": {"cod": cod}}).encode()


def started(config) -> Ingestor:
    ingestor = Ingestor(config)
    ingestor.start()
    assert ingestor.connected.wait(10)
    return ingestor


def test_every_poison_payload_is_rejected_and_the_next_reading_is_stored(config, publisher):
    store = SQLiteStore(config.database_path)
    ingestor = started(config)
    try:
        for payload in POISON.values():
            publisher.send("helin", payload)
        publisher.send("helin", reading(9, 33.0))
        wait_until(lambda: store.count_readings() == 2, what="the good reading after the poison")
        # 1.0 is the good item beside the one with a lone surrogate: items are judged one by one.
        assert [r.value for r in store.read_range("helin", "cod", 0, 2**40)] == [1.0, 33.0]
        assert ingestor.counters.failed_commits == 0
        assert ingestor.counters.quarantined == 0
        assert store.count_rejections() >= len(POISON)
    finally:
        ingestor.stop()
        store.close()


def test_a_message_the_store_cannot_commit_is_quarantined_acknowledged_and_replayed(
    write_config, broker, publisher
):
    path = write_config(broker, ingest="quarantine_after = 2")
    config = load_config(path)
    store = SQLiteStore(config.database_path)
    store._db.execute(POISON_TRIGGER)  # a real store failure that only this message meets
    ingestor = started(config)
    try:
        publisher.send("helin", reading(0, 40.0), wait=False)
        publisher.send("helin", reading(1, 666.0), wait=False)
        publisher.send("helin", reading(2, 42.0))
        wait_until(lambda: store.quarantined(), what="the poisoned message quarantined")
        wait_until(lambda: store.count_readings() == 2, what="the two good readings")
        [kept] = store.quarantined()
        assert (kept.topic, kept.site_id, kept.source) == (TOPIC, "helin", "mqtt")
        assert kept.payload == reading(1, 666.0)  # raw, as it arrived
        assert "poisoned reading" in kept.error
        assert ingestor.counters.quarantined == 1
    finally:
        ingestor.stop()
    # Acknowledged: the session holds nothing more. A new ingestor on the same session gets
    # the broker's redeliveries before a new message, so once that one is stored, nothing
    # else is coming.
    again = started(config)
    try:
        publisher.send("helin", reading(3, 43.0))
        wait_until(lambda: store.count_readings() == 3, what="the reading after the restart")
        assert len(store.quarantined()) == 1
        assert again.counters.failed_commits == 0
    finally:
        again.stop()
    listed = wastewatch("quarantine", "list", "--config", path)
    assert listed.returncode == 0, listed.stderr
    assert (
        f"{kept.id} " in listed.stdout
        and "poisoned reading" in listed.stdout
        and '"cod": 666.0' in listed.stdout
    )
    store._db.execute("DROP TRIGGER poison")  # the cause is fixed
    replayed = wastewatch("quarantine", "replay", "--config", path)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.startswith("replayed 1 messages: 1 readings stored")
    assert [r.value for r in store.read_range("helin", "cod", 0, 2**40)] == [40.0, 666.0, 42.0, 43.0]
    assert wastewatch("quarantine", "replay", "--config", path).stdout.startswith("replayed 0 messages")
    assert (
        "no quarantined messages waiting for replay"
        in wastewatch("quarantine", "list", "--config", path).stdout
    )
    store.close()


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system of its own, so that filling it fills nothing else."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.fail(f"the full-disk test mounts a small tmpfs and needs root: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk) -> None:
    # Unbuffered: a buffered file keeps the part of its last write the disk refused, and
    # closing it tries that write again and fails, whenever the free space is not a whole
    # number of chunks.
    with open(disk / "ballast", "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass


def test_a_full_disk_holds_everything_unacknowledged_logs_it_once_and_recovers(
    write_config, broker, publisher, small_disk, caplog
):
    path = write_config(broker, extra=f'\n[store]\npath = "{small_disk / "wastewatch.db"}"\n')
    config = load_config(path)
    store = SQLiteStore(config.database_path)
    ingestor = started(config)
    try:
        publisher.send("helin", reading(0, 40.0))
        wait_until(lambda: store.count_readings() == 1, what="the first reading")
        fill(small_disk)
        with caplog.at_level(logging.INFO, logger="wastewatch"):
            for minute in range(1, 31):
                body = {
                    "ts": f"2026-10-01T08:{minute:02d}:00+08:00",
                    "values": {"cod": float(minute)},
                    "note": uuid.uuid4().hex * 50,
                }  # bulky rejections: the WAL must grow
                publisher.send("helin", json.dumps(body).encode(), wait=False)
            publisher.send("helin", reading(31, 31.0))
            wait_until(lambda: ingestor.counters.failed_commits >= 3, timeout=30, what="three failed commits")
            failures = [r.getMessage() for r in caplog.records if "cannot commit" in r.getMessage()]
            assert len(failures) == 1, failures  # once per change of cause, not once per retry
            assert "disk full" in failures[0] and "nothing is acknowledged" in failures[0]
            assert not any(r.exc_info for r in caplog.records)  # plainly: no traceback
            [problem] = HEALTH.problems()  # what /healthz answers
            assert problem["component"] == "MQTT ingest" and "disk full" in problem["problem"]
            assert ingestor.counters.quarantined == 0  # the disk's fault, not the messages'
            os.remove(small_disk / "ballast")
            wait_until(
                lambda: store.count_readings() == 32, timeout=60, what="every reading once the disk frees up"
            )
            # The writer process commits before the ingest thread hears back and says so.
            wait_until(
                lambda: any("MQTT ingest works again" in r.getMessage() for r in caplog.records),
                timeout=10,
                what="the recovery logged",
            )
            assert HEALTH.problems() == []
        assert store.quarantined() == []
    finally:
        ingestor.stop()
        store.close()


# Takes SQLite's write lock and holds it until told (a line on stdin), as another program
# writing to the database file would.
HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def test_a_database_locked_by_another_program_past_the_busy_timeout_holds_everything_and_recovers(
    write_config, broker, publisher, caplog
):
    config = load_config(write_config(broker))
    store = SQLiteStore(config.database_path)
    ingestor = started(config)
    holder = None
    try:
        publisher.send("helin", reading(0, 40.0))
        wait_until(lambda: store.count_readings() == 1, what="the first reading")
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(config.database_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout.readline() == "held\n"
        with caplog.at_level(logging.INFO, logger="wastewatch"):
            for minute in range(1, 11):
                publisher.send("helin", reading(minute, float(minute)))
            # The writer waits out its 10 s busy timeout, then the store is called unavailable.
            wait_until(lambda: HEALTH.problems(), timeout=40, what="the lock to be reported")
            [problem] = HEALTH.problems()
            assert problem["component"] == "MQTT ingest" and "database locked" in problem["problem"]
            assert store.count_readings() == 1 and ingestor.counters.quarantined == 0
            holder.communicate("\n", timeout=10)
            wait_until(
                lambda: store.count_readings() == 11, timeout=60, what="every reading once the lock goes"
            )
            assert HEALTH.problems() == []
            # Said once when it began (however many tries it cost) and once when it ended.
            said = [r.levelname for r in caplog.records if "database locked" in r.getMessage()]
            assert said == ["ERROR", "WARNING"]
    finally:
        if holder and holder.poll() is None:
            holder.kill()
        ingestor.stop()
        store.close()


def test_an_import_stores_the_good_lines_and_rejects_each_bad_one(write_config, tmp_path):
    config = load_config(write_config())
    lines = [
        '{"site": "helin", "ts": "2026-10-01T08:00:00+08:00", "values": {"cod": 40}}',
        '{"site": "helin", "ts": "0001-01-01T00:00:00", "values": {"cod": 7}}',
        '{"site": "helin", "ts": "2026-10-01T08:01:00+08:00", "values": {"\\ud800": 1}}',
        '{"site": "helin", "ts": "2026-10-01T08:02:00+08:00", "values": {"cod": 1' + "0" * 400 + "}}",
        '{"site": "helin", "ts": "2026-10-01T08:03:00+08:00", "values": {"cod": 1' + "0" * 5000 + "}}",
        '{"site": "helin", "ts": "2026-10-01T08:04:00+08:00", "values": {"cod": 1}, "flags": {"cod": ["N"]}}',
        '{"site": "helin", "ts": "2026-10-01T08:05:00+08:00", "values": {"cod": 1, "cod": 2}}',
        '{"site": "helin", "ts": "2026-10-01T08:06:00+08:00", "values": {"cod": 666}}',
        '{"site": "helin", "ts": "2026-10-01T08:07:00+08:00", "values": {"cod": 41}}',
    ]
    path = tmp_path / "history.jsonl"
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe not utf-8\n")
    store = SQLiteStore(config.database_path)
    store._db.execute(POISON_TRIGGER)
    try:
        result = import_file(config, store, path)
        assert [r.value for r in store.read_range("helin", "cod", 0, 2**40)] == [40.0, 41.0]
        reasons = {r.item: r.reason for r in store.rejections()}
        assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 10}
        assert reasons[8].startswith("line could not be stored (IntegrityError: poisoned reading)")
        assert reasons[7] == "line has a duplicate key 'cod'"
        assert reasons[10] == "line is not UTF-8 text"
        assert (result.inserted, result.rejections) == (2, 8)
    finally:
        store.close()


def test_a_service_started_on_a_full_disk_waits_for_room_instead_of_exiting(
    write_config, broker, small_disk, service
):
    path = write_config(broker, extra=f'\n[store]\npath = "{small_disk / "wastewatch.db"}"\n')
    service(path).start().stop()  # the database exists, as after any earlier run
    fill(small_disk)
    for name in ("wastewatch.db-wal", "wastewatch.db-shm"):
        (small_disk / name).unlink(missing_ok=True)
    log = path.parent / "full.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "wastewatch", "serve", "--config", str(path)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(
            lambda: "start-up: cannot open the database" in log.read_text(),
            timeout=30,
            what="the wait to be said",
        )
        time.sleep(3)
        assert process.poll() is None  # up, and waiting: not exited into a restart loop
        assert log.read_text().count("cannot open the database") == 1  # said once, not per try
        os.remove(small_disk / "ballast")
        wait_until(
            lambda: "subscribed to" in log.read_text(), timeout=60, what="the start once there is room"
        )
        assert "start-up works again" in log.read_text()
    finally:
        process.terminate()
        assert process.wait(30) == 0
