"""A metric of a site over a period, reduced for a chart: what the console's site page draws.

A 30-day chart of 5-minute data would ship 8,640 points per series; the store cuts the period
into at most MAX_BUCKETS buckets and returns each bucket's least and greatest valid value, so a
chart draws at most 2 × MAX_BUCKETS points and still shows every peak (an exceedance inside a
bucket is its greatest value). Invalid readings keep their own extremes, to be drawn apart.
Beside them: the daily means, the limit of each day (the temperature clause can change it from
day to day), and the maintenance windows over the period.

Valid means what the rules and the monthly report count: flag N, inside the instrument's (or
the plausible) range, outside maintenance windows, data reviews in force and the spans a
stuck-value alert marked suspect; the daily means are the report's own (days.fold), so an
impossible pH 15.5 is a grey cross here as it is left out there.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from wastewatch.alerts import lifecycle, reviews, windows
from wastewatch.alerts.context import Context
from wastewatch.alerts.findings import plausible_range

from .report.days import fold

MAX_BUCKETS = 1000
RANGES = {"24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
LONGEST_S = 366 * 86400  # a chosen range, at most a year


@dataclass
class Day:
    start: int
    end: int
    mean: float | None  # of the valid readings
    high: float | None  # the day's upper limit
    low: float | None  # pH's lower limit


@dataclass
class Trend:
    metric: str
    since: int
    until: int
    width: int  # seconds per bucket
    buckets: list  # store.views.Bucket, oldest first
    interval: int = 0  # seconds between readings the site's config expects
    days: list[Day] = field(default_factory=list)
    limit: object = None  # alerts.standards.Limit today (None: the metric has none)
    windows: list[tuple[int, int, str]] = field(default_factory=list)  # (from, until, kind)
    reviews: list[tuple[int, int, str]] = field(default_factory=list)  # (from, until, reason) in force


def bucket_width(since: int, until: int) -> int:
    """Seconds per bucket: whole minutes, at most MAX_BUCKETS of them over the period."""
    span = max(until - since, 60)
    return max(60, -(-span // MAX_BUCKETS // 60) * 60)


def trend(ctx: Context, site, metric: str, since: int, until: int) -> Trend:
    tz = ctx.config.tz
    first = datetime.fromtimestamp(since, tz).date()
    last = datetime.fromtimestamp(until - 1, tz).date()
    day_bounds = []
    day = first
    while day <= last:
        day_bounds.append((day, *ctx.day_bounds(day)))
        day += timedelta(days=1)
    start, end = day_bounds[0][1], day_bounds[-1][2]
    in_force = [
        (w["starts_at"], w["ends_at"] or end, w["kind"])
        for w in windows.listing(ctx.db, site.id)
        if w["starts_at"] < end and (w["ends_at"] is None or w["ends_at"] > start)
    ]
    suspect = lifecycle.suspect_spans(ctx.db, start, end, site.id)
    reviewed = reviews.Reviews(ctx.db)
    exclude = (
        [(a, b) for a, b, _ in in_force]
        + suspect.get((site.id, metric), [])
        + reviewed.spans(site.id, metric, start, end)
    )
    bounds = plausible_range(site, metric)
    width = bucket_width(since, until)
    found = Trend(
        metric, since, until, width, ctx.store.buckets(site.id, metric, since, until, width, bounds, exclude)
    )
    found.interval = site.metric(metric).interval_s if metric in site.metrics else 0
    standard = ctx.standard(site.id)
    found.limit = standard.limit(metric, None)
    hours = ctx.store.hourly(site.id, [metric], start // 3600, (end + 3599) // 3600)
    means, _ = fold(ctx, site, metric, hours, [(a, b) for _, a, b in day_bounds], exclude, start, end)
    temps = {}
    if metric in standard.temperature_dependent:
        water = ctx.store.hourly(site.id, ["water_temp"], start // 3600, (end + 3599) // 3600)
        spans = (
            [(a, b) for a, b, _ in in_force]
            + suspect.get((site.id, "water_temp"), [])
            + reviewed.spans(site.id, "water_temp", start, end)
        )
        temp_days, _ = fold(
            ctx, site, "water_temp", water, [(a, b) for _, a, b in day_bounds], spans, start, end
        )
        temps = {d: t.mean for (d, _, _), t in zip(day_bounds, temp_days)}
    for (day, day_start, day_end), mean in zip(day_bounds, means):
        limit = standard.limit(metric, temps.get(day)) if found.limit else None
        found.days.append(
            Day(day_start, day_end, mean.mean, limit.high if limit else None, limit.low if limit else None)
        )
    found.windows = [(a, min(b, until), kind) for a, b, kind in in_force if a < until and b > since]
    found.reviews = [
        (r["starts_at"], min(r["ends_at"], until), r["reason"])
        for r in reviews.listing(ctx.db, site.id, ("accepted",))
        if r["metric"] == metric and r["starts_at"] < until and r["ends_at"] > since
    ]
    return found
