"""What the console shows of the readings: the newest reading of every series, and a series
reduced to buckets for a chart.

A module of its own to keep `sqlite.py` to writing and the jobs' reads; SQLiteStore inherits
these methods, so the store stays the readings' one owner, on its one connection and lock.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Latest:
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
            # One index seek per series: the primary key is (series, ts).
            rows = self._db.execute(
                "SELECT s.site_id, s.metric, r.ts, r.value, r.flag FROM series s JOIN readings r "
                "ON r.series = s.id AND r.ts = (SELECT MAX(ts) FROM readings WHERE series = s.id)"
            ).fetchall()
        wanted = None if site_ids is None else set(site_ids)
        return {
            (site, metric): Latest(ts, value, flag)
            for site, metric, ts, value, flag in rows
            if wanted is None or site in wanted
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
