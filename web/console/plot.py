"""The geometry of a site page's chart, drawn as SVG by sites.html: no script, so the
Content-Security-Policy stays strict and the chart prints.

Each bucket with valid readings adds two points, its least and greatest value, to the line;
buckets further apart than two buckets or two of the site's reading intervals break it (no
line across a gap). Invalid readings are grey crosses and nothing else. Where the limit is
judged on single samples, a bucket beyond the day's limit gets a red dot; where it is judged on
the daily mean, a day whose mean is beyond it is drawn red (the day exceeds, not each reading
above the line). Windows are shaded bands, data reviews brown ones; the daily means and the
limit are steps, one per local day.
"""

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime

from wastewatch.maintenance.report.charts import nice_ticks, tick_text

WIDTH, HEIGHT = 560, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 64, 12, 26


@dataclass
class Plot:
    width: int = WIDTH
    height: int = HEIGHT
    box: tuple[int, int, int, int] = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
    lines: list[str] = field(default_factory=list)  # polylines of the buckets' extremes
    points: int = 0  # how many points the lines hold
    over: list[tuple[str, str]] = field(default_factory=list)  # (x, y) of buckets beyond the limit
    invalid: list[tuple[str, str]] = field(default_factory=list)
    means: list[str] = field(default_factory=list)  # "x1,y x2,y" per day with a mean
    means_over: list[str] = field(default_factory=list)  # the days whose mean is beyond the limit
    limits: list[str] = field(default_factory=list)  # step polylines of the upper and lower limit
    limit_labels: list[tuple[str, str, str]] = field(default_factory=list)  # (x, y, text)
    windows: list[tuple[str, str]] = field(default_factory=list)  # (x, width)
    reviews: list[tuple[str, str]] = field(default_factory=list)  # (x, width): data reviews in force
    yticks: list[tuple[str, str]] = field(default_factory=list)
    xticks: list[tuple[str, str]] = field(default_factory=list)
    empty: bool = True  # nothing received in the period
    no_valid: bool = False  # readings, but none valid: the chart says so over the crosses


def plot(trend, tz, limit_word: str) -> Plot:
    p = Plot()
    left, top, right, bottom = p.box
    b = trend.buckets
    values = [v for x in b for v in (x.low, x.high, x.invalid_low, x.invalid_high) if v is not None]
    values += [d.mean for d in trend.days if d.mean is not None]
    highs = [d.high for d in trend.days if d.high is not None]
    lows = [d.low for d in trend.days if d.low is not None]
    values += highs + lows
    floor = min(values) if lows or (values and min(values) < 0) else 0.0
    ticks = nice_ticks(floor, max(values) if values else 1.0)
    y0, y1 = ticks[0], ticks[-1]
    yscale = (bottom - top) / (y1 - y0)
    xscale = (right - left) / max(trend.until - trend.since, 1)

    def x(ts: float) -> str:
        return "%.1f" % (left + (min(max(ts, trend.since), trend.until) - trend.since) * xscale)

    def y(v: float) -> str:
        return "%.1f" % (bottom - (v - y0) * yscale)

    p.yticks = [(y(t), tick_text(t)) for t in ticks]
    p.xticks = [(x(ts), text) for ts, text in _time_ticks(trend.since, trend.until, tz)]
    line: list[str] = []
    previous, points = None, 0
    gap = 2 * max(trend.width, trend.interval)
    starts = [d.start for d in trend.days]
    by_sample = trend.limit is not None and trend.limit.basis == "sample"
    half, since, until = trend.width / 2, trend.since, trend.until
    # x() and y() written out: a 30-day page draws some 12,000 points, and a call each for
    # them was a third of its time (bench/console.py). The same arithmetic, so the same text.
    for start, _, low, high, _, invalid_low, invalid_high in b:
        middle = "%.1f" % (left + (min(start + half, until) - since) * xscale)
        if low is not None:
            if previous is not None and start - previous > gap and line:
                p.lines.append(" ".join(line))
                line = []
            low_y, high_y = "%.1f" % (bottom - (low - y0) * yscale), "%.1f" % (bottom - (high - y0) * yscale)
            line += [f"{middle},{low_y}", f"{middle},{high_y}"]
            points += 2
            previous = start
            if by_sample:
                i = bisect_right(starts, start) - 1
                day = trend.days[i] if i >= 0 else None
                beyond = (
                    day
                    and day.high is not None
                    and (high > day.high or (day.low is not None and low < day.low))
                )
                if beyond:
                    p.over.append((middle, high_y if high > day.high else low_y))
        if invalid_low is not None:
            p.invalid.append((middle, "%.1f" % (bottom - (invalid_low - y0) * yscale)))
        if invalid_high is not None:
            p.invalid.append((middle, "%.1f" % (bottom - (invalid_high - y0) * yscale)))
    if line:
        p.lines.append(" ".join(line))
    p.points = points
    p.empty = not p.points and not p.invalid
    p.no_valid = not p.points and bool(p.invalid)
    for d in trend.days:
        if d.mean is not None:
            over = d.high is not None and (d.mean > d.high or (d.low is not None and d.mean < d.low))
            (p.means_over if over and not by_sample else p.means).append(
                f"{x(d.start)},{y(d.mean)} {x(d.end)},{y(d.mean)}"
            )
    for key in ("high", "low"):
        steps = [(d.start, d.end, getattr(d, key)) for d in trend.days if getattr(d, key) is not None]
        if steps:
            p.limits.append(" ".join(f"{x(s)},{y(v)} {x(e)},{y(v)}" for s, e, v in steps))
            p.limit_labels.append(
                (str(right + 4), y(steps[-1][2]), f"{limit_word} {tick_text(steps[-1][2])}")
            )
    for start, end, _ in trend.windows:
        p.windows.append((x(start), "%.1f" % (float(x(end)) - float(x(start)))))
    for start, end, _ in trend.reviews:
        start = max(start, trend.since)
        p.reviews.append((x(start), "%.1f" % max(float(x(end)) - float(x(start)), 1.0)))
    return p


def _time_ticks(since: int, until: int, tz) -> list[tuple[int, str]]:
    """Round local times across the period: hours for a day, days for longer."""
    span = until - since
    if span <= 2 * 86400:
        step, fmt = (6 if span > 86400 / 2 else 2) * 3600, "%H:%M"
    else:
        days = next(n for n in (1, 2, 5, 7, 14, 30, 61) if span / (n * 86400) <= 8)
        step, fmt = days * 86400, "%m-%d"
    offset = int(datetime.fromtimestamp(since, tz).utcoffset().total_seconds())
    first = since - (since + offset) % step + (step if (since + offset) % step else 0)
    return [(ts, datetime.fromtimestamp(ts, tz).strftime(fmt)) for ts in range(first, until + 1, step)]
