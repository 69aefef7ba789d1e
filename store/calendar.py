"""Local days and the sums kept per hour and day, in Python: what both readings backends
(SQLite, PostgreSQL) fold the same way, so their aggregates agree to the last digit.

Local days assume a time zone whose offset is a whole number of hours (all of China): an hour
then belongs to exactly one local day.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .base import Aggregate

EPOCH_DAY = date(1970, 1, 1).toordinal()


class Calendar:
    """Local days of one time zone as day numbers, and the UTC hours of each."""

    def __init__(self, tz_name: str):
        self.tz_name = tz_name
        self.tz = timezone.utc if tz_name == "UTC" else ZoneInfo(tz_name)
        self._days: dict[int, int] = {}
        self._hours: dict[int, tuple[int, int]] = {}

    def day_of_hour(self, hour: int) -> int:
        day = self._days.get(hour)
        if day is None:
            if len(self._days) > 200_000:
                self._days.clear()
            local = datetime.fromtimestamp(hour * 3600, self.tz)
            day = self._days[hour] = local.date().toordinal() - EPOCH_DAY
        return day

    def hours_of_day(self, day: int) -> tuple[int, int]:
        hours = self._hours.get(day)
        if hours is None:
            local = date(1970, 1, 1) + timedelta(days=day)
            start = datetime(local.year, local.month, local.day, tzinfo=self.tz)
            end = start + timedelta(days=1)
            end = datetime(end.year, end.month, end.day, tzinfo=self.tz)
            hours = self._hours[day] = (int(start.timestamp()) // 3600, int(end.timestamp()) // 3600)
        return hours


def fold(groups: dict, key, received, flagged_n, total, low, high) -> None:
    """Add one set of sums (received, flagged_n, total, low, high) to the group `key`."""
    group = groups.get(key)
    if group is None:
        groups[key] = [received, flagged_n, total, low, high]
        return
    group[0] += received
    group[1] += flagged_n
    group[2] += total
    if low is not None:
        group[3] = low if group[3] is None else min(group[3], low)
        group[4] = high if group[4] is None else max(group[4], high)


def batch_sums(rows, calendar: Calendar) -> tuple[dict, dict, dict]:
    """A batch of (series, ts, value, flag, ...) as sums per (series, UTC hour) and per
    (series, local day), and the newest (series, ts, value, flag) of each series."""
    hours: dict = {}
    newest: dict = {}
    for series, ts, value, flag, *_ in rows:
        if flag == "N":
            fold(hours, (series, ts // 3600), 1, 1, value, value, value)
        else:
            fold(hours, (series, ts // 3600), 1, 0, 0.0, None, None)
        if series not in newest or ts > newest[series][1]:
            newest[series] = (series, ts, value, flag)
    days: dict = {}
    for (series, hour), sums in hours.items():
        fold(days, (series, calendar.day_of_hour(hour)), *sums)
    return hours, days, newest


def local_aggregates(rows, period: str, tz) -> list[Aggregate]:
    """Sums per UTC hour (hour, received, flagged_n, total, low, high) folded into local hours
    or days: right for any zone whose offset is a whole number of hours."""
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
    return [
        Aggregate(start, c, v, (s / v) if v else None, lo, hi)
        for start, (c, v, s, lo, hi) in sorted(buckets.items())
    ]


def local_day_counts(rows, tz) -> dict:
    """(UTC hour, count) rows as {local date: count}."""
    counts: dict = defaultdict(int)
    for hour, count in rows:
        counts[datetime.fromtimestamp(hour * 3600, timezone.utc).astimezone(tz).date()] += count
    return dict(counts)
