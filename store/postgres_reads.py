"""What the jobs, the pages and the reports read from the readings on PostgreSQL, and the
quarantine: the read side of postgres.py, which PostgresStore inherits, so the store stays the
tables' one owner on its one connection and lock.
"""

import threading
from collections.abc import Callable
from datetime import date, datetime, tzinfo

import psycopg

from wastewatch.config.text import storable

from . import report_sums
from .base import Aggregate, LoggerValue, Period, Quarantined, Reading
from .calendar import EPOCH_DAY, Calendar, local_aggregates, local_day_counts
from .files import unavailable
from .views import Bucket, Latest, validity

# The report's queries, as in aggregates.py, in PostgreSQL's spelling.
_CLEAN = "(h.flagged_n = 0 OR (h.low >= r.lo AND h.high <= r.hi AND abs(h.total) < 1.0e308))"
_VALID = "x.flag = 'N' AND x.value BETWEEN r.lo AND r.hi"
_HOUR = "h.hour::bigint * 3600"
HOURS_OF_DAYS = f"""
SELECT d.series, d.day, SUM(CASE WHEN {_CLEAN} THEN h.flagged_n ELSE 0 END),
       COALESCE(SUM(h.total) FILTER (WHERE {_CLEAN}), 0),
       MIN(h.low) FILTER (WHERE {_CLEAN} AND h.flagged_n > 0),
       MAX(h.high) FILTER (WHERE {_CLEAN} AND h.flagged_n > 0)
FROM report_days d JOIN report_series r ON r.series = d.series
JOIN hourly h ON h.series = d.series AND h.hour >= d.h0 AND h.hour < d.h1
GROUP BY d.series, d.day
"""
# The hours that are not clean, in a table of their own: the planner cannot tell from the
# range conditions how few they are (it guessed 1.2 M of 21,000 at 2,000 sites, and scanned all
# 106 M readings of the month), and each is then read from the readings' index (LATERAL).
DIRTY_HOURS = f"""
CREATE TEMP TABLE report_hours ON COMMIT DROP AS
SELECT d.series, d.day, h.hour::bigint * 3600 AS start, r.lo, r.hi
FROM report_days d JOIN report_series r ON r.series = d.series
JOIN hourly h ON h.series = d.series AND h.hour >= d.h0 AND h.hour < d.h1 AND NOT {_CLEAN}
"""
_VALID_Q = "x.flag = 'N' AND x.value BETWEEN q.lo AND q.hi"
HOURS_FROM_READINGS = f"""
SELECT q.series, q.day, SUM(s.n)::bigint, COALESCE(SUM(s.total), 0), MIN(s.low), MAX(s.high)
FROM report_hours q CROSS JOIN LATERAL (
    SELECT COUNT(*) FILTER (WHERE {_VALID_Q}) AS n, SUM(x.value) FILTER (WHERE {_VALID_Q}) AS total,
           MIN(x.value) FILTER (WHERE {_VALID_Q}) AS low, MAX(x.value) FILTER (WHERE {_VALID_Q}) AS high
    FROM readings x WHERE x.series = q.series AND x.ts >= q.start AND x.ts < q.start + 3600
) s
GROUP BY q.series, q.day
"""
POSITIVE_HOURS = f"""
SELECT h.series, SUM(CASE WHEN {_CLEAN} THEN (h.flagged_n > 0 AND h.high > 0)::int ELSE (EXISTS (
           SELECT 1 FROM readings x WHERE x.series = h.series AND x.ts >= {_HOUR}
           AND x.ts < {_HOUR} + 3600 AND {_VALID} AND x.value > 0))::int END)
FROM report_series r JOIN hourly h ON h.series = r.series AND h.hour >= %s AND h.hour < %s
WHERE r.hours GROUP BY h.series
"""
_SUMS = (
    "COUNT(*), COUNT(*) FILTER (WHERE flag = 'N'), COALESCE(SUM(value) FILTER (WHERE flag = 'N'), 0), "
    "MIN(value) FILTER (WHERE flag = 'N'), MAX(value) FILTER (WHERE flag = 'N')"
)


class _ReportQueries:
    """report_sums.py's queries on temporary tables dropped at the end of the transaction."""

    def __init__(self, cur):
        self.cur = cur
        # The planner's estimates for these joins run to millions of rows, past the point where
        # it compiles them (JIT), which cost 0.4 s a query here for queries of a second.
        cur.execute("SET LOCAL jit = off")
        cur.execute(
            "CREATE TEMP TABLE report_series (series integer PRIMARY KEY, lo double precision, "
            "hi double precision, hours boolean) ON COMMIT DROP"
        )
        cur.execute(
            "CREATE TEMP TABLE report_days (series integer, day integer, h0 integer, h1 integer, "
            "PRIMARY KEY (series, day)) ON COMMIT DROP"
        )

    def series(self, rows: list[tuple]) -> None:
        with self.cur.copy("COPY report_series FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.cur.execute("ANALYZE report_series")

    def days(self, first: int, last: int) -> list[tuple]:
        return self.cur.execute(
            "SELECT d.series, d.day, d.received, d.flagged_n, d.total, d.low, d.high FROM report_series r "
            "JOIN daily d ON d.series = r.series AND d.day >= %s AND d.day < %s",
            (first, last),
        ).fetchall()

    def hours_of_days(self, rows: list[tuple]) -> list[tuple]:
        with self.cur.copy("COPY report_days FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.cur.execute("ANALYZE report_days")
        whole = self.cur.execute(HOURS_OF_DAYS).fetchall()
        self.cur.execute(DIRTY_HOURS)
        return whole + self.cur.execute(HOURS_FROM_READINGS).fetchall()

    def positive(self, h0: int, h1: int) -> list[tuple]:
        return self.cur.execute(POSITIVE_HOURS, (h0, h1)).fetchall()


class Reads:
    _lock: threading.Lock
    _calendar: Calendar

    _usable: Callable[[], psycopg.Connection]

    def _known_series(self, site_id: str, metric: str) -> int | None: ...

    def _rows(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            return self._usable().execute(sql, params).fetchall()

    def _series_rows(self, site_id: str, metric: str, sql: str, params: tuple) -> list[tuple]:
        """Rows of one series' query ({sid} its id), none when the series does not exist."""
        with self._lock:
            sid = self._known_series(site_id, metric)
            return [] if sid is None else self._usable().execute(sql, (sid, *params)).fetchall()

    def scan(self, site_id: str, metric: str, since: int, until: int) -> list[tuple[int, float, str]]:
        return self._series_rows(
            site_id,
            metric,
            "SELECT ts, value, flag FROM readings WHERE series = %s AND ts >= %s AND ts < %s ORDER BY ts",
            (since, until),
        )

    def scan_many(self, starts: dict, until: int) -> dict:
        # One statement for a whole chunk of series: at a province's 100,000 series, a round
        # trip each would cost more than the evaluation itself.
        with self._lock:
            keys, ids, sinces = {}, [], []
            for key, since in starts.items():
                sid = self._known_series(*key)
                if sid is not None:
                    keys[sid] = key
                    ids.append(sid)
                    sinces.append(since)
            rows = (
                self._usable()
                .execute(
                    "SELECT r.series, r.ts, r.value, r.flag "
                    "FROM unnest(%s::integer[], %s::bigint[]) AS w (series, since) "
                    "JOIN readings r ON r.series = w.series AND r.ts >= w.since AND r.ts < %s "
                    "ORDER BY r.series, r.ts",
                    (ids, sinces, until),
                )
                .fetchall()
                if ids
                else []
            )
        found: dict = {}
        for sid, ts, value, flag in rows:
            found.setdefault(keys[sid], []).append((ts, value, flag))
        return found

    def read_range(self, site_id: str, metric: str, since: int, until: int) -> list[Reading]:
        return [Reading(site_id, metric, *row) for row in self.scan(site_id, metric, since, until)]

    def last_reading_times(self) -> dict[tuple[str, str], int]:
        # The newest reading of each series is kept by every write: no seek into the readings.
        rows = self._rows("SELECT s.site_id, s.metric, l.ts FROM latest l JOIN series s ON s.id = l.series")
        return {(site, metric): ts for site, metric, ts in rows}

    def latest(self, site_ids=None) -> dict[tuple[str, str], Latest]:
        rows = self._rows(
            "SELECT s.site_id, s.metric, l.ts, l.value, l.flag FROM latest l JOIN series s ON s.id = l.series"
        )
        wanted = None if site_ids is None else set(site_ids)
        return {(r[0], r[1]): Latest(r[2], r[3], r[4]) for r in rows if wanted is None or r[0] in wanted}

    def buckets(
        self, site_id: str, metric: str, since: int, until: int, width: int, bounds=None, exclude=()
    ) -> list[Bucket]:
        """[since, until) in buckets of `width` seconds, empty ones left out (views.py)."""
        valid, params = validity(bounds, exclude, "%")
        with self._lock:
            sid = self._known_series(site_id, metric)
            if sid is None:
                return []
            rows = (
                self._usable()
                .execute(
                    f"SELECT (ts - %(since)s) / %(width)s AS b, COUNT(*) FILTER (WHERE {valid}), "
                    f"MIN(value) FILTER (WHERE {valid}), MAX(value) FILTER (WHERE {valid}), "
                    f"COUNT(*) FILTER (WHERE NOT {valid}), MIN(value) FILTER (WHERE NOT {valid}), "
                    f"MAX(value) FILTER (WHERE NOT {valid}) FROM readings WHERE series = %(sid)s "
                    "AND ts >= %(since)s AND ts < %(until)s GROUP BY b ORDER BY b",
                    {"sid": sid, "since": since, "until": until, "width": width, **params},
                )
                .fetchall()
            )
        return [Bucket(since + b * width, n, lo, hi, m, ilo, ihi) for b, n, lo, hi, m, ilo, ihi in rows]

    def received_since(self, start: int, end: int) -> dict[str, int]:
        """Readings received per site in [start, end), start a local midnight and end a whole
        hour: whole days from the daily sums, the day in course from the hourly ones."""
        calendar = self._calendar
        first = calendar.day_of_hour(start // 3600)
        today = calendar.day_of_hour(end // 3600)
        rows = self._rows(
            "SELECT site_id, SUM(n) FROM ("
            "SELECT s.site_id, d.received AS n FROM series s JOIN daily d ON d.series = s.id "
            "AND d.day >= %s AND d.day < %s UNION ALL "
            "SELECT s.site_id, h.received FROM series s JOIN hourly h ON h.series = s.id "
            "AND h.hour >= %s AND h.hour < %s) AS counted GROUP BY site_id",
            (first, today, calendar.hours_of_day(today)[0], end // 3600),
        )
        return {site: int(count) for site, count in rows}

    def received_by_site(self, start: int, end: int) -> dict[str, int]:
        """Readings received per site with start <= ts < end (whole hours)."""
        rows = self._rows(
            "SELECT s.site_id, SUM(h.received) FROM series s JOIN hourly h ON h.series = s.id "
            "AND h.hour >= %s AND h.hour < %s GROUP BY s.site_id",
            (start // 3600, (end + 3599) // 3600),
        )
        return {site: int(count) for site, count in rows}

    def daily_means(self, site_id: str, metric: str, first: date, last: date) -> dict[date, float]:
        rows = self._series_rows(
            site_id,
            metric,
            "SELECT day, total / flagged_n FROM daily WHERE series = %s AND day >= %s AND day <= %s "
            "AND flagged_n > 0",
            (first.toordinal() - EPOCH_DAY, last.toordinal() - EPOCH_DAY),
        )
        return {date.fromordinal(day + EPOCH_DAY): mean for day, mean in rows}

    def daily_means_of(self, site_ids, metric: str, first: date, last: date) -> dict:
        rows = self._rows(
            "SELECT s.site_id, d.day, d.total / d.flagged_n FROM series s JOIN daily d ON d.series = s.id "
            "WHERE s.site_id = ANY(%s) AND s.metric = %s AND d.day >= %s AND d.day <= %s AND d.flagged_n > 0",
            (list(site_ids), metric, first.toordinal() - EPOCH_DAY, last.toordinal() - EPOCH_DAY),
        )
        found: dict = {}
        for site, day, mean in rows:
            found.setdefault(site, {})[date.fromordinal(day + EPOCH_DAY)] = mean
        return found

    def logger_values(self, site_id: str, kind: str | None = None) -> list:
        query = "SELECT site_id, kind, metric, ts, stat, value, flag FROM logger_values WHERE site_id = %s"
        params: tuple = (site_id,)
        if kind is not None:
            query, params = query + " AND kind = %s", (site_id, kind)
        return [LoggerValue(*row) for row in self._rows(query + " ORDER BY ts, kind, metric, stat", params)]

    def hourly(self, site_id: str, metrics, since: int, until: int) -> list[tuple]:
        """(metric, hour, received, flagged_n, total, low, high) for UTC hours in [since, until)."""
        with self._lock:
            ids = {sid: m for m in metrics if (sid := self._known_series(site_id, m)) is not None}
            rows = (
                self._usable()
                .execute(
                    "SELECT series, hour, received, flagged_n, total, low, high FROM hourly "
                    "WHERE series = ANY(%s::integer[]) AND hour >= %s AND hour < %s ORDER BY series, hour",
                    (list(ids), since, until),
                )
                .fetchall()
            )
        return [(ids[r[0]], *r[1:]) for r in rows]

    def aggregate(
        self, site_id: str, metric: str, since: datetime, until: datetime, period: Period, tz: tzinfo
    ) -> list[Aggregate]:
        with self._lock:
            sid = self._known_series(site_id, metric)
            rows = [] if sid is None else self._hours([sid], since, until, counts_only=False)
        return local_aggregates(rows, period, tz)

    def count_by_day(self, site_id: str, metrics, since: datetime, until: datetime, tz: tzinfo) -> dict:
        with self._lock:
            ids = [sid for m in metrics if (sid := self._known_series(site_id, m)) is not None]
            rows = [] if not ids else self._hours(ids, since, until, counts_only=True)
        return local_day_counts(rows, tz)

    def count_by_day_of(self, site_metrics: dict, since: datetime, until: datetime, tz: tzinfo) -> dict:
        # One statement for a set of sites (the day close's), from the daily sums when the range
        # is whole local days of the store's own zone: a round trip per site, or every hour of a
        # week, would cost more than the counting.
        calendar, start, end = self._calendar, int(since.timestamp()), int(until.timestamp())
        whole = (
            start % 3600 == 0
            and end % 3600 == 0
            and getattr(tz, "key", None) == calendar.tz_name
            and calendar.day_of_hour(start // 3600) != calendar.day_of_hour(start // 3600 - 1)
            and calendar.day_of_hour(end // 3600) != calendar.day_of_hour(end // 3600 - 1)
        )
        if not whole:
            alone = {site: self.count_by_day(site, m, since, until, tz) for site, m in site_metrics.items()}
            return {site: counts for site, counts in alone.items() if counts}
        with self._lock:
            owner = {
                sid: site
                for site, metrics in site_metrics.items()
                for metric in metrics
                if (sid := self._known_series(site, metric)) is not None
            }
            rows = (
                self._usable()
                .execute(
                    "SELECT series, day, received FROM daily "
                    "WHERE series = ANY(%s::integer[]) AND day >= %s AND day < %s",
                    (list(owner), calendar.day_of_hour(start // 3600), calendar.day_of_hour(end // 3600)),
                )
                .fetchall()
                if owner
                else []
            )
        found: dict[str, dict] = {}
        for sid, day, received in rows:
            counts = found.setdefault(owner[sid], {})
            key = date.fromordinal(day + EPOCH_DAY)
            counts[key] = counts.get(key, 0) + received
        return found

    def _hours(self, ids: list[int], since: datetime, until: datetime, counts_only: bool) -> list:
        """Per-UTC-hour sums of the series `ids` over [since, until), oldest first: from the
        hourly sums when both ends are whole hours, else from the readings."""
        start, end = int(since.timestamp()), int(until.timestamp())
        if start % 3600 == 0 and end % 3600 == 0:
            fields = (
                "hour, SUM(received)"
                if counts_only
                else "hour, SUM(received), SUM(flagged_n), SUM(total), MIN(low), MAX(high)"
            )
            sql = (
                f"SELECT {fields} FROM hourly WHERE series = ANY(%s::integer[]) AND hour >= %s AND hour < %s"
            )
            params = (ids, start // 3600, end // 3600)
            group = "hour"
        else:
            fields = "ts / 3600, COUNT(*)" if counts_only else f"ts / 3600, {_SUMS}"
            sql = f"SELECT {fields} FROM readings WHERE series = ANY(%s::integer[]) AND ts >= %s AND ts < %s"
            params = (ids, start, end)
            group = "ts / 3600"
        return self._usable().execute(f"{sql} GROUP BY {group} ORDER BY 1", params).fetchall()

    def daily_sums(self, ranges: dict, start: int, end: int, hours_for=()) -> tuple:
        """The report's sums per series and local day (report_sums.py)."""
        with self._lock:
            db = self._usable()
            with db.transaction(), db.cursor() as cur:
                return report_sums.daily_sums(self, _ReportQueries(cur), ranges, start, end, hours_for)

    # The quarantine: messages the store could not commit, kept raw.
    def quarantine(
        self, source: str, topic: str, site_id: str, payload: bytes, error: str, received_at: int
    ) -> int:
        try:
            (found,) = self._rows(
                "INSERT INTO quarantine (received_at, source, topic, site_id, error, payload) "
                "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (received_at, source, storable(topic), site_id, storable(error), bytes(payload)),
            )
        except psycopg.Error as exc:
            raise unavailable(exc) or exc from exc
        return found[0]

    def quarantined(
        self, after_id: int = 0, limit: int = 100, pending_only: bool = False
    ) -> list[Quarantined]:
        rows = self._rows(
            "SELECT id, received_at, source, topic, site_id, error, payload, replayed_at FROM quarantine "
            f"WHERE id > %s {'AND replayed_at IS NULL' if pending_only else ''} ORDER BY id LIMIT %s",
            (after_id, limit),
        )
        return [Quarantined(a, b, c, d, e, f, bytes(payload), g) for a, b, c, d, e, f, payload, g in rows]

    def last_quarantine_id(self) -> int:
        return self._rows("SELECT COALESCE(MAX(id), 0) FROM quarantine")[0][0]

    def quarantine_summary(self, site_id: str, after_id: int) -> tuple[int, int, int, str]:
        rows = self._rows(
            "SELECT COUNT(*) OVER (), id, received_at, error FROM quarantine WHERE site_id = %s AND id > %s "
            "ORDER BY id DESC LIMIT 1",
            (site_id, after_id),
        )
        return (0, after_id, 0, "") if not rows else tuple(rows[0])

    def mark_replayed(self, quarantine_id: int, at: int) -> None:
        self._rows("UPDATE quarantine SET replayed_at = %s WHERE id = %s RETURNING id", (at, quarantine_id))
