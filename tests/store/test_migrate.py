"""`wastewatch migrate-store`: a county's SQLite file moved to PostgreSQL, killed halfway and
resumed, with nothing lost, nothing doubled, and the service's view the same afterwards."""

import signal
import subprocess
import sys

from sqlalchemy import text

from tests.store.test_backends import batches, reads
from tests.support import ROOT, postgres_database, wastewatch
from wastewatch.config import load_config
from wastewatch.store import LoggerValue, Rejection, SQLiteStore
from wastewatch.store.postgres import PostgresStore
from wastewatch.store.state import connect


def county(write_config, tmp_path):
    """A county's data folder: readings of three sites, an alert and its emails from `check`,
    rejection records, quarantined messages and HJ 212 logger values."""
    path = write_config()
    csv = tmp_path / "cod.csv"
    csv.write_text(
        "site,metric,ts,value\n"
        + "".join(f"helin,cod,2026-10-12T0{h}:00:00+08:00,{80 + h}\n" for h in range(3))
        + "helin,cod,not a time,1\n"
    )
    assert wastewatch("import", csv, "--config", path).returncode == 0
    assert "opened   alert 1" in wastewatch("check", "--config", path, "--at", "2026-10-12T02:30").stdout
    database = load_config(path).database_path
    store = SQLiteStore(database, "Asia/Shanghai")
    for batch in batches(7, count=25):
        store.write(batch, [Rejection("mqtt", "bad", "{}", topic="t")])
    store.write(
        [],
        logger_values=[
            LoggerValue("helin", "hourly", "cod", 1790000000 + 3600 * i, "Avg", i) for i in range(50)
        ],
    )
    for i in range(5):
        store.quarantine("mqtt", "t", "helin", bytes([i, 255]), f"disk I/O {i}", 1790000000 + i)
    store.mark_replayed(2, 1790000100)
    store.close()
    return database


def state_rows(target) -> dict:
    db = connect(target)
    try:
        with db.engine.connect() as c:
            return {
                "alerts": c.execute(
                    text("SELECT id, site_id, rule, state, since, detail FROM alerts ORDER BY id")
                ).all(),
                "outbox": c.execute(text("SELECT id, kind, status, message FROM outbox ORDER BY id")).all(),
                "transitions": c.execute(text("SELECT * FROM alert_transitions ORDER BY id")).all(),
                "memory": c.execute(text("SELECT * FROM series_state ORDER BY site_id, metric")).all(),
            }
    finally:
        db.close()


def test_a_migration_killed_halfway_resumes_and_arrives_whole(write_config, tmp_path):
    database = county(write_config, tmp_path)
    with postgres_database() as url:
        args = [
            sys.executable,
            "-m",
            "wastewatch",
            "migrate-store",
            "--from",
            f"sqlite:///{database}",
            "--to",
            url,
        ]
        first = subprocess.Popen([*args, "--chunk", "50"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert first.stdout.readline().startswith("readings 1/")
        first.send_signal(signal.SIGKILL)
        first.wait()
        partial = PostgresStore(url)
        copied = partial.count_readings()
        partial.close()
        total = SQLiteStore(database).count_readings()
        assert 0 < copied < total  # killed in the middle

        done = subprocess.run([*args, "--chunk", "50"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1].startswith(f"done: {total} readings and ")

        again = wastewatch("migrate-store", "--from", f"sqlite:///{database}", "--to", url)
        assert again.returncode == 0 and "state: copied before" in again.stdout  # harmless

        source, target = SQLiteStore(database), PostgresStore(url)
        try:
            assert reads(source) == reads(target)  # every read the rules, pages and report make
            assert [q.payload for q in target.quarantined()] == [bytes([i, 255]) for i in range(5)]
            assert [q.id for q in target.quarantined(pending_only=True)] == [1, 3, 4, 5]
            assert target.logger_values("helin") == source.logger_values("helin")
            assert target.count_rejections() == source.count_rejections() == 26
            new = target.quarantine("mqtt", "t", "helin", b"{}", "later", 1790000200)
            assert new == 6  # ids go on after the copied ones
        finally:
            source.close()
            target.close()
        assert state_rows(url) == state_rows(database)
        assert state_rows(url)["alerts"][0][1:3] == ("helin", "sample_exceedance")


def test_a_wrong_source_or_target_is_one_sentence(tmp_path):
    missing = wastewatch(
        "migrate-store", "--from", f"sqlite:///{tmp_path / 'none.db'}", "--to", "postgresql://x@h/d"
    )
    assert missing.returncode == 1
    assert missing.stderr == f"wastewatch: migrate-store: {tmp_path / 'none.db'} is not a file\n"
    mysql = wastewatch("migrate-store", "--from", "sqlite:///x.db", "--to", "mysql://x@h/d")
    assert mysql.stderr.startswith("wastewatch: --to: 'mysql://x@h/d' is not a PostgreSQL URL")
    with postgres_database() as url:
        database = tmp_path / "data" / "wastewatch.db"
        SQLiteStore(database, "Asia/Shanghai").close()
        PostgresStore(url, "Asia/Shanghai").close()
        db = connect(url)
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO job_starts (job, started_at) VALUES ('x', 1)"))
        db.close()
        busy = wastewatch("migrate-store", "--from", f"sqlite:///{database}", "--to", url)
        assert busy.returncode == 1 and "is not empty; migrate into a new database" in busy.stderr
