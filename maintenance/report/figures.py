"""The monthly compliance summary's figures: per site and pollutant, per site, per county and
per contractor. Every figure has its formula in FORMULAS (printed in every report and in the
docs/operators/report.md); the same inputs give the same figures.

A series' days come from the store's aggregates (days.py).

A sample is valid when its flag is N, its value is finite and inside the instrument (or
plausible) range, and it is neither inside a maintenance window nor inside a span a stuck-value
alert marked suspect. Days are local days in the service's time zone.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from wastewatch.alerts import lifecycle
from wastewatch.alerts.context import Context
from wastewatch.alerts.windows import Windows
from wastewatch.config.i18n import N_
from wastewatch.config.metrics import METRICS, volume_m3
from wastewatch.store.state import snapshot

from .. import inspections
from . import lab_figures, order_figures, scores
from .days import Day, daily_sums, fold


@dataclass
class MonthlyReport:
    month: str  # YYYY-MM
    compliance: list[dict]
    operations: list[dict]
    county: dict
    scorecards: list[dict]
    daily: dict  # (site_id, pollutant) → [(day, mean or None, limit high, limit low, valid day?)]
    unverified: list[dict]  # the provisional limits quoted, one row per standard, grade and item
    weights: dict
    sites: list = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)  # maintenance windows in the month
    # A month still in progress: the moment its figures run to (expected samples, operating
    # hours and inspections due are counted to it, not to the month's end); None when whole.
    as_of: int | None = None
    days_in_month: int = 0
    as_of_text: str = ""  # as_of in the service's zone, to the minute
    tz: object = None  # the service's zone, for local dates and times in the files
    issuer: str = ""  # the bureau the report is of ([bureau] name: 天全县生态环境局)
    # The month's laboratory samples, comparisons and data reviews (lab_figures.py).
    lab: lab_figures.LabFigures = field(default_factory=lab_figures.LabFigures)


def month_bounds(ctx: Context, month: str) -> tuple[date, date, int, int]:
    first = datetime.strptime(month, "%Y-%m").date()
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following, int(ctx.midnight(first).timestamp()), int(ctx.midnight(following).timestamp())


def build(
    ctx: Context,
    month: str,
    site_ids: list[str] | None = None,
    hour_by_hour: bool = False,
    now: int | None = None,
) -> MonthlyReport:
    """hour_by_hour: fold every series hour by hour in Python (the reference the SQL path is
    tested against). now: when it falls inside the month, the report runs to that moment.
    The state tables are read in one snapshot."""
    with snapshot(ctx.db):
        return _build(ctx, month, site_ids, hour_by_hour, now)


@dataclass(frozen=True)
class _Period:
    """The month as the figures count it: its local days, each day's bounds (the last cut at
    `as_of` for a month in progress), and whether the days may be summed by the store."""

    start: int
    end: int
    days: list[date]
    days_in_month: int
    day_bounds: list[tuple[int, int]]
    as_of: int | None
    fast: bool


def _period(ctx: Context, month: str, hour_by_hour: bool, now: int | None) -> _Period:
    first, following, start, end = month_bounds(ctx, month)
    days = [first + timedelta(days=k) for k in range((following - first).days)]
    days_in_month = len(days)
    as_of = now if now is not None and start < now < end else None
    if as_of is not None:
        # Days to the one holding `now`; that day's bounds end at `now` (its expected samples
        # are the intervals that have passed). Not whole days, so the hours are folded here.
        end = as_of
        days = [d for d in days if ctx.day_bounds(d)[0] < as_of]
    day_bounds = [(a, min(b, end)) for a, b in (ctx.day_bounds(d) for d in days)]
    # Whole-hour days of 86,400 s (no DST change in the month): the store sums the days from
    # the hourly aggregates. Otherwise, and for a series touched by a window or a suspect span,
    # the hours are folded here, one by one.
    fast = start % 3600 == 0 and end - start == len(days) * 86400 and not hour_by_hour and as_of is None
    return _Period(start, end, days, days_in_month, day_bounds, as_of, fast)


def _build(
    ctx: Context, month: str, site_ids: list[str] | None, hour_by_hour: bool, now: int | None
) -> MonthlyReport:
    period = _period(ctx, month, hour_by_hour, now)
    start, end = period.start, period.end
    sites = [s for s in ctx.config.sites if site_ids is None or s.id in site_ids]
    windows = Windows(ctx.db)
    suspect = defaultdict(list, lifecycle.suspect_spans(ctx.db, start, end))
    sums = daily_sums(ctx, sites, period.days, start, end) if period.fast else {}
    rules = ctx.rules.report
    compliance, operations = [], []
    daily: dict = {}
    provisional: dict = {}
    # What the state tables say about the month, for every site at once.
    month_facts = {
        "alerts": lifecycle.opened_by_site(ctx.db, start, end),
        "orders": order_figures.by_site(ctx.db, start, end),
        "inspected": order_figures.inspected(ctx.db, start, end),
    }
    for site in sites:
        site_days, operating_hours = _site_days(ctx, site, period, sums, windows, suspect)
        site_rows = []
        for pollutant, row, series in _pollutant_rows(ctx, site, period, site_days, rules.min_valid_fraction):
            site_rows.append(row)
            daily[(site.id, pollutant)] = series
            if not row["limit_verified"]:
                _provisional(provisional, ctx.standard(site.id), row)
        compliance += site_rows
        bounds = period.day_bounds
        ops = _operations_row(ctx, site, site_days, bounds, operating_hours, start, end, month_facts)
        ops["score"] = scores.score(ops, site_rows, rules.score)
        operations.append(ops)
    analysed = {r["site_id"] for r in compliance}
    lab = lab_figures.build(ctx, sites, start, end, analysed)
    return MonthlyReport(
        month=month,
        compliance=compliance,
        operations=operations,
        county=scores.county(ctx, sites, compliance, operations, start, end) | lab.county,
        scorecards=scores.scorecards(ctx, sites, compliance, operations, scores.visits(ctx, start, end)),
        daily=daily,
        unverified=[provisional[k] for k in sorted(provisional)],
        weights=dict(rules.score),
        sites=sites,
        windows=_windows_in(ctx, windows, sites, start, end),
        as_of=period.as_of,
        days_in_month=period.days_in_month,
        as_of_text=ctx.local(period.as_of) if period.as_of is not None else "",
        tz=ctx.config.tz,
        issuer=ctx.config.bureau.name,
        lab=lab,
    )


def _site_days(
    ctx: Context, site, period: _Period, sums: dict, windows: Windows, suspect
) -> tuple[dict, int]:
    """Each metric's days at the site, and the hours the flow was positive (operating hours)."""
    site_days: dict[str, list[Day]] = {}
    operating_hours = 0
    start, end = period.start, period.end
    for metric in site.metrics:
        exclude = windows.excluded(site.id, metric, start, end) + suspect[(site.id, metric)]
        if period.fast and not exclude:
            per_day, positive = sums.get((site.id, metric), ([Day() for _ in period.days], 0))
        else:
            hours = ctx.store.hourly(site.id, [metric], start // 3600, (end + 3599) // 3600)
            per_day, positive = fold(ctx, site, metric, hours, period.day_bounds, exclude, start, end)
        site_days[metric] = per_day
        if metric == "flow":
            operating_hours = positive
    return site_days, operating_hours


def _pollutant_rows(ctx: Context, site, period: _Period, site_days: dict, min_fraction: float):
    """(pollutant, compliance row, daily series) of each pollutant the site's standard controls
    and the site measures."""
    standard = ctx.standard(site.id)
    temps = [d.mean for d in site_days.get("water_temp", [Day() for _ in period.days])]
    for pollutant in [m for m in standard.controlled() if m in site.metrics]:
        row, series = _compliance_row(
            ctx,
            site,
            standard,
            pollutant,
            site_days[pollutant],
            period.day_bounds,
            period.days,
            temps,
            min_fraction,
        )
        yield pollutant, row, series


def _windows_in(ctx: Context, windows: Windows, sites, start: int, end: int) -> list[dict]:
    """The maintenance windows of the sites that overlap the month, as the files list them."""
    local = ctx.local
    return [
        {
            "site_id": w.site_id,
            "kind": w.kind,
            "from": local(w.starts_at),
            "until": local(w.ends_at),
            "reason": w.reason,
            "starts_at": w.starts_at,
            "ends_at": w.ends_at,
        }
        for s in sites
        for w in windows.by_site.get(s.id, ())
        if w.starts_at < end and (w.ends_at is None or w.ends_at > start)
    ]


def _compliance_row(
    ctx: Context,
    site,
    standard,
    pollutant: str,
    per_day: list[Day],
    day_bounds,
    days,
    temps,
    min_fraction: float,
):
    interval = site.metric(pollutant).interval_s
    expected = [(b - a) // interval for a, b in day_bounds]
    base = standard.limit(pollutant, None)
    valid_days = exceedance_days = 0
    means, series = [], []
    max_sample = None
    dependent = pollutant in standard.temperature_dependent
    for day, d, want, temp in zip(days, per_day, expected, temps):
        limit = standard.limit(pollutant, temp) if dependent else base
        is_valid = d.valid >= min_fraction * want and d.valid > 0
        over = False
        if is_valid:
            valid_days += 1
            means.append(d.mean)
            if pollutant == "ph" or limit.basis == "sample":
                over = limit.exceeded_by(d.high) or limit.exceeded_by(d.low)
            else:
                over = limit.exceeded_by(d.mean)
            exceedance_days += over
        if d.valid:
            max_sample = d.high if max_sample is None else max(max_sample, d.high)
        series.append((day.isoformat(), d.mean if is_valid else None, limit.high, limit.low, over))
    row = {
        "site_id": site.id,
        "site_name": site.name,
        "town": site.town,
        "pollutant": pollutant,
        "unit": METRICS[pollutant].unit if pollutant in METRICS else "",
        "standard": base.standard,
        "grade": base.grade,
        # Not a CSV column: the grade as the standard names it, in each language it has.
        "grade_label": {
            "zh-CN": standard.standard.grades[base.grade].label_zh,
            "en": standard.standard.grades[base.grade].label_en,
        },
        "limit": _limit_text(base),
        # Not CSV columns: the limit as numbers, for the workbook.
        "limit_low": base.low,
        "limit_high": base.high,
        "basis": base.basis,
        "expected_samples": sum(expected),
        "received_samples": sum(d.received for d in per_day),
        "valid_samples": sum(d.valid for d in per_day),
        "valid_days": valid_days,
        "exceedance_days": exceedance_days,
        "compliance_rate": (valid_days - exceedance_days) / valid_days if valid_days else None,
        "monthly_mean": sum(means) / len(means) if means else None,
        "max_daily_mean": max(means) if means else None,
        "max_sample": max_sample,
        "limit_verified": base.verified,
    }
    return row, series


# Why a limit is provisional: its value, or the grade table that chose it, is not yet checked.
PROVISIONAL_VALUE = N_("value not yet checked against the official text")
PROVISIONAL_GRADE = N_("grade selection table not yet checked against the official text")


def _provisional(found: dict, standard, row: dict) -> None:
    """One appendix row per standard, grade, item and value, counting the sites that quote it."""
    key = (row["standard"], row["grade"], row["pollutant"], row["limit"], row["basis"])
    if key not in found:
        spec = standard.standard.limits.get(row["pollutant"])
        reasons = []
        if spec is not None and not spec.verified:
            reasons.append(PROVISIONAL_VALUE)
        if not standard.standard.selection.verified:
            reasons.append(PROVISIONAL_GRADE)
        found[key] = {
            "standard": row["standard"],
            "grade": row["grade"],
            "grade_label": row["grade_label"],
            "pollutant": row["pollutant"],
            "limit": row["limit"],
            "limit_low": row["limit_low"],
            "limit_high": row["limit_high"],
            "unit": row["unit"],
            "basis": row["basis"],
            "citation": spec.citation if spec is not None else "",
            "reasons": reasons,
            "sites": 0,
        }
    found[key]["sites"] += 1


def _limit_text(limit) -> str:
    return f"{limit.low:g}-{limit.high:g}" if limit.low is not None else f"{limit.high:g}"


def _operations_row(
    ctx: Context, site, site_days, day_bounds, operating_hours: int, start: int, end: int, facts: dict
) -> dict:
    expected = received = valid = 0
    for metric, per_day in site_days.items():
        interval = site.metric(metric).interval_s
        expected += sum((b - a) // interval for a, b in day_bounds)
        received += sum(d.received for d in per_day)
        valid += sum(d.valid for d in per_day)
    volume = None
    if "flow" in site_days:
        volume = volume_m3(sum(d.total for d in site_days["flow"]), site.metric("flow").interval_s)
    hours_in_month = (end - start + 3599) // 3600  # to the hour holding `now` in a month in progress
    alerts = facts["alerts"].get(site.id, 0)
    orders = facts["orders"].get(site.id, order_figures.ZERO)
    dues = _inspection_dues(ctx, site, start, end)
    due, done = len(dues), len(dues & facts["inspected"].get(site.id, set()))
    return {
        "site_id": site.id,
        "expected_readings": expected,
        "received_readings": received,
        "transmission_rate": received / expected if expected else None,
        "valid_readings": valid,
        "validity_rate": valid / expected if expected else None,
        "treated_volume_m3": volume,
        "operating_rate": operating_hours / hours_in_month if "flow" in site_days else None,
        "alerts_opened": alerts,
        "work_orders_opened": orders["opened"],
        "work_orders_closed": orders["closed"],
        "ack_on_time_rate": orders["ack_met"] / orders["ack_due"] if orders["ack_due"] else None,
        "repair_on_time_rate": orders["repair_met"] / orders["repair_due"] if orders["repair_due"] else None,
        "mean_hours_to_close": orders["closed_seconds"] / orders["closed"] / 3600
        if orders["closed"]
        else None,
        "inspections_due": due,
        "inspections_done": done,
    }


def _inspection_dues(ctx: Context, site, start: int, end: int) -> set[int]:
    """The ends of the routine inspection periods that end in the month, by the calendar."""
    rules = ctx.rules.inspections
    schedule = rules.for_site("routine_inspection", site.capacity_m3d)
    if schedule is None or not rules.enabled:
        return set()
    dues = set()
    day = datetime.fromtimestamp(start, ctx.config.tz).date()
    last = datetime.fromtimestamp(end - 1, ctx.config.tz).date()
    while day <= last + timedelta(days=1):
        period_end = inspections.period(schedule.every, rules.anchor, day)[1]
        due_at = int(ctx.midnight(period_end).timestamp())
        if start < due_at <= end:
            dues.add(due_at)
        day = period_end
    return dues
