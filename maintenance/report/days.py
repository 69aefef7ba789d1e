"""A series' days in a month, from the store: samples received and valid, their sum and extremes.

Readings come from the store's daily aggregates, kept up to date as readings arrive, so a
month at 500 sites reads 93 k days instead of 27 M readings. A day is taken whole when all its
flag-N readings are valid by what the aggregate shows (its extremes inside the plausible
range); other days are summed again from their hours, and hours that leave the range from
their raw readings (store/aggregates.py). A series touched by a maintenance window or a suspect
span, or a month whose days are not 24 h, is folded hour by hour here.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from wastewatch.alerts.context import Context
from wastewatch.alerts.findings import plausible_range


@dataclass
class Day:
    received: int = 0
    valid: int = 0
    total: float = 0.0
    low: float | None = None
    high: float | None = None

    def add(self, received: int, valid: int, total: float, low, high) -> None:
        self.received += received
        self.valid += valid
        self.total += total
        if low is not None:
            self.low = low if self.low is None else min(self.low, low)
            self.high = high if self.high is None else max(self.high, high)

    @property
    def mean(self) -> float | None:
        return self.total / self.valid if self.valid else None


def daily_sums(ctx: Context, sites, days, start: int, end: int) -> dict:
    """{(site, metric): ([Day per day], hours with a valid value > 0)} from the store."""
    ranges = {(s.id, m): plausible_range(s, m) for s in sites for m in s.metrics}
    frame, positive = ctx.store.daily_sums(ranges, start, end, hours_for={(s.id, "flow") for s in sites})
    out: dict = {}
    columns = [
        frame[c].tolist() for c in ("site_id", "metric", "day", "received", "valid", "total", "low", "high")
    ]
    for site_id, metric, day, received, valid, total, low, high in zip(*columns):
        key = (site_id, metric)
        if key not in out:
            out[key] = ([Day() for _ in days], positive.get(key, 0))
        if 0 <= day < len(days):
            out[key][0][int(day)] = Day(
                int(received),
                int(valid),
                float(total),
                None if low != low else low,
                None if high != high else high,
            )
    return out


def fold(
    ctx: Context, site, metric: str, hours, day_bounds, spans, start: int, end: int
) -> tuple[list[Day], int]:
    """The metric's days from its hours, one by one; and the hours with a valid value > 0."""
    per_day = [Day() for _ in day_bounds]
    day_starts = [b[0] for b in day_bounds]
    bounds = plausible_range(site, metric)
    positive = 0
    for _, hour, received, flagged_n, total, low, high in hours:
        h0, h1 = hour * 3600, hour * 3600 + 3600
        index = day_index(day_starts, h0)
        dirty = (
            any(a < h1 and b > h0 for a, b in spans)
            or h0 < start
            or h1 > end
            or (
                flagged_n
                and (
                    not math.isfinite(total) or (bounds is not None and (low < bounds[0] or high > bounds[1]))
                )
            )
        )
        if not dirty:
            per_day[index].add(received, flagged_n, total, low, high)
            positive += flagged_n > 0 and high > 0
            continue
        # Summed again from the raw readings, with the sample rule.
        by_day: dict[int, Day] = defaultdict(Day)
        any_positive = False
        for ts, value, flag in ctx.store.scan(site.id, metric, max(h0, start), min(h1, end)):
            day = by_day[day_index(day_starts, ts)]
            valid = (
                flag == "N"
                and math.isfinite(value)
                and (bounds is None or bounds[0] <= value <= bounds[1])
                and not any(a <= ts < b for a, b in spans)
            )
            day.add(
                1,
                1 if valid else 0,
                value if valid else 0.0,
                value if valid else None,
                value if valid else None,
            )
            any_positive = any_positive or (valid and value > 0)
        for i, day in by_day.items():
            per_day[i].add(day.received, day.valid, day.total, day.low, day.high)
        positive += any_positive
    return per_day, positive


def day_index(day_starts: list[int], ts: int) -> int:
    low, high = 0, len(day_starts) - 1
    while low < high:  # the last day starting at or before ts
        mid = (low + high + 1) // 2
        if day_starts[mid] <= ts:
            low = mid
        else:
            high = mid - 1
    return low
