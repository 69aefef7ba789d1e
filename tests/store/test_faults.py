"""The store under faults: a full disk, and who may read the files."""

import stat

import pytest

from wastewatch.store import Reading, SQLiteStore, StoreUnavailable
from wastewatch.store.state import connect, transaction

DAY = 86400


def fill_until_full(store: SQLiteStore, site: str, metric: str) -> StoreUnavailable:
    """Cap the file just above its size, then write a batch that cannot fit."""
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = [Reading(site, metric, ts, float(ts)) for ts in range(0, 60 * 20000, 60)]
    with pytest.raises(StoreUnavailable) as raised:
        store.write(big)
    return raised.value


def test_it_says_disk_full_when_the_disk_is_full(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite")
    store.write([Reading("helin", "flow", 0, 3.0)])
    problem = fill_until_full(store, "helin", "cod")
    assert problem.cause == "disk full"
    assert "database or disk is full" in str(problem)  # the real error, not "cannot rollback"


def test_a_series_created_in_a_failed_write_is_forgotten(tmp_path):
    # The COD series is created inside the write that fails: its id is rolled back with it.
    # A store that kept the id cached filed later COD readings under the next series
    # created, so COD read back as pH.
    store = SQLiteStore(tmp_path / "db.sqlite")
    store.write([Reading("helin", "flow", 0, 3.0)])
    fill_until_full(store, "helin", "cod")
    store._db.execute("PRAGMA max_page_count = 1073741823")
    store.write([Reading("helin", "ph", 60, 7.2)])  # takes the id COD had in the failed write
    store.write([Reading("helin", "cod", 120, 41.0)])
    assert [(r.metric, r.value) for r in store.read_range("helin", "ph", 0, DAY)] == [("ph", 7.2)]
    assert [(r.metric, r.value) for r in store.read_range("helin", "cod", 0, DAY)] == [("cod", 41.0)]
    reopened = SQLiteStore(tmp_path / "db.sqlite")
    assert [r.value for r in reopened.read_range("helin", "cod", 0, DAY)] == [41.0]
    assert [r.value for r in reopened.read_range("helin", "ph", 0, DAY)] == [7.2]


def test_a_write_after_the_disk_frees_up_commits(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite")
    store.write([Reading("helin", "flow", 0, 3.0)])
    fill_until_full(store, "helin", "cod")
    store._db.execute("PRAGMA max_page_count = 1073741823")
    assert not store._db.in_transaction
    result = store.write([Reading("helin", "cod", ts, 40.0) for ts in range(0, 6000, 60)])
    assert result.inserted == 100


def test_a_state_transaction_on_a_full_disk_raises_the_real_error(tmp_path):
    db = connect(tmp_path / "db.sqlite")
    with pytest.raises(Exception, match="full"):
        with transaction(db):
            # The cap is the connection's: set inside the transaction, on the connection it holds.
            pages = db.execute("PRAGMA page_count").scalar()
            db.execute(f"PRAGMA max_page_count = {pages + 1}")
            db.executemany(
                "INSERT INTO series_state (site_id, metric, watermark, state) "
                "VALUES (:site, 'cod', 0, :state)",
                [{"site": f"site{n}", "state": "x" * 2000} for n in range(200)],
            )
    with transaction(db):  # the connection went back to the pool usable, nothing half-written
        db.execute("PRAGMA max_page_count = 1073741823")
        assert db.execute("SELECT COUNT(*) FROM series_state").scalar() == 0
        db.execute("INSERT INTO series_state (site_id, metric, watermark) VALUES ('helin', 'cod', 0)")
    assert db.execute("SELECT COUNT(*) FROM series_state").scalar() == 1


def test_the_database_files_are_readable_by_their_owner_only(tmp_path):
    path = tmp_path / "data" / "wastewatch.db"
    store = SQLiteStore(path)
    store.write([Reading("helin", "cod", 0, 40.0)])
    state = connect(path)
    for name in (path, path.with_name("wastewatch.db-wal"), path.with_name("wastewatch.db-shm")):
        assert stat.S_IMODE(name.stat().st_mode) == 0o600, name
    state.close()
    store.close()


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    path = tmp_path / "old.db"
    SQLiteStore(path).close()
    path.chmod(0o644)
    SQLiteStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_quarantined_message_is_kept_whatever_its_error_quotes(tmp_path):
    # The error of a payload with a lone surrogate quotes it; the row must still be written.
    store = SQLiteStore(tmp_path / "db.sqlite")
    store.quarantine(
        "mqtt", "wastewatch/sites/\udfff/readings", "", b'{"\\ud800": 1}', "ValueError: '\ud800'", 0
    )
    [kept] = store.quarantined()
    assert (kept.topic, kept.error, kept.payload) == (
        "wastewatch/sites/\\udfff/readings",
        "ValueError: '\\ud800'",
        b'{"\\ud800": 1}',
    )


# The database refuses an email's "sent" record while `refusing` says so, as a full disk or
# a lock would.
REFUSE_SENT_RECORDS = """
CREATE TABLE refusing (yes INTEGER);
INSERT INTO refusing VALUES (1);
CREATE TRIGGER refuse_sent BEFORE UPDATE OF status ON outbox
WHEN NEW.status = 'sent' AND (SELECT yes FROM refusing) = 1
BEGIN
    SELECT RAISE(ABORT, 'database or disk is full');
END;
"""


def test_an_email_the_server_accepted_but_the_database_would_not_record_is_never_sent_again(
    write_config, mail
):
    import sqlite3

    from tests.alerts.harness import HOUR, Harness
    from wastewatch.notify.outbox import Sender

    plant = Harness(write_config(mail=mail))
    try:
        plant.write("cod", [(h * HOUR, 80.0 + h) for h in range(3)])
        plant.cycle(2 * HOUR + 60)
        with sqlite3.connect(plant.config.database_path) as db:
            db.executescript(REFUSE_SENT_RECORDS)
        sender = Sender(plant.config, plant.ctx.db, clock=plant.clock)
        with pytest.raises(Exception, match="disk is full"):
            sender.run_once()
        assert len(mail.messages) == 1  # accepted by the server; the record refused
        plant.clock.now += sender.lease_s + 1  # long enough for its claim to lapse
        with pytest.raises(Exception, match="disk is full"):
            sender.run_once()  # still refused: nothing else is claimed meanwhile
        assert len(mail.messages) == 1
        with sqlite3.connect(plant.config.database_path) as db:
            db.execute("UPDATE refusing SET yes = 0")  # the disk has room again
        assert sender.run_once() == (0, 0)  # recorded first, nothing claimed again
        row = plant.ctx.db.execute("SELECT status, attempts FROM outbox").fetchone()
        assert (row["status"], row["attempts"]) == ("sent", 1)
        assert len(mail.messages) == 1
    finally:
        plant.close()
