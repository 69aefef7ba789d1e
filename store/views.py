"""What the console shows of the readings: the newest reading of every series, and a series
reduced to buckets for a chart.

A module of its own to keep `sqlite.py` to writing and the jobs' reads; SQLiteStore inherits
these methods, so the store stays the readings' one owner, on its one connection and lock.
"""

import sqlite3
import threading
from datetime import date
from typing import Callable, NamedTuple

from .base import LoggerValue
from .calendar import Calendar


class Latest(NamedTuple):  # a tuple: the board makes six thousand of them per request
    ts: int
    value: float
    flag: str


class Bucket(NamedTuple):
    """The readings of [start, start + width): valid and invalid ones apart, each with its
    least and greatest value, so a chart of buckets still shows every peak and dip. Valid as
    the rules and the report count it (validity()): flag N, inside the plausible range, outside
    the excluded spans (maintenance windows, a stuck sensor's). A tuple, not a dataclass: a
    site's page makes up to 6,000 of them, and as a frozen dataclass they took 12 ms of its 60."""

    start: int
    valid: int
    low: float | None
    high: float | None
    invalid: int
    invalid_low: float | None
    invalid_high: float | None


def validity(bounds, exclude, mark: str = ":") -> tuple[str, dict]:
    """The SQL condition of a valid reading and its parameters ("%(x)s" when `mark` is "%"):
    flag N; inside `bounds` (low, high), infinite ends left open but an infinite value never
    valid; outside each [from, until) of `exclude`."""

    def name(key: str) -> str:
        return f"%({key})s" if mark == "%" else f":{key}"

    parts, params = ["flag = 'N'"], {}
    if bounds is not None:
        parts.append(f"value >= {name('lo')} AND value <= {name('hi')}")
        params["lo"], params["hi"] = max(bounds[0], -1.7e308), min(bounds[1], 1.7e308)
    for i, (start, end) in enumerate(exclude):
        parts.append(f"NOT (ts >= {name(f'x{i}')} AND ts < {name(f'y{i}')})")
        params[f"x{i}"], params[f"y{i}"] = int(start), int(min(end, 2**62))
    return "(" + " AND ".join(parts) + ")", params


class Views:
    """The reads the console's pages make, mixed into the SQLite store (store/sqlite.py)."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _known_series: Callable[[str, str], int | None]
    _calendar: Calendar

    def latest(self, site_ids=None) -> dict[tuple[str, str], Latest]:
        """The newest reading of each (site, metric), of the given sites or all."""
        with self._lock:
            # Kept up to date by every write (store/aggregates.py).
            rows = self._db.execute(
                "SELECT s.site_id, s.metric, l.ts, l.value, l.flag "
                "FROM latest l JOIN series s ON s.id = l.series"
            ).fetchall()
        wanted = None if site_ids is None else set(site_ids)
        return {
            (row[0], row[1]): Latest(row[2], row[3], row[4])
            for row in rows
            if wanted is None or row[0] in wanted
        }

    def buckets(
        self, site_id: str, metric: str, since: int, until: int, width: int, bounds=None, exclude=()
    ) -> list[Bucket]:
        """[since, until) cut into buckets of `width` seconds from `since`; empty buckets are
        left out (a gap in the data stays a gap in the chart). Valid: validity()."""
        valid, params = validity(bounds, exclude)
        with self._lock:
            sid = self._known_series(site_id, metric)
            if sid is None:
                return []
            rows = self._db.execute(
                f"SELECT (ts - :since) / :width AS b, SUM({valid}), "
                f"MIN(CASE WHEN {valid} THEN value END), MAX(CASE WHEN {valid} THEN value END), "
                f"SUM(NOT {valid}), MIN(CASE WHEN NOT {valid} THEN value END), "
                f"MAX(CASE WHEN NOT {valid} THEN value END) "
                "FROM readings WHERE series = :sid AND ts >= :since AND ts < :until GROUP BY b ORDER BY b",
                {"sid": sid, "since": since, "until": until, "width": width, **params},
            ).fetchall()
        return [Bucket(since + b * width, n, lo, hi, m, ilo, ihi) for b, n, lo, hi, m, ilo, ihi in rows]

    def received_since(self, start: int, end: int) -> dict[str, int]:
        """Readings received per site in [start, end), start a local midnight and end a whole
        hour: whole days from the daily sums, the day in course from the hourly ones (a month
        of hours at a thousand sites is millions of rows; its days, a hundred thousand)."""
        calendar = self._calendar
        first = calendar.day_of_hour(start // 3600)
        today = calendar.day_of_hour(end // 3600)
        today_starts = calendar.hours_of_day(today)[0]
        with self._lock:
            rows = self._db.execute(
                "SELECT s.site_id, SUM(d.received) FROM series s CROSS JOIN daily d ON d.series = s.id "
                "AND d.day >= ? AND d.day < ? GROUP BY s.site_id "
                "UNION ALL "
                "SELECT s.site_id, SUM(h.received) FROM series s CROSS JOIN hourly h ON h.series = s.id "
                "AND h.hour >= ? AND h.hour < ? GROUP BY s.site_id",
                (first, today, today_starts, end // 3600),
            ).fetchall()
        found: dict[str, int] = {}
        for site, count in rows:
            found[site] = found.get(site, 0) + int(count)
        return found

    def daily_means(self, site_id: str, metric: str, first: date, last: date) -> dict[date, float]:
        """{local day: mean of its valid (flag N) readings} from `first` to `last`, both in:
        the daily sums as kept, without folding hours."""
        epoch = date(1970, 1, 1).toordinal()
        with self._lock:
            sid = self._known_series(site_id, metric)
            rows = (
                []
                if sid is None
                else self._db.execute(
                    "SELECT day, total / flagged_n FROM daily WHERE series = ? AND day >= ? AND day <= ? "
                    "AND flagged_n > 0",
                    (sid, first.toordinal() - epoch, last.toordinal() - epoch),
                ).fetchall()
            )
        return {date.fromordinal(day + epoch): mean for day, mean in rows}

    def daily_means_of(self, site_ids, metric: str, first: date, last: date) -> dict:
        """{site: daily_means of its `metric`} for several sites; sites without any left out."""
        found = {site: self.daily_means(site, metric, first, last) for site in site_ids}
        return {site: means for site, means in found.items() if means}

    def logger_values(self, site_id: str, kind: str | None = None) -> list:
        """A site's HJ 212 values of the kinds outside its reading series, oldest first, as
        LoggerValue tuples."""
        query = "SELECT site_id, kind, metric, ts, stat, value, flag FROM logger_values WHERE site_id = ?"
        params: tuple = (site_id,)
        if kind is not None:
            query, params = query + " AND kind = ?", (site_id, kind)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY ts, kind, metric, stat", params).fetchall()
        return [LoggerValue(*row) for row in rows]
