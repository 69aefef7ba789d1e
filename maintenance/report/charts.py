"""The report's chart of one site and pollutant: daily means against the limit, over the month.

Geometry only (points, ticks, labels as strings); report.html draws it as SVG. Drawn by the
template rather than matplotlib: measured, matplotlib took 0.1 s per site (four panels as SVG),
50 s for 500 sites, against a whole report of under 3 s.

The y-axis runs between "nice" ticks (1, 2, 2.5 or 5 × 10ⁿ), so its top reads 150, not
149.866; the x-axis spans the whole month, so a month in progress shows where it stands.
"""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 340, 170  # two abreast on an A4 page
LEFT, RIGHT, TOP, BOTTOM = 40, 56, 22, 24  # margins: y labels, limit label, title, dates
TICK_SIZE = 9  # the ticks' font size, px
# Tick labels are set in a monospace face, every digit, point and dash as wide as the next
# (DejaVu Sans Mono: 1,233 of 2,048 units), so they are placed where they start rather than
# by text-anchor. WeasyPrint draws every anchored SVG text as a PDF form of its own (to shift
# it once measured): ten a chart, 97 % of a 500-site report's 37,000 PDF objects, and what made
# joining its parts take 700 MB. Not a CJK face's half-width digits: each CJK face a document
# uses costs its printing process some 38 MB to subset.
TICK_FONT = "'DejaVu Sans Mono', monospace"
ADVANCE = 1233 / 2048  # of an em, each character


@dataclass
class Chart:
    label: str  # "化学需氧量（日均值，mg/L）"
    width: int = WIDTH
    height: int = HEIGHT
    segments: list[str] = field(default_factory=list)  # polylines of consecutive valid days
    over: list[tuple[str, str]] = field(default_factory=list)  # days over the limit
    limit: str = ""  # polyline of the upper limit (steps where the temperature clause applies)
    low: str = ""  # pH's lower limit
    limit_label: tuple[str, str, str] = ("", "", "")  # x, y, text at the line's right end
    low_label: tuple[str, str, str] = ("", "", "")
    yticks: list[tuple[str, str, str]] = field(default_factory=list)  # (y, text, x where it starts)
    xticks: list[tuple[str, str, str]] = field(default_factory=list)  # (x, "11-08", x where it starts)
    plot: tuple[int, int, int, int] = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
    empty: str = ""  # why there is no line, written across the plot
    tick_font: str = TICK_FONT
    tick_size: int = TICK_SIZE


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Ticks from at or below `low` to at or above `high`, about `count` steps of 1/2/2.5/5×10ⁿ."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(first + len(ticks) * step)
    return ticks


def tick_text(value: float) -> str:
    return f"{value:.10g}" if abs(value) >= 1e-9 else "0"


def chart(series, label: str, days_in_month: int, limit_word: str, empty: str) -> Chart:
    """series: [(ISO day, mean or None, limit high, limit low or None, over?)] from day 1 on.
    limit_word: "限值" / "limit"; empty: why there is no line, shown when no day is valid."""
    c = Chart(label)
    left, top, right, bottom = c.plot
    means = [m for _, m, _, _, _ in series if m is not None]
    highs = [h for _, _, h, _, _ in series]
    lows = [lo for _, _, _, lo, _ in series if lo is not None]
    values = means + highs + lows
    # Concentrations start at zero; a range (pH) starts a step below its lower bound.
    floor = min(values) if lows else 0.0
    ticks = nice_ticks(floor, max(values) if values else 1.0)
    if lows and ticks[0] >= min(lows):
        ticks.insert(0, ticks[0] - (ticks[1] - ticks[0]))
    y0, y1 = ticks[0], ticks[-1]
    scale = (bottom - top) / (y1 - y0)

    def y(v: float) -> str:
        return "%.1f" % (bottom - (v - y0) * scale)

    step = (right - left) / max(days_in_month - 1, 1)
    xs = ["%.1f" % (left + i * step) for i in range(days_in_month)]
    c.yticks = [(y(t), text, starts(left - 4, text, 1.0)) for t in ticks for text in [tick_text(t)]]
    month = series[0][0][5:7] if series else ""
    c.xticks = [
        (xs[d - 1], text, starts(float(xs[d - 1]), text, 0.5))
        for d in (1, 8, 15, 22, days_in_month)
        if d <= days_in_month
        for text in [f"{month}-{d:02d}"]
    ]
    current: list[str] = []
    for i, (_, mean, _, _, over) in enumerate(series):
        if mean is None:
            if current:
                c.segments.append(" ".join(current))
            current = []
            continue
        current.append(f"{xs[i]},{y(mean)}")
        if over:
            c.over.append((xs[i], y(mean)))
    if current:
        c.segments.append(" ".join(current))
    if series:
        c.limit = _steps(xs, highs, y)
        c.limit_label = (str(right + 3), y(highs[-1]), f"{limit_word} {tick_text(highs[-1])}")
        if lows:
            low_values = [lo for _, _, _, lo, _ in series]
            c.low = _steps(xs, low_values, y)
            c.low_label = (str(right + 3), y(low_values[-1]), f"{limit_word} {tick_text(low_values[-1])}")
    if not means:
        c.empty = empty
    return c


def starts(anchor: float, text: str, share: float) -> str:
    """Where a tick label in TICK_FONT starts so that `share` of it lies left of `anchor`
    (1: it ends there, 0.5: it is centred on it)."""
    return "%.1f" % (anchor - share * len(text) * ADVANCE * TICK_SIZE)


def _steps(xs: list[str], values: list, y) -> str:
    """A limit line: a point where the value changes (the temperature clause) and at both ends."""
    points = []
    for i, value in enumerate(values):
        if i == 0 or i == len(values) - 1 or value != values[i - 1] or value != values[i + 1]:
            points.append(f"{xs[i]},{y(value)}")
    return " ".join(points)
