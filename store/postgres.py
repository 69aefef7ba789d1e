"""Readings on PostgreSQL: the store of sqlite.py on a server, for a city or a province.

The tables live in a schema of their own, `store`, so the readings can share a database with
the state (alerts, work orders, outbox) without a name in common. Readings are range-partitioned
by month of the service's time zone: a partition per local month, created ahead for the coming
months and on demand for any month a batch reaches (a backfill), so a month is dropped or
archived whole and a range scan touches only its months.

A batch is written in one transaction, as on SQLite, and the broker is acknowledged only after
its commit: COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING into the
readings whose RETURNING says which rows were new — so a redelivered message changes nothing,
and the hourly and daily sums and the newest reading are updated from exactly the new rows.
"""

import threading
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Sequence

import psycopg

from .base import LoggerValue, ReadingRow, Rejection, StoredRejection, WriteResult
from .calendar import Calendar, batch_sums
from .files import unavailable
from .influx import Lines
from .leader import libpq_url
from .mirror_queue import POSTGRES_SCHEMA, PostgresMirrorQueue
from .postgres_reads import Reads

SCHEMA = """
CREATE SCHEMA IF NOT EXISTS store;
SET search_path TO store;
CREATE TABLE IF NOT EXISTS store_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS series (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id text NOT NULL,
    metric text NOT NULL,
    UNIQUE (site_id, metric)
);
CREATE TABLE IF NOT EXISTS readings (
    series integer NOT NULL,
    ts bigint NOT NULL,
    value double precision NOT NULL,
    flag text NOT NULL DEFAULT 'N',
    received_at bigint NOT NULL,
    PRIMARY KEY (series, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE IF NOT EXISTS hourly (
    series integer NOT NULL,
    hour integer NOT NULL,
    received integer NOT NULL,
    flagged_n integer NOT NULL,
    total double precision NOT NULL,
    low double precision,
    high double precision,
    PRIMARY KEY (series, hour)
);
CREATE TABLE IF NOT EXISTS daily (
    series integer NOT NULL,
    day integer NOT NULL,
    received integer NOT NULL,
    flagged_n integer NOT NULL,
    total double precision NOT NULL,
    low double precision,
    high double precision,
    PRIMARY KEY (series, day)
);
CREATE TABLE IF NOT EXISTS latest (
    series integer PRIMARY KEY,
    ts bigint NOT NULL,
    value double precision NOT NULL,
    flag text NOT NULL
);
CREATE TABLE IF NOT EXISTS rejections (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at bigint NOT NULL,
    source text NOT NULL,
    topic text NOT NULL DEFAULT '',
    site_id text NOT NULL DEFAULT '',
    item integer,
    metric text NOT NULL DEFAULT '',
    reason text NOT NULL,
    payload text NOT NULL
);
CREATE INDEX IF NOT EXISTS rejections_received ON rejections (received_at);
CREATE TABLE IF NOT EXISTS logger_values (
    site_id text NOT NULL,
    kind text NOT NULL,
    metric text NOT NULL,
    stat text NOT NULL,
    ts bigint NOT NULL,
    value double precision NOT NULL,
    flag text NOT NULL DEFAULT 'N',
    received_at bigint NOT NULL,
    PRIMARY KEY (site_id, kind, metric, stat, ts)
);
CREATE TABLE IF NOT EXISTS quarantine (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at bigint NOT NULL,
    source text NOT NULL,
    topic text NOT NULL DEFAULT '',
    site_id text NOT NULL DEFAULT '',
    error text NOT NULL,
    payload bytea NOT NULL,
    replayed_at bigint
);
CREATE INDEX IF NOT EXISTS quarantine_site ON quarantine (site_id, id);
-- How far `wastewatch migrate-store` got: a series' newest reading copied, a table done.
CREATE TABLE IF NOT EXISTS migration (key text PRIMARY KEY, done bigint NOT NULL);
"""
# A batch's temporary tables, made (if this connection has not yet) in one round trip: the
# readings, then their sums and newest values. The sums arrive by COPY and are added in one
# statement per table: at a province's spread of sites a batch touches a series per reading,
# and a statement per series (executemany) cost more than the readings' own COPY. In key order,
# so that instances writing the same series lock their rows in the same order and never
# deadlock. LEAST and GREATEST skip NULLs, which is what an hour without a flag-N value has.
_SUMS = (
    "received integer, flagged_n integer, total double precision, low double precision, high double precision"
)
INCOMING = f"""
CREATE TEMP TABLE IF NOT EXISTS incoming (series integer, ts bigint, value double precision, flag text,
    received_at bigint) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_hourly (series integer, hour integer, {_SUMS}) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_daily (series integer, day integer, {_SUMS}) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS incoming_latest (series integer, ts bigint, value double precision, flag text)
    ON COMMIT DELETE ROWS;
"""
_ADD_SUMS = """
INSERT INTO {table} (series, {key}, received, flagged_n, total, low, high)
SELECT * FROM incoming_{table} ORDER BY series, {key}
ON CONFLICT (series, {key}) DO UPDATE SET
    received = {table}.received + excluded.received,
    flagged_n = {table}.flagged_n + excluded.flagged_n,
    total = {table}.total + excluded.total,
    low = LEAST({table}.low, excluded.low),
    high = GREATEST({table}.high, excluded.high)
"""
ADD_LATEST = """
INSERT INTO latest (series, ts, value, flag) SELECT * FROM incoming_latest ORDER BY series
ON CONFLICT (series) DO UPDATE SET ts = excluded.ts, value = excluded.value, flag = excluded.flag
WHERE excluded.ts > latest.ts
"""
# (the table, its sums added), formatted once
SUM_TABLES = [
    (table, _ADD_SUMS.format(table=table, key=key)) for table, key in (("hourly", "hour"), ("daily", "day"))
]
# Taken by whoever creates the schema or a partition: two instances starting at once would
# otherwise race between IF NOT EXISTS and the creation ("wwrd" in ASCII).
DDL_LOCK = 0x77777264
MONTHS_AHEAD = 2


def months(start: date, count: int) -> list[date]:
    """The first days of `count` months from `start`'s."""
    found, year, month = [], start.year, start.month
    for _ in range(count):
        found.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def scalar(cursor):
    """The one value of a query that always returns one row (a count, a MAX)."""
    row = cursor.fetchone()
    assert row is not None, "an aggregate without GROUP BY returns a row"
    return row[0]


class PostgresStore(Reads, PostgresMirrorQueue):
    def __init__(self, url: str, tz_name: str | None = None, mirror: str | None = None):
        """url: a libpq URL (postgresql://…; SQLAlchemy's postgresql+psycopg:// too).
        tz_name: the service's time zone, for the daily sums and the months of the partitions;
        a reader may leave it out and takes the store's. mirror: the InfluxDB measurement every
        stored reading is queued for (store/mirror_queue.py), or None."""
        self._lines = Lines(mirror) if mirror else None
        self.url = libpq_url(url)
        self._lock = threading.Lock()
        self._db = self._connect()
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            self._db.execute(SCHEMA + POSTGRES_SCHEMA)
            row = self._db.execute("SELECT value FROM store_meta WHERE key = 'timezone'").fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO store_meta (key, value) VALUES ('timezone', %s)", (tz_name or "UTC",)
                )
            elif tz_name is not None and row[0] != tz_name:
                # The partitions are months of the zone the store was made with: a new zone would
                # need every day summed again and every partition moved. Not done silently.
                raise ValueError(
                    f"the readings store on PostgreSQL keeps days in {row[0]}, not {tz_name}: "
                    "set [service] timezone back, or migrate the store into a new database"
                )
            self._calendar = Calendar(row[0] if row else tz_name or "UTC")
            self._partitions = {
                name
                for (name,) in self._db.execute(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'store.readings'::regclass"
                )
            }
        self._series = self._load_series()
        self.ensure_months(datetime.now(self._calendar.tz).date(), MONTHS_AHEAD + 1)

    def _connect(self) -> psycopg.Connection:
        try:
            db = psycopg.connect(self.url, autocommit=True, options="-c search_path=store")
        except psycopg.Error as exc:
            raise unavailable(exc) or exc from exc
        return db

    def _usable(self) -> psycopg.Connection:
        """The connection, opened again after the server dropped it (a restart, a failover)."""
        if self._db.broken or self._db.closed:
            self._db = self._connect()
        return self._db

    def _load_series(self) -> dict[tuple[str, str], int]:
        return {
            (site, metric): sid
            for sid, site, metric in self._db.execute("SELECT id, site_id, metric FROM series")
        }

    def _known_series(self, site_id: str, metric: str) -> int | None:
        key = (site_id, metric)
        if key not in self._series:
            row = (
                self._usable()
                .execute("SELECT id FROM series WHERE site_id = %s AND metric = %s", key)
                .fetchone()
            )
            if row is None:
                return None
            self._series[key] = row[0]
        return self._series[key]

    def ensure_months(self, first: date, count: int = 1) -> None:
        """Partitions for `count` local months from `first`'s, where missing."""
        missing = [m for m in months(first, count) if f"readings_{m:%Y%m}" not in self._partitions]
        if not missing:
            return
        db = self._usable()
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            for month in missing:
                after = months(month, 2)[1]
                start, end = (
                    int(datetime(d.year, d.month, 1, tzinfo=self._calendar.tz).timestamp())
                    for d in (month, after)
                )
                name = f"readings_{month:%Y%m}"
                db.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF readings "
                    f"FOR VALUES FROM ({start}) TO ({end})"
                )
        self._partitions.update(f"readings_{m:%Y%m}" for m in missing)

    def _ensure_partitions(self, timestamps) -> None:
        """The partitions of every local month the timestamps fall in. A UTC day can straddle
        a local month's first midnight: both its ends are looked at."""
        days = {ts // 86400 for ts in timestamps}
        for month in {
            datetime.fromtimestamp(d * 86400 + h, self._calendar.tz).date().replace(day=1)
            for d in days
            for h in (0, 86399)
        }:
            self.ensure_months(month)

    @contextmanager
    def _committing(self):
        """Around a write transaction: series made in a rolled-back one are gone, so their ids
        must go too; an unavailable database is the store's trouble, not the data's."""
        try:
            yield
        except BaseException as exc:
            self._series = {}
            problem = unavailable(exc)
            if problem is not None:
                raise problem from exc
            raise

    def write(
        self,
        readings: Sequence[ReadingRow],
        rejections: Sequence[Rejection] = (),
        received_at: int | None = None,
        logger_values: Sequence[LoggerValue] = (),
    ) -> WriteResult:
        received_at = int(time.time()) if received_at is None else received_at
        with self._lock, self._committing():
            inserted = self._write(readings, rejections, received_at, logger_values)
        return WriteResult(inserted, len(readings) - inserted, len(rejections))

    def _write(self, readings, rejections, received_at: int, logger_values) -> int:
        db = self._usable()
        self._ensure_partitions(ts for _, _, ts, *_ in readings)
        inserted = 0
        with db.transaction(), db.cursor() as cur:
            if readings:
                ids = self._series_ids(cur, {(site, metric) for site, metric, *_ in readings})
                inserted = self._insert(
                    cur,
                    [
                        (ids[site, metric], ts, value, flag, received_at)
                        for site, metric, ts, value, flag in readings
                    ],
                    {sid: key for key, sid in ids.items()} if self._lines else None,
                )
            if rejections:
                cur.executemany(
                    "INSERT INTO rejections (received_at, source, topic, site_id, item, metric, reason, "
                    "payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (received_at, r.source, r.topic, r.site_id, r.item, r.metric, r.reason, r.payload)
                        for r in rejections
                    ],
                )
            if logger_values:
                cur.executemany(
                    "INSERT INTO logger_values (site_id, kind, metric, ts, stat, value, flag, received_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(*v, received_at) for v in logger_values],
                )
        return inserted

    def _insert(self, cur, rows: list[tuple], names: dict | None = None) -> int:
        """(series, ts, value, flag, received_at) rows into the readings and, those that were
        new, into the sums, the newest reading and (names: {series: (site, metric)}) the
        mirror's queue; the number that were new."""
        cur.execute(INCOMING)
        with cur.copy("COPY incoming (series, ts, value, flag, received_at) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Of two readings of one time in a batch, the one SQLite keeps (it sorts the batch).
        new = cur.execute(
            "INSERT INTO readings SELECT * FROM incoming ORDER BY series, ts, value, flag "
            "ON CONFLICT DO NOTHING RETURNING series, ts, value, flag"
        ).fetchall()
        hours, days, newest = batch_sums(new, self._calendar)
        for (table, add), sums in zip(SUM_TABLES, (hours, days)):
            with cur.copy(f"COPY incoming_{table} FROM STDIN") as copy:
                for k, v in sums.items():
                    copy.write_row((*k, *v))
            cur.execute(add)
        with cur.copy("COPY incoming_latest FROM STDIN") as copy:
            for row in newest.values():
                copy.write_row(row)
        cur.execute(ADD_LATEST)
        if names and new:
            self._queue_new(cur, names, new)
        return len(new)

    def copy_readings(self, site_id: str, metric: str, rows: list[tuple], mark: tuple[str, int]) -> int:
        """A series' (ts, value, flag, received_at) rows as they were received, and a migration's
        note of how far it got (key, value), committed together (migrate.py). Returns the new."""
        with self._lock, self._committing():
            self._ensure_partitions(row[0] for row in rows)
            db = self._usable()
            with db.transaction(), db.cursor() as cur:
                sid = self._series_ids(cur, {(site_id, metric)})[site_id, metric]
                inserted = self._insert(cur, [(sid, *row) for row in rows])
                cur.execute(
                    "INSERT INTO migration (key, done) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET done = excluded.done",
                    mark,
                )
        return inserted

    def _series_ids(self, cur, keys: set) -> dict:
        missing = sorted(k for k in keys if k not in self._series)
        if missing:
            # Sorted, so that two writers creating series at once take their row locks in one order.
            cur.executemany(
                "INSERT INTO series (site_id, metric) VALUES (%s, %s) ON CONFLICT DO NOTHING", missing
            )
            for sid, site, metric in cur.execute(
                "SELECT id, site_id, metric FROM series WHERE (site_id, metric) IN "
                "(SELECT * FROM unnest(%s::text[], %s::text[]))",
                ([k[0] for k in missing], [k[1] for k in missing]),
            ):
                self._series[site, metric] = sid
        return self._series

    # Rejection records and the quarantine: the other tables a write may touch.
    def rejections(self, since: int = 0, limit: int = 100) -> list[StoredRejection]:
        with self._lock:
            rows = (
                self._usable()
                .execute(
                    "SELECT id, received_at, source, topic, site_id, item, metric, reason, payload "
                    "FROM rejections WHERE received_at >= %s ORDER BY id DESC LIMIT %s",
                    (since, limit),
                )
                .fetchall()
            )
        return [StoredRejection(*row) for row in rows]

    def count_rejections(self) -> int:
        with self._lock:
            return scalar(self._usable().execute("SELECT COUNT(*) FROM rejections"))

    def count_readings(self) -> int:
        with self._lock:
            return scalar(self._usable().execute("SELECT COUNT(*) FROM readings"))

    def first_reading_day(self) -> date | None:
        with self._lock:
            day = scalar(self._usable().execute("SELECT MIN(day) FROM daily"))
        return None if day is None else date(1970, 1, 1) + timedelta(days=day)

    def prune_before(
        self, month: date, batch: int = 5000, share: float = 1.0, stop: threading.Event | None = None
    ) -> int:
        """Whole monthly partitions, detached then dropped: no row is deleted one by one, no
        vacuum is owed, and ingest (into this month's partition) is not held back (`batch` and
        `share` have nothing to pace)."""
        names = sorted(n for n in self._partitions if n < f"readings_{month:%Y%m}")
        removed = 0
        for name in names:
            if stop is not None and stop.is_set():
                break
            with self._lock:
                db = self._usable()
                removed += scalar(db.execute(f"SELECT COUNT(*) FROM {name}"))
                with db.transaction():
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
                    db.execute(f"ALTER TABLE readings DETACH PARTITION {name}")
                    db.execute(f"DROP TABLE {name}")
                self._partitions.discard(name)
        return removed

    def close(self) -> None:
        with self._lock:
            self._db.close()
