"""What the console shows of the readings: the newest reading of every series, and a series
reduced to buckets for a chart.

A module of its own to keep `sqlite.py` to writing and the jobs' reads; SQLiteStore inherits
these methods, so the store stays the readings' one owner, on its one connection and lock.
"""

from dataclasses import dataclass
from typing import NamedTuple


class Latest(NamedTuple):  # a tuple: the board makes six thousand of them per request
    ts: int
    value: float
    flag: str


@dataclass(frozen=True)
class Bucket:
    """The readings of [start, start + width): valid (flag N) and invalid ones apart, each with
    its least and greatest value, so a chart of buckets still shows every peak and dip."""

    start: int
    valid: int
    low: float | None
    high: float | None
    invalid: int
    invalid_low: float | None
    invalid_high: float | None


class Views:
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

    def buckets(self, site_id: str, metric: str, since: int, until: int, width: int) -> list[Bucket]:
        """[since, until) cut into buckets of `width` seconds from `since`; empty buckets are
        left out (a gap in the data stays a gap in the chart)."""
        with self._lock:
            sid = self._known_series(site_id, metric)
            if sid is None:
                return []
            rows = self._db.execute(
                "SELECT (ts - :since) / :width AS b, SUM(flag = 'N'), "
                "MIN(CASE WHEN flag = 'N' THEN value END), MAX(CASE WHEN flag = 'N' THEN value END), "
                "SUM(flag != 'N'), MIN(CASE WHEN flag != 'N' THEN value END), "
                "MAX(CASE WHEN flag != 'N' THEN value END) "
                "FROM readings WHERE series = :sid AND ts >= :since AND ts < :until GROUP BY b ORDER BY b",
                {"sid": sid, "since": since, "until": until, "width": width},
            ).fetchall()
        return [Bucket(since + b * width, *rest) for b, *rest in rows]
