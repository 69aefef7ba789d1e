"""A county's data moved from the embedded SQLite file to PostgreSQL (`wastewatch migrate-store`).

The readings go series by series in time order, in chunks; each chunk is committed on
PostgreSQL together with the note of how far its series got, so an interrupted migration
resumes where its last commit left off, and a chunk copied twice changes nothing (the readings'
key; the sums are made from the rows the insert returned as new). The rejection records, the
quarantine and the HJ 212 logger values follow, keeping their ids (the rules' memory quotes
quarantine ids). The state database (alerts, work orders, outbox, accounts, reports …) goes
last, in one transaction: all of it or none. At the end every count is compared on both sides.

The source is only read (its state schema is brought to the newest first, as the service
would on start); the service must be stopped while it runs.
"""

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Integer, MetaData, func, select, text

from .postgres import PostgresStore, scalar
from .state import connect

CHUNK = 50_000
# The tables of the readings store: everything else in the SQLite file is state.
READINGS_TABLES = {
    "series",
    "readings",
    "hourly",
    "daily",
    "latest",
    "store_meta",
    "rejections",
    "logger_values",
    "quarantine",
}
# (table, columns, key order) copied by id or key after the readings.
RECORDS = (
    ("rejections", "id, received_at, source, topic, site_id, item, metric, reason, payload", "id"),
    ("quarantine", "id, received_at, source, topic, site_id, error, payload, replayed_at", "id"),
    (
        "logger_values",
        "site_id, kind, metric, stat, ts, value, flag, received_at",
        "site_id, kind, metric, stat, ts",
    ),
)


class MigrationError(Exception):
    """The migration cannot start or did not arrive whole: one sentence."""


def migrate(source: Path, target_url: str, chunk: int = CHUNK, say: Callable[[str], None] = print) -> dict:
    """Copy everything; returns the counts, {what: (source, target)}, all equal."""
    if not source.is_file():
        raise MigrationError(f"{source} is not a file")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        tables = {name for (name,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "readings" not in tables:
            raise MigrationError(f"{source} holds no Wastewatch readings store")
        zone = src.execute("SELECT value FROM store_meta WHERE key = 'timezone'").fetchone()
        target = PostgresStore(target_url, zone[0] if zone else "UTC")
        try:
            _readings(src, target, chunk, say)
            _records(src, target, chunk, say)
            counts = _count_store(src, target)
        finally:
            target.close()
    finally:
        src.close()
    counts.update(_state(source, target_url, say))
    wrong = {what: pair for what, pair in counts.items() if pair[0] != pair[1]}
    if wrong:
        what, (was, now) = next(iter(wrong.items()))
        raise MigrationError(f"{what}: {was} in the source but {now} in the target after the copy")
    return counts


def _done(target: PostgresStore) -> dict[str, int]:
    return dict(target._db.execute("SELECT key, done FROM migration").fetchall())


def _readings(src: sqlite3.Connection, target: PostgresStore, chunk: int, say) -> None:
    done = _done(target)
    series = src.execute("SELECT id, site_id, metric FROM series ORDER BY site_id, metric").fetchall()
    for number, (sid, site, metric) in enumerate(series, 1):
        key = f"readings {site} {metric}"
        after, copied = done.get(key), 0
        while True:
            rows = src.execute(
                "SELECT ts, value, flag, received_at FROM readings WHERE series = ? AND ts > ? "
                "ORDER BY ts LIMIT ?",
                (sid, -(2**62) if after is None else after, chunk),
            ).fetchall()
            if not rows:
                break
            after = rows[-1][0]
            target.copy_readings(site, metric, rows, (key, after))
            copied += len(rows)
        say(f"readings {number}/{len(series)}: {site} {metric}, {copied} copied")


def _records(src: sqlite3.Connection, target: PostgresStore, chunk: int, say) -> None:
    db = target._db
    for table, columns, order in RECORDS:
        # By id: those after the newest already there. Logger values have no id: all again,
        # each kept once by its key.
        start = scalar(db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")) if order == "id" else None
        marks = ", ".join(["%s"] * len(columns.split(",")))
        overriding = "OVERRIDING SYSTEM VALUE" if order == "id" else ""
        copied, offset = 0, 0
        while True:
            if order == "id":
                rows = src.execute(
                    f"SELECT {columns} FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (start, chunk)
                ).fetchall()
            else:
                rows = src.execute(
                    f"SELECT {columns} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (chunk, offset)
                ).fetchall()
            if not rows:
                break
            with db.transaction(), db.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {table} ({columns}) {overriding} VALUES ({marks}) ON CONFLICT DO NOTHING",
                    [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows],
                )
            copied += len(rows)
            offset += len(rows)
            if order == "id":
                start = rows[-1][0]
        if order == "id":  # new rows continue after the copied ids
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('store.{table}', 'id'), MAX(id)) FROM {table} "
                "HAVING MAX(id) IS NOT NULL"
            )
        say(f"{table}: {copied} copied")


def _count_store(src: sqlite3.Connection, target: PostgresStore) -> dict:
    counts = {}
    theirs = dict(
        ((site, metric), n)
        for site, metric, n in target._db.execute(
            "SELECT s.site_id, s.metric, COUNT(r.ts) FROM series s LEFT JOIN readings r ON r.series = s.id "
            "GROUP BY s.site_id, s.metric"
        )
    )
    for site, metric, n in src.execute(
        "SELECT s.site_id, s.metric, (SELECT COUNT(*) FROM readings WHERE series = s.id) FROM series s "
        "ORDER BY s.site_id, s.metric"
    ):
        counts[f"readings of {site} {metric}"] = (n, theirs.get((site, metric), 0))
    for table in ("readings", "rejections", "quarantine", "logger_values", "hourly", "daily", "latest"):
        counts[table] = (
            src.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0],
            scalar(target._db.execute(f"SELECT COUNT(*) FROM {table}")),
        )
    received = "SELECT COALESCE(SUM(received), 0) FROM hourly"
    counts["readings summed by hour"] = (
        src.execute(received).fetchone()[0],
        scalar(target._db.execute(received)),
    )
    return counts


def _state(source: Path, target_url: str, say) -> dict:
    """The state tables, in the order of their foreign keys, in one transaction; the integer
    ids' sequences moved past the copied ids. Not again once done."""
    old, new = connect(source), connect(target_url)
    try:
        mine, theirs = MetaData(), MetaData()
        theirs.reflect(new.engine)
        names = [t.name for t in theirs.sorted_tables if t.name != "alembic_version"]
        mine.reflect(old.engine, only=[n for n in names if n not in READINGS_TABLES])
        counts = {}
        with new.engine.begin() as out, old.engine.connect() as into:
            if out.execute(text("SELECT 1 FROM store.migration WHERE key = 'state'")).first():
                say("state: copied before")
            else:
                for name in names:
                    table = theirs.tables[name]
                    if out.execute(select(func.count()).select_from(table)).scalar():
                        raise MigrationError(
                            f"the target's state table {name} is not empty; migrate into a new database"
                        )
                    if name not in mine.tables:
                        continue
                    rows = [dict(row._mapping) for row in into.execute(select(mine.tables[name]))]
                    if rows:
                        out.execute(table.insert(), rows)
                    keys = list(table.primary_key.columns)
                    if len(keys) == 1 and isinstance(keys[0].type, Integer):  # a serial id
                        sequence = f"pg_get_serial_sequence('{name}', '{keys[0].name}')"
                        out.execute(
                            text(
                                f"SELECT setval({sequence}, MAX({keys[0].name})) FROM {name} "
                                f"HAVING MAX({keys[0].name}) IS NOT NULL AND {sequence} IS NOT NULL"
                            )
                        )
                    say(f"state {name}: {len(rows)} copied")
                out.execute(text("INSERT INTO store.migration (key, done) VALUES ('state', 1)"))
            for name in names:
                if name in mine.tables:
                    counts[f"state {name}"] = (
                        into.execute(select(func.count()).select_from(mine.tables[name])).scalar(),
                        out.execute(select(func.count()).select_from(theirs.tables[name])).scalar(),
                    )
        return counts
    finally:
        old.close()
        new.close()
