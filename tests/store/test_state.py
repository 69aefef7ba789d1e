"""The state database: migrations on both engines, a first-release file upgraded in place,
and the constraints that guarantee correctness kept by the database itself."""

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from tests.support import postgres_database
from wastewatch.store import state
from wastewatch.store.state import Change, Unreacted, connect, savepoint, transaction

FIRST_RELEASE = Path(__file__).with_name("data") / "first-release.db"
TABLES = (
    "alerts", "alert_transitions", "series_state", "day_checks", "day_results", "work_orders",
    "work_order_transitions", "work_order_alerts", "work_order_attachments", "work_order_links",
    "maintenance_windows", "digests", "reports", "job_starts", "outbox",
)  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    if request.param == "sqlite":
        yield tmp_path / "state.db"
    else:
        with postgres_database() as url:
            yield url


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_a_new_database_is_migrated_to_the_newest_schema(target):
    db = connect(target)
    assert state.revision(db) == state.head()
    assert all(db.execute(f"SELECT COUNT(*) FROM {t}").scalar() == 0 for t in TABLES)
    connect(target).close()  # a second start finds it current and changes nothing
    db.close()


def test_a_first_release_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "wastewatch.db"
    shutil.copy(FIRST_RELEASE, path)
    before = counts(path)
    assert before["alerts"] and before["work_orders"] and before["outbox"]  # a real history
    with sqlite3.connect(path) as raw:
        assert "alembic_version" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        order = raw.execute("SELECT id, state, summary FROM work_orders").fetchone()
    db = connect(path)
    assert state.revision(db) == state.head()
    assert counts(path) == before  # adopted, nothing dropped or rewritten
    row = db.execute("SELECT id, state, summary FROM work_orders").fetchone()
    assert (row["id"], row["state"], row["summary"]) == order
    # The readings in the same file are untouched too.
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM readings").fetchone()[0] > 800
    # And the constraint the first release relied on still holds after adoption.
    alert = db.execute("SELECT * FROM alerts WHERE state != 'resolved' LIMIT 1").fetchone()
    with pytest.raises(IntegrityError):
        db.execute(
            "INSERT INTO alerts (site_id, rule, metric, kind, severity, state, opened_at, since, last_seen) "
            "VALUES (:site, :rule, :metric, 'operations', 'warning', 'firing', 0, 0, 0)",
            {"site": alert["site_id"], "rule": alert["rule"], "metric": alert["metric"]},
        )
    # The outbox's status check was unnamed then: rebuilt with 'folded' (chat digests), and
    # still refusing a status it does not know.
    insert = (
        "INSERT INTO outbox (kind, recipients, subject, message, status, created_at, next_attempt_at) "
        "VALUES ('alert', '[]', 's', x'00', :status, 0, 0)"
    )
    db.execute(insert, {"status": "folded"})
    with pytest.raises(IntegrityError):
        db.execute(insert, {"status": "lost"})
    db.close()


def test_the_database_refuses_a_second_open_alert_and_an_unknown_state(target):
    db = connect(target)
    insert = (
        "INSERT INTO alerts (site_id, rule, metric, kind, severity, state, opened_at, since, last_seen) "
        "VALUES ('helin', 'comms_loss', '', 'operations', 'warning', :state, 0, 0, 0)"
    )
    db.execute(insert, {"state": "firing"})
    with pytest.raises(IntegrityError):
        db.execute(insert, {"state": "acknowledged"})
    db.execute(insert.replace("'helin'", "'qiaotou'"), {"state": "resolved"})
    db.execute(insert.replace("'helin'", "'qiaotou'"), {"state": "firing"})  # a resolved one is history
    with pytest.raises(IntegrityError):
        db.execute(insert.replace("'helin'", "'lianhua'"), {"state": "snoozed"})
    db.close()


def test_a_transaction_that_fails_leaves_nothing_behind(target):
    db = connect(target)
    with pytest.raises(RuntimeError):
        with transaction(db):
            db.execute("INSERT INTO job_starts (job, started_at) VALUES ('monthly-report', 1)")
            assert db.execute("SELECT COUNT(*) FROM job_starts").scalar() == 1  # seen inside
            raise RuntimeError("the email could not be rendered")
    assert db.execute("SELECT COUNT(*) FROM job_starts").scalar() == 0
    db.close()


def test_a_snapshot_reads_one_moment_refuses_writes_and_leaves_the_connection_writable(target):
    """What the console's busiest pages read in (web/console/guard.py): one transaction, so
    a row committed meanwhile by another connection is not seen half-way; a write inside is
    refused at once (a page must not write); and the connection it used writes again after."""
    db, other = connect(target), connect(target)
    db.execute("INSERT INTO job_starts (job, started_at) VALUES ('monthly-report', 1)")
    with state.snapshot(db):
        assert db.execute("SELECT COUNT(*) FROM job_starts").scalar() == 1
        other.execute("INSERT INTO job_starts (job, started_at) VALUES ('daily-close', 2)")
        assert db.execute("SELECT COUNT(*) FROM job_starts").scalar() == 1  # the same moment
        with pytest.raises(Exception, match="(?i)read.only|readonly"):
            db.execute("INSERT INTO job_starts (job, started_at) VALUES ('digest', 3)")
    assert db.execute("SELECT COUNT(*) FROM job_starts").scalar() == 2
    for n in range(3):  # whichever pooled connection comes back, it writes
        db.execute("INSERT INTO job_starts (job, started_at) VALUES (:job, 4)", {"job": f"digest-{n}"})
    assert db.execute("SELECT COUNT(*) FROM job_starts WHERE job LIKE 'digest%'").scalar() == 3
    other.close()
    db.close()


def test_a_change_nobody_reacted_to_is_not_committed_and_a_savepoint_forgets_its_own(target):
    """The seam between the lifecycles and what their changes cause: a transaction holding a
    journaled change that no reaction took refuses to commit (its emails would never exist),
    and a savepoint rolled back takes its changes out of the journal with its rows."""
    db = connect(target)
    insert = "INSERT INTO job_starts (job, started_at) VALUES (:job, 1)"
    with pytest.raises(Unreacted, match="work_order WO-1 opened"):
        with transaction(db):
            db.execute(insert, {"job": "a"})
            db.changed(Change("work_order", "WO-1", "opened", 1))
    assert db.execute("SELECT COUNT(*) FROM job_starts").scalar() == 0
    with transaction(db):
        db.execute(insert, {"job": "b"})
        db.changed(Change("alert", 1, "opened", 1))
        with pytest.raises(ValueError):
            with savepoint(db):
                db.execute(insert, {"job": "c"})
                db.changed(Change("alert", 2, "opened", 1))
                raise ValueError("one site failed")
        assert [c.id for c in db.changes] == [1]
        db.changes.clear()  # reacted to
    assert [r["job"] for r in db.execute("SELECT job FROM job_starts")] == ["b"]
    with pytest.raises(RuntimeError, match="outside a transaction"):
        db.changed(Change("alert", 3, "opened", 1))
    db.close()


def test_the_first_releases_histories_read_in_words_not_codes(tmp_path):
    """Rows written before transitions kept their sentences: their English text is read back
    into sentences, so an old alert's history and an old order's timeline read in Chinese."""
    from tests.words import codes
    from wastewatch.alerts import said
    from wastewatch.maintenance import work_orders

    path = tmp_path / "wastewatch.db"
    shutil.copy(FIRST_RELEASE, path)
    db = connect(path)
    alerts = db.execute("SELECT * FROM alert_transitions ORDER BY id").fetchall()
    orders = db.execute("SELECT * FROM work_order_transitions ORDER BY id").fetchall()
    assert alerts and orders and all(row["said"] is None for row in list(alerts) + list(orders))
    assert any(codes(row["reason"]) for row in alerts)  # "sample_exceedance, cod, value 95, …"
    read = [said.history(row, "zh-CN") for row in alerts] + [
        work_orders.said.timeline(row, "zh-CN") for row in orders
    ]
    assert [codes(text) for text in read] == [[] for _ in read], read
    assert "化学需氧量 95 mg/L，限值 60 mg/L（DB51/2626-2019 1 级），自 2026-10-12 20:00 起" in read
    assert any(text.startswith("由告警 #3 派单：") for text in read)
    db.close()
