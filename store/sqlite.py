"""The embedded store: one SQLite file in WAL mode.

WAL with synchronous=FULL makes every commit durable on return, which is the promise the
ingestor gives the broker when it acknowledges a message after `write()`.
"""

import sqlite3
import threading
import time
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Sequence

from . import aggregates, report_sums
from .base import Aggregate, LoggerValue, Period, Reading, ReadingRow, Rejection, StoredRejection, WriteResult
from .calendar import local_aggregates, local_day_counts
from .files import private_database, unavailable
from .influx import Lines
from .mirror_queue import SQLITE_SCHEMA, SQLiteMirrorQueue
from .quarantine import SCHEMA as QUARANTINE_SCHEMA
from .quarantine import QuarantineTable
from .views import Views

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
CREATE TABLE IF NOT EXISTS logger_values (
    site_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    metric TEXT NOT NULL,
    stat TEXT NOT NULL,
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    flag TEXT NOT NULL DEFAULT 'N',
    received_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, kind, metric, stat, ts)
) WITHOUT ROWID;
"""


class SQLiteStore(QuarantineTable, Views, SQLiteMirrorQueue):
    def __init__(self, path: str | Path, tz_name: str | None = None, mirror: str | None = None):
        """tz_name: the service's time zone, for the daily aggregates (store/aggregates.py); a
        reader may leave it out and takes the store's. mirror: the InfluxDB measurement every
        stored reading is queued for (store/mirror_queue.py), or None."""
        self.path = Path(path)
        private_database(self.path)
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
        self._db.executescript(SCHEMA + QUARANTINE_SCHEMA + SQLITE_SCHEMA)
        self._lines = Lines(mirror) if mirror else None
        self._calendar = aggregates.ensure(self._db, tz_name)
        self._series = self._load_series()

    def _load_series(self) -> dict[tuple[str, str], int]:
        return {
            (site, metric): sid
            for sid, site, metric in self._db.execute("SELECT id, site_id, metric FROM series")
        }

    def _series_id(self, site_id: str, metric: str) -> int:
        """The id of a series, created on first sight (inside the caller's transaction)."""
        key = (site_id, metric)
        sid = self._series.get(key)
        if sid is None:
            sid = self._db.execute(
                "INSERT INTO series (site_id, metric) VALUES (?, ?) "
                "ON CONFLICT DO UPDATE SET metric = metric RETURNING id",
                key,
            ).fetchone()[0]
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

    def write(
        self,
        readings: Sequence[ReadingRow],
        rejections: Sequence[Rejection] = (),
        received_at: int | None = None,
        logger_values: Sequence[LoggerValue] = (),
    ) -> WriteResult:
        received_at = int(time.time()) if received_at is None else received_at
        with self._lock:
            try:
                # Inside the try: another program holding the write lock past the busy timeout
                # fails here, and is the store's trouble, not this batch's (which a plain
                # OperationalError would have had quarantined after three tries: the soak's
                # lock lane found it).
                self._db.execute("BEGIN IMMEDIATE")
                series, new_series = self._series.get, self._series_id
                rows = [
                    ((series((site, metric)) or new_series(site, metric)), ts, value, flag, received_at)
                    for site, metric, ts, value, flag in readings
                ]
                rows.sort()  # B-tree order: neighbouring inserts touch the same pages
                kept = None
                if self._lines:
                    kept = self._insert_kept(rows)
                    inserted = len(kept)
                else:
                    before = self._db.total_changes
                    self._db.executemany(
                        "INSERT INTO readings (series, ts, value, flag, received_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        rows,
                    )
                    inserted = self._db.total_changes - before
                aggregates.add(self._db, self._calendar, rows, duplicates=inserted < len(rows))
                if kept:
                    self._queue(
                        {self._series[(site, metric)]: (site, metric) for site, metric, *_ in readings}, kept
                    )
                self._db.executemany(
                    "INSERT INTO rejections (received_at, source, topic, site_id, item, metric, "
                    "reason, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (received_at, r.source, r.topic, r.site_id, r.item, r.metric, r.reason, r.payload)
                        for r in rejections
                    ],
                )
                if logger_values:
                    self._db.executemany(
                        "INSERT INTO logger_values "
                        "(site_id, kind, metric, ts, stat, value, flag, received_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        [(*v, received_at) for v in logger_values],
                    )
                self._db.execute("COMMIT")
            except BaseException as exc:
                self._abandon()
                problem = unavailable(exc)
                if problem is not None:
                    raise problem from exc
                raise
        return WriteResult(inserted, len(readings) - inserted, len(rejections))

    def _abandon(self) -> None:
        """After a failed write. SQLite may have rolled back already (SQLITE_FULL, some I/O
        errors): a second ROLLBACK would raise and hide the real error. Series created in the
        transaction are gone with it, so their cached ids must go too, whatever happened:
        a stale id would file later readings under a series that does not exist, or under
        the next one created (COD stored as flow)."""
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is in trouble; the caller reports the original error
        try:
            self._series = self._load_series()
        except sqlite3.Error:
            self._series = {}  # rebuilt one series at a time, from the database

    def hourly(self, site_id: str, metrics, since: int, until: int) -> list[tuple]:
        """(metric, hour, received, flagged_n, total, low, high) for UTC hours in [since, until)
        (epoch hours, ts // 3600) of the site's metrics."""
        with self._lock:
            ids = {sid: m for m in metrics if (sid := self._known_series(site_id, m)) is not None}
            rows = (
                []
                if not ids
                else self._db.execute(
                    f"SELECT series, hour, received, flagged_n, total, low, high FROM hourly WHERE series IN "
                    f"({','.join('?' * len(ids))}) AND hour >= ? AND hour < ? ORDER BY series, hour",
                    (*ids, since, until),
                ).fetchall()
            )
        return [(ids[r[0]], *r[1:]) for r in rows]

    def daily_sums(self, ranges: dict, start: int, end: int, hours_for=()) -> tuple:
        """The report's sums per series and local day (report_sums.py)."""
        with self._lock:
            return report_sums.daily_sums(
                self, aggregates.ReportQueries(self._db), ranges, start, end, hours_for
            )

    def received_by_site(self, start: int, end: int) -> dict[str, int]:
        """Readings received per site with start <= ts < end (whole hours)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.site_id, SUM(h.received) FROM series s CROSS JOIN hourly h ON h.series = s.id "
                "AND h.hour >= ? AND h.hour < ? GROUP BY s.site_id",
                (start // 3600, (end + 3599) // 3600),
            ).fetchall()
        return {site: int(count) for site, count in rows}

    def read_range(self, site_id: str, metric: str, since: int, until: int) -> list[Reading]:
        with self._lock:
            sid = self._known_series(site_id, metric)
            rows = (
                []
                if sid is None
                else self._db.execute(
                    "SELECT ts, value, flag FROM readings WHERE series = ? AND ts >= ? AND ts < ? "
                    "ORDER BY ts",
                    (sid, since, until),
                ).fetchall()
            )
        return [Reading(site_id, metric, ts, value, flag) for ts, value, flag in rows]

    def scan(self, site_id: str, metric: str, since: int, until: int) -> list[tuple[int, float, str]]:
        """(ts, value, flag) with since <= ts < until, oldest first: read_range without the
        per-row objects, for the rules that read every reading."""
        with self._lock:
            sid = self._known_series(site_id, metric)
            return (
                []
                if sid is None
                else self._db.execute(
                    "SELECT ts, value, flag FROM readings WHERE series = ? AND ts >= ? AND ts < ? "
                    "ORDER BY ts",
                    (sid, since, until),
                ).fetchall()
            )

    def scan_many(self, starts: dict, until: int) -> dict:
        """scan() of several series, {(site, metric): since} → {(site, metric): rows}; series
        without readings left out. In-process, one query each costs next to nothing."""
        found = {
            (site, metric): self.scan(site, metric, since, until) for (site, metric), since in starts.items()
        }
        return {key: rows for key, rows in found.items() if rows}

    def last_reading_times(self) -> dict[tuple[str, str], int]:
        with self._lock:
            # One index seek per series, thanks to the primary key order.
            rows = self._db.execute(
                "SELECT site_id, metric, (SELECT MAX(ts) FROM readings WHERE series = series.id) AS last "
                "FROM series WHERE last IS NOT NULL"
            ).fetchall()
        return {(site, metric): ts for site, metric, ts in rows}

    def aggregate(
        self, site_id: str, metric: str, since: datetime, until: datetime, period: Period, tz: tzinfo
    ) -> list[Aggregate]:
        with self._lock:
            sid = self._known_series(site_id, metric)
            rows = (
                []
                if sid is None
                else self._hours(
                    "{hour}, {received}, {flagged_n}, {total}, {low}, {high}",
                    [sid],
                    since,
                    until,
                    "ORDER BY 1",
                )
            )
        return local_aggregates(rows, period, tz)

    def _hours(self, columns: str, ids: list[int], since: datetime, until: datetime, order: str = "") -> list:
        """Per-UTC-hour sums of the series `ids` over [since, until), from the hourly
        aggregates when both ends are whole hours (the day close and the temperature clause
        ask for days), else from the readings themselves. `columns` names the fields as
        {hour}, {received}, {flagged_n}, {total}, {low}, {high}."""
        start, end = int(since.timestamp()), int(until.timestamp())
        marks = ",".join("?" * len(ids))
        if start % 3600 == 0 and end % 3600 == 0:
            fields = columns.format(
                hour="hour",
                received="SUM(received)",
                flagged_n="SUM(flagged_n)",
                total="TOTAL(total)",
                low="MIN(low)",
                high="MAX(high)",
            )
            sql = (
                f"SELECT {fields} FROM hourly WHERE series IN ({marks}) AND hour >= ? AND hour < ? "
                f"GROUP BY hour {order}"
            )
            return self._db.execute(sql, (*ids, start // 3600, end // 3600)).fetchall()
        fields = columns.format(
            hour="ts / 3600",
            received="COUNT(*)",
            flagged_n="SUM(flag = 'N')",
            total="TOTAL(CASE WHEN flag = 'N' THEN value END)",
            low="MIN(CASE WHEN flag = 'N' THEN value END)",
            high="MAX(CASE WHEN flag = 'N' THEN value END)",
        )
        sql = (
            f"SELECT {fields} FROM readings WHERE series IN ({marks}) AND ts >= ? AND ts < ? "
            f"GROUP BY ts / 3600 {order}"
        )
        return self._db.execute(sql, (*ids, start, end)).fetchall()

    def count_by_day(self, site_id: str, metrics, since: datetime, until: datetime, tz: tzinfo) -> dict:
        """Readings of the site's `metrics` per local day in [since, until): {date: count}."""
        with self._lock:
            ids = [sid for m in metrics if (sid := self._known_series(site_id, m)) is not None]
            rows = [] if not ids else self._hours("{hour}, {received}", ids, since, until)
        return local_day_counts(rows, tz)

    def count_by_day_of(self, site_metrics: dict, since: datetime, until: datetime, tz: tzinfo) -> dict:
        """count_by_day() of each site: in-process, one query each costs next to nothing."""
        found = {
            site: self.count_by_day(site, metrics, since, until, tz) for site, metrics in site_metrics.items()
        }
        return {site: counts for site, counts in found.items() if counts}

    def rejections(self, since: int = 0, limit: int = 100) -> list[StoredRejection]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, received_at, source, topic, site_id, item, metric, reason, payload "
                "FROM rejections WHERE received_at >= ? ORDER BY id DESC LIMIT ?",
                (since, limit),
            ).fetchall()
        return [StoredRejection(*row) for row in rows]

    def count_rejections(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM rejections").fetchone()[0]

    def count_readings(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM readings").fetchone()[0]

    def first_reading_day(self) -> date | None:
        # The daily sums hold a row per series and day: a few hundred times fewer than readings.
        with self._lock:
            day = self._db.execute("SELECT MIN(day) FROM daily").fetchone()[0]
        return None if day is None else date(1970, 1, 1) + timedelta(days=day)

    def prune_before(
        self, month: date, batch: int = 5000, share: float = 1.0, stop: threading.Event | None = None
    ) -> int:
        """Per series, a batch at a time, each its own short transaction: the ingest writer (a
        process of its own) waits at most one batch for the lock, and after each batch this
        rests long enough to take no more than `share` of the writer's time (SQLite has one
        writer: a deletion runs instead of an insert). SQLite keeps the freed pages and fills
        them with new readings: the file stops growing rather than shrinking."""
        end = int(datetime(month.year, month.month, 1, tzinfo=self._calendar.tz).timestamp())
        removed = 0
        rest = (1 - share) / share
        stop = stop or threading.Event()
        with self._lock:
            series = [row[0] for row in self._db.execute("SELECT id FROM series ORDER BY id")]
        for sid in series:
            while True:
                if stop.is_set():
                    return removed
                with self._lock:
                    try:
                        # The time the write lock is held is what ingest waits for, not the
                        # wait for it (the rest is reckoned from the first).
                        self._db.execute("BEGIN IMMEDIATE")
                        held = time.monotonic()
                        row = self._db.execute(
                            "SELECT ts FROM readings WHERE series = ? AND ts < ? "
                            "ORDER BY ts LIMIT 1 OFFSET ?",
                            (sid, end, batch - 1),
                        ).fetchone()
                        bound = end if row is None else row[0] + 1
                        done = self._db.execute(
                            "DELETE FROM readings WHERE series = ? AND ts < ?", (sid, bound)
                        ).rowcount
                        self._db.execute("COMMIT")
                    except sqlite3.Error as exc:
                        if self._db.in_transaction:
                            self._db.execute("ROLLBACK")
                        raise unavailable(exc) or exc from exc
                    held = time.monotonic() - held
                removed += done
                if rest:
                    stop.wait(held * rest)
                if row is None:
                    break
        return removed

    def close(self) -> None:
        with self._lock:
            self._db.close()
