"""The embedded store: one SQLite file in WAL mode.

WAL with synchronous=FULL makes every commit durable on return, which is the promise the
ingestor gives the broker when it acknowledges a message after `write()`.
"""

import sqlite3
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Sequence

from .base import Aggregate, Period, Reading, Rejection, StoredRejection, WriteResult

# A series is one metric of one site. Readings key on (series, ts): an integer pair instead of
# two strings per row keeps the primary-key B-tree small, which is what inserts and range
# scans pay for (measured: about twice the insert rate of a (site_id, metric, ts) key).
SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    site_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    UNIQUE (site_id, metric)
);
CREATE TABLE IF NOT EXISTS readings (
    series INTEGER NOT NULL REFERENCES series (id),
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    flag TEXT NOT NULL DEFAULT 'N',
    received_at INTEGER NOT NULL,
    PRIMARY KEY (series, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejections (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    site_id TEXT NOT NULL DEFAULT '',
    item INTEGER,
    metric TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rejections_received ON rejections (received_at);
"""

# Hourly aggregates per series, kept up to date as readings arrive, in the same transaction.
# Reports read these instead of every reading: a month at 500 sites is 2.2 M hours instead of
# 27 M readings. Sums and extremes are over flag-N readings; whether those were valid
# (instrument range, windows, suspect spans) the report decides, reading the raw readings of
# the few hours where it cannot tell from low/high alone.
HOURLY = """
CREATE TABLE IF NOT EXISTS hourly (
    series INTEGER NOT NULL,
    hour INTEGER NOT NULL,           -- ts / 3600: the UTC hour
    received INTEGER NOT NULL,       -- readings of any flag
    flagged_n INTEGER NOT NULL,      -- readings with flag N
    total REAL NOT NULL,             -- sum of the flag-N values
    low REAL,                        -- least and greatest flag-N value
    high REAL,
    PRIMARY KEY (series, hour)
) WITHOUT ROWID
"""
_ADD = """
INSERT INTO hourly (series, hour, received, flagged_n, total, low, high) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (series, hour) DO UPDATE SET
    received = received + excluded.received,
    flagged_n = flagged_n + excluded.flagged_n,
    total = total + excluded.total,
    low = min(coalesce(low, excluded.low), coalesce(excluded.low, low)),
    high = max(coalesce(high, excluded.high), coalesce(excluded.high, high))
"""
# One hour summed again from its readings: after a batch that held duplicates.
_RESUM = """
INSERT OR REPLACE INTO hourly (series, hour, received, flagged_n, total, low, high)
SELECT series, ts / 3600, COUNT(*), SUM(flag = 'N'), TOTAL(CASE WHEN flag = 'N' THEN value END),
       MIN(CASE WHEN flag = 'N' THEN value END), MAX(CASE WHEN flag = 'N' THEN value END)
FROM readings WHERE series = ? AND ts >= ? * 3600 AND ts < (? + 1) * 3600 GROUP BY series, ts / 3600
"""
_BACKFILL = """
INSERT INTO hourly (series, hour, received, flagged_n, total, low, high)
SELECT series, ts / 3600, COUNT(*), SUM(flag = 'N'), TOTAL(CASE WHEN flag = 'N' THEN value END),
       MIN(CASE WHEN flag = 'N' THEN value END), MAX(CASE WHEN flag = 'N' THEN value END)
FROM readings GROUP BY series, ts / 3600
"""


class SQLiteStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection guarded by a lock: the ingest writer and CLI readers share it, and
        # SQLite serialises writers anyway.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        # Larger pages and a larger cache: inserts land at one point per series (thousands of
        # them), and those B-tree pages should stay in memory. page_size only counts for a
        # new file, before WAL is switched on.
        self._db.execute("PRAGMA page_size=16384")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA cache_size=-65536")
        # Fewer, larger checkpoints (40 k pages of WAL between them, instead of 1 k).
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)
        self._add_hourly()
        self._series = self._load_series()

    def _add_hourly(self) -> None:
        """The hourly table; a store from before it is summed up once."""
        if self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'hourly'").fetchone():
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'hourly'").fetchone():
                self._db.execute(HOURLY)
                self._db.execute(_BACKFILL)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _load_series(self) -> dict[tuple[str, str], int]:
        return {(site, metric): sid
                for sid, site, metric in self._db.execute("SELECT id, site_id, metric FROM series")}

    def _series_id(self, site_id: str, metric: str) -> int:
        """The id of a series, created on first sight (inside the caller's transaction)."""
        key = (site_id, metric)
        sid = self._series.get(key)
        if sid is None:
            sid = self._db.execute("INSERT INTO series (site_id, metric) VALUES (?, ?) "
                                   "ON CONFLICT DO UPDATE SET metric = metric RETURNING id", key).fetchone()[0]
            self._series[key] = sid
        return sid

    def _known_series(self, site_id: str, metric: str) -> int | None:
        key = (site_id, metric)
        if key not in self._series:
            row = self._db.execute("SELECT id FROM series WHERE site_id = ? AND metric = ?", key).fetchone()
            if row is None:
                return None
            self._series[key] = row[0]
        return self._series[key]

    def write(self, readings: Sequence[Reading], rejections: Sequence[Rejection] = (),
              received_at: int | None = None) -> WriteResult:
        received_at = int(time.time()) if received_at is None else received_at
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                series, new_series = self._series.get, self._series_id
                rows = [((series((site, metric)) or new_series(site, metric)), ts, value, flag, received_at)
                        for site, metric, ts, value, flag in readings]
                rows.sort()  # B-tree order: neighbouring inserts touch the same pages
                before = self._db.total_changes
                self._db.executemany(
                    "INSERT INTO readings (series, ts, value, flag, received_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)
                inserted = self._db.total_changes - before
                self._add_to_hourly(rows, duplicates=inserted < len(rows))
                self._db.executemany(
                    "INSERT INTO rejections (received_at, source, topic, site_id, item, metric, "
                    "reason, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(received_at, r.source, r.topic, r.site_id, r.item, r.metric, r.reason, r.payload)
                     for r in rejections])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                # Series created in this transaction are gone with it: forget their ids too.
                self._series = self._load_series()
                raise
        return WriteResult(inserted, len(readings) - inserted, len(rejections))

    def _add_to_hourly(self, rows: list, duplicates: bool) -> None:
        """Fold a batch into the hourly table. Summed here rather than by a trigger per row
        (which halved the insert rate); a batch with duplicates, rare, re-sums its hours."""
        hours: dict = {}
        for series, ts, value, flag, _ in rows:
            key = (series, ts // 3600)
            hour = hours.get(key)
            if hour is None:
                hour = hours[key] = [0, 0, 0.0, None, None]
            hour[0] += 1
            if flag == "N":
                hour[1] += 1
                hour[2] += value
                if hour[3] is None or value < hour[3]:
                    hour[3] = value
                if hour[4] is None or value > hour[4]:
                    hour[4] = value
        if duplicates:
            self._db.executemany(_RESUM, [(series, hour, hour) for series, hour in hours])
        else:
            self._db.executemany(_ADD, [(*key, *sums) for key, sums in hours.items()])

    def hourly(self, site_id: str, metrics, since: int, until: int) -> list[tuple]:
        """(metric, hour, received, flagged_n, total, low, high) for UTC hours in [since, until)
        (epoch hours, ts // 3600) of the site's metrics."""
        with self._lock:
            ids = {sid: m for m in metrics if (sid := self._known_series(site_id, m)) is not None}
            rows = [] if not ids else self._db.execute(
                f"SELECT series, hour, received, flagged_n, total, low, high FROM hourly WHERE series IN "
                f"({','.join('?' * len(ids))}) AND hour >= ? AND hour < ? ORDER BY series, hour",
                (*ids, since, until)).fetchall()
        return [(ids[r[0]], *r[1:]) for r in rows]

    def hourly_frame(self, since_hour: int, until_hour: int):
        """Every series' hourly aggregates for UTC hours in [since_hour, until_hour), as a
        DataFrame: site_id, metric, hour, received, flagged_n, total, low, high."""
        import pandas as pd
        with self._lock:
            return pd.read_sql_query(
                "SELECT s.site_id, s.metric, h.hour, h.received, h.flagged_n, h.total, h.low, h.high "
                "FROM hourly h JOIN series s ON s.id = h.series WHERE h.hour >= ? AND h.hour < ?",
                self._db, params=(since_hour, until_hour))

    def read_range(self, site_id: str, metric: str, since: int, until: int) -> list[Reading]:
        with self._lock:
            sid = self._known_series(site_id, metric)
            rows = [] if sid is None else self._db.execute(
                "SELECT ts, value, flag FROM readings WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts",
                (sid, since, until)).fetchall()
        return [Reading(site_id, metric, ts, value, flag) for ts, value, flag in rows]

    def scan(self, site_id: str, metric: str, since: int, until: int) -> list[tuple[int, float, str]]:
        """(ts, value, flag) with since <= ts < until, oldest first: read_range without the
        per-row objects, for the rules that read every reading."""
        with self._lock:
            sid = self._known_series(site_id, metric)
            return [] if sid is None else self._db.execute(
                "SELECT ts, value, flag FROM readings WHERE series = ? AND ts >= ? AND ts < ? ORDER BY ts",
                (sid, since, until)).fetchall()

    def last_reading_times(self) -> dict[tuple[str, str], int]:
        with self._lock:
            # One index seek per series, thanks to the primary key order.
            rows = self._db.execute(
                "SELECT site_id, metric, (SELECT MAX(ts) FROM readings WHERE series = series.id) AS last "
                "FROM series WHERE last IS NOT NULL").fetchall()
        return {(site, metric): ts for site, metric, ts in rows}

    def aggregate(self, site_id: str, metric: str, since: datetime, until: datetime,
                  period: Period, tz: tzinfo) -> list[Aggregate]:
        # SQLite sums per UTC hour; hours are then folded into local hours or days in Python,
        # which stays right for any zone whose offset is a whole number of hours.
        with self._lock:
            sid = self._known_series(site_id, metric)
            rows = [] if sid is None else self._db.execute(
                "SELECT ts / 3600, COUNT(*), SUM(flag = 'N'), "
                "SUM(CASE WHEN flag = 'N' THEN value END), "
                "MIN(CASE WHEN flag = 'N' THEN value END), MAX(CASE WHEN flag = 'N' THEN value END) "
                "FROM readings WHERE series = ? AND ts >= ? AND ts < ? GROUP BY ts / 3600 ORDER BY 1",
                (sid, int(since.timestamp()), int(until.timestamp()))).fetchall()
        buckets: dict[datetime, list] = defaultdict(lambda: [0, 0, 0.0, None, None])
        for hour, count, valid, total, low, high in rows:
            local = datetime.fromtimestamp(hour * 3600, timezone.utc).astimezone(tz)
            start = local if period == "hour" else local.replace(hour=0)
            bucket = buckets[start]
            bucket[0] += count
            bucket[1] += valid
            bucket[2] += total or 0.0
            if low is not None:
                bucket[3] = low if bucket[3] is None else min(bucket[3], low)
                bucket[4] = high if bucket[4] is None else max(bucket[4], high)
        return [Aggregate(start, c, v, (s / v) if v else None, lo, hi)
                for start, (c, v, s, lo, hi) in sorted(buckets.items())]

    def count_by_day(self, site_id: str, metrics, since: datetime, until: datetime, tz: tzinfo) -> dict:
        """Readings of the site's `metrics` per local day in [since, until): {date: count}."""
        with self._lock:
            ids = [sid for m in metrics if (sid := self._known_series(site_id, m)) is not None]
            rows = [] if not ids else self._db.execute(
                f"SELECT ts / 3600, COUNT(*) FROM readings WHERE series IN ({','.join('?' * len(ids))}) "
                "AND ts >= ? AND ts < ? GROUP BY 1", (*ids, int(since.timestamp()), int(until.timestamp()))).fetchall()
        counts: dict = defaultdict(int)
        for hour, count in rows:  # UTC hours folded into local days, as in aggregate()
            counts[datetime.fromtimestamp(hour * 3600, timezone.utc).astimezone(tz).date()] += count
        return dict(counts)

    def rejections(self, since: int = 0, limit: int = 100) -> list[StoredRejection]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, received_at, source, topic, site_id, item, metric, reason, payload "
                "FROM rejections WHERE received_at >= ? ORDER BY id DESC LIMIT ?",
                (since, limit)).fetchall()
        return [StoredRejection(*row) for row in rows]

    def count_rejections(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM rejections").fetchone()[0]

    def count_readings(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM readings").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
