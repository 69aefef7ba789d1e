"""The day-close job: judge each closed local day per site, and judge it again on late data.

A day is judged once it has ended in the service's time zone. Its reading count is stored
with the verdict; when a later run counts a different number for a day still within
`late_data_days`, late readings have arrived and the day is judged again. Results are kept in
`day_results` (the audit trail behind each daily alert).

Daily mean = arithmetic mean of the day's valid samples; a day counts only with valid samples
≥ min_valid_fraction × expected (86,400 ÷ the metric's interval). The limit applies the
temperature clause with the day's mean water temperature. Hydraulic load = mean valid flow
(m³/h) × 24, compared with factor × design capacity.
"""

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from wastewatch.config.schema import Site
from wastewatch.store.state import State

from .context import Context
from .findings import Runs, plausible_range, valid_value
from .lifecycle import open_keys, open_keys_by_site, suspect_spans
from .windows import Windows

# The columns of a day_results row, in the order _day builds them (the first four its key).
DAY_RESULT = (
    "site_id", "day", "rule", "metric", "value", "limit_value", "valid_samples", "expected_samples",
    "status", "detail", "checked_at",
)  # fmt: skip

log = logging.getLogger("wastewatch.alerts")


@dataclass
class Judged:
    """One site's day judged: its results and the findings they make, saved by `save`."""

    site: Site
    day: date
    count: int
    rows: list
    findings: list


class DayCloser:
    """Judges closed days; the day-close job (jobs/cycles.py) saves them, a day that finds
    something with its findings applied to the alerts and what they cause."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def judge_sites(self, sites: list[Site], now: int, windows: Windows) -> Iterator[Judged]:
        """The sites' days to judge (closed, new or with late data), site by site and each
        site's in order, each judged when asked for: after the one before it was saved, whose
        alerts it may find open. What they are judged from is read for all the sites at once —
        the reading counts, the days checked, the daily sums, the suspect spans, the water
        temperatures, the open alerts — a few statements for the lot instead of a few for each
        site and day (a first close of 1,000 sites judges 7,000 days)."""
        ctx, tz = self.ctx, self.ctx.config.tz
        today = datetime.fromtimestamp(now, tz).date()
        days = [today - timedelta(days=k) for k in range(ctx.rules.daily_exceedance.late_data_days, 0, -1)]
        first, last = ctx.midnight(days[0]), ctx.midnight(today)
        counts = ctx.store.count_by_day_of({s.id: list(s.metrics) for s in sites}, first, last, tz)
        checked = checks(ctx.db, [s.id for s in sites], days[0])
        due = {}
        for site in sites:
            mine, seen_days = counts.get(site.id, {}), checked.get(site.id, {})
            # New (never checked: None) or with a count that changed since: late data.
            found = [(day, seen_days.get(day.isoformat()), mine.get(day, 0)) for day in days]
            todo = [(day, seen, count) for day, seen, count in found if seen != count]
            if todo:
                due[site.id] = (site, todo)
        if not due:
            return
        start, end = int(first.timestamp()), int(last.timestamp())
        series = {(site.id, m) for site, _ in due.values() for m in self._metrics(site)}
        inputs = _Inputs(
            days=days,
            sums=self._sums(series, start, end, len(days)),
            suspect=suspect_spans(ctx.db, start, end),
            temperatures=ctx.store.daily_means_of(list(due), "water_temp", days[0], days[-1]),
            keys=open_keys_by_site(ctx.db, list(due)),
        )
        for site, todo in due.values():
            for day, seen, count in todo:
                rows, runs = self._judge(site, day, seen is not None, now, windows, inputs)
                judged = Judged(site, day, count, rows, runs.findings)
                yield judged
                if judged.findings:  # saved with its findings applied: the site's alerts may differ
                    inputs.keys[site.id] = open_keys(ctx.db, site.id)

    def _sums(self, series: set, start: int, end: int, days: int) -> dict | None:
        """{(site, metric, day number): (valid, total, low, high)} from the store's daily sums —
        valid as valid_value() counts a reading: flag N, inside the plausible range — so the
        days are judged from their sums, not from every reading (a first close at 1,000 sites
        would read 12 M). None where the days are not all 24 h long (a zone with summer time):
        then the readings are read."""
        if end - start != days * 86400 or start % 3600:
            return None
        ranges = {
            (site_id, m): plausible_range(self.ctx.config.site_by_id[site_id], m) for site_id, m in series
        }
        frame, _ = self.ctx.store.daily_sums(ranges, start, end)
        columns = [frame[c].tolist() for c in ("site_id", "metric", "day", "valid", "total", "low", "high")]
        return {
            (site_id, metric, int(day)): (
                int(valid),
                float(total),
                None if low != low else low,
                None if high != high else high,
            )
            for site_id, metric, day, valid, total, low, high in zip(*columns)
        }

    def _metrics(self, site: Site) -> list[str]:
        """The metrics a site's day is judged on: the pollutants its standard controls, and the
        flow."""
        measured = [m for m in self.ctx.standard(site.id).controlled() if m in site.metrics]
        return measured + (["flow"] if "flow" in site.metrics else [])

    def _judge(self, site: Site, day, late: bool, now: int, windows: Windows, inputs: "_Inputs") -> tuple:
        """The day's result rows (one per pollutant, one for the flow) and the rule runs they
        feed, for one site and one closed local day."""
        ctx = self.ctx
        start, end = ctx.day_bounds(day)
        standard = ctx.standard(site.id)
        runs = Runs(site.id, inputs.keys.get(site.id, set()))
        rows = []
        extra = {"day": day.isoformat(), "late_data": late}
        water_temp = inputs.temperatures.get(site.id, {}).get(day)
        for metric in self._metrics(site):
            expected = 86400 // site.metric(metric).interval_s
            samples = self._samples(site, metric, day, start, end, windows, inputs)
            day_of = _Day(site, day, start, expected, samples, extra, now)
            if metric != "flow" and ctx.rules.daily_exceedance.enabled:
                rows.append(self._pollutant(day_of, metric, standard.limit(metric, water_temp), runs))
            if metric == "flow" and ctx.rules.hydraulic_overload.enabled:
                rows.append(self._flow(day_of, runs))
        return rows, runs

    def _enough(self, day: "_Day") -> bool:
        return day.samples.valid >= self.ctx.rules.daily_exceedance.min_valid_fraction * day.expected

    def _pollutant(self, day: "_Day", metric: str, limit, runs: Runs) -> tuple:
        """A pollutant's day: its daily mean, or its worst sample where the limit is judged on
        single samples (pH), against the day's limit; invalid with too few valid samples."""
        samples = day.samples
        mean = samples.mean
        value, status = mean, "invalid"
        if self._enough(day):
            if limit.basis == "sample":
                # The worst sample is the day's lowest or highest (pH: whichever is further out).
                worst = max(
                    (samples.low, samples.high),
                    key=lambda v: v - limit.high if limit.low is None else max(v - limit.high, limit.low - v),
                )
                value, status = worst, ("over" if limit.exceeded_by(worst) else "clear")
            else:
                status = "over" if limit.exceeded_by(mean) else "clear"
            runs.add(
                "daily_exceedance",
                metric,
                status,
                day.start,
                value=value,
                limit=limit,
                basis=limit.basis,
                valid_samples=samples.valid,
                expected_samples=day.expected,
                **day.extra,
            )
        detail = {
            "low": limit.low,
            "basis": limit.basis,
            "temperature_note": limit.temperature_note,
            "verified": limit.verified,
        }
        text = json.dumps(detail, ensure_ascii=False)
        return day.row("daily_exceedance", metric, value, limit.high, status, text)

    def _flow(self, day: "_Day", runs: Runs) -> tuple:
        """The day's treated volume (mean flow × 24 h) against the hydraulic load limit."""
        rule, site = self.ctx.rules.hydraulic_overload, day.site
        capacity = rule.factor * site.capacity_m3d
        mean = day.samples.mean
        volume = round(mean * 24, 3) if self._enough(day) and mean is not None else None
        status = "invalid" if volume is None else ("over" if volume > capacity else "clear")
        if volume is not None:
            runs.add(
                "hydraulic_overload",
                "flow",
                status,
                day.start,
                value=volume,
                quantity="daily_volume",
                limit_m3d=capacity,
                capacity_m3d=site.capacity_m3d,
                factor=rule.factor,
                **day.extra,
            )
        return day.row("hydraulic_overload", "flow", volume, capacity, status, "{}")

    def save(self, judged: Judged, now: int) -> None:
        """The day's results and its check, in the caller's transaction."""
        self.save_many([judged], now)

    def save_many(self, judged: list[Judged], now: int) -> None:
        """Days' results and checks in two statements, in the caller's transaction: the days
        without findings of a set of sites, which change nothing else."""
        db = self.ctx.db
        rows = [dict(zip(DAY_RESULT, row)) for one in judged for row in one.rows]
        if rows:
            db.executemany(
                f"INSERT INTO day_results ({', '.join(DAY_RESULT)}) "
                f"VALUES ({', '.join(':' + name for name in DAY_RESULT)}) "
                "ON CONFLICT (site_id, day, rule, metric) DO UPDATE SET "
                + ", ".join(f"{name} = excluded.{name}" for name in DAY_RESULT[4:]),
                rows,
            )
        db.executemany(
            "INSERT INTO day_checks (site_id, day, readings, checked_at) "
            "VALUES (:site, :day, :readings, :now) "
            "ON CONFLICT (site_id, day) DO UPDATE SET readings = excluded.readings, "
            "checked_at = excluded.checked_at",
            [
                {"site": one.site.id, "day": one.day.isoformat(), "readings": one.count, "now": now}
                for one in judged
            ],
        )

    def _samples(self, site: Site, metric: str, day, start: int, end: int, windows, inputs: "_Inputs"):
        """The day's valid samples, leaving out spans a stuck-value alert marked suspect and
        maintenance windows and data reviews (their readings count as flag M): from the daily
        sums where nothing is left out, else from the readings themselves."""
        spans = [
            (a, b)
            for a, b in inputs.suspect.get((site.id, metric), [])
            + windows.excluded(site.id, metric, start, end)
            if a < end and b > start
        ]
        if inputs.sums is not None and not spans:
            valid, total, low, high = inputs.sums.get(
                (site.id, metric, inputs.days.index(day)), (0, 0.0, None, None)
            )
            return Samples(valid, total / valid if valid else None, low, high)
        values = [
            value
            for ts, value, flag in self.ctx.store.scan(site.id, metric, start, end)
            if valid_value(site, metric, value, flag) and not any(a <= ts < b for a, b in spans)
        ]
        if not values:
            return Samples(0, None, None, None)
        return Samples(len(values), sum(values) / len(values), min(values), max(values))


class Samples(NamedTuple):
    """A day's valid samples of a series: how many, their mean, least and greatest."""

    valid: int
    mean: float | None
    low: float | None
    high: float | None


@dataclass
class _Inputs:
    """What a set of sites' days are judged from, read once for all of them."""

    days: list  # the days judged, in order: a day's number in `sums`
    sums: dict | None  # (site, metric, day number) → (valid, total, low, high); None: read the readings
    suspect: dict  # (site, metric) → [(since, until)] stuck-value spans
    temperatures: dict  # site → {day: mean valid water temperature}
    keys: dict  # site → {(rule, metric)} of its open alerts


def checks(db: State, site_ids: list[str], first: date) -> dict[str, dict[str, int]]:
    """{site: {day: readings counted when it was judged}} from `first` on (table day_checks,
    written by save_many)."""
    found: dict[str, dict[str, int]] = {}
    for row in db.execute(
        "SELECT site_id, day, readings FROM day_checks WHERE site_id IN :sites AND day >= :day",
        {"sites": site_ids, "day": first.isoformat()},
    ):
        found.setdefault(row["site_id"], {})[row["day"]] = row["readings"]
    return found


def judged(db: State, first_day: str, last_day: str) -> dict[str, tuple[int, int]]:
    """{site: (clear, over)} pollutant-days judged against the daily limit from first_day to
    last_day (local dates, both included): the month so far on the overview."""
    rows = db.execute(
        "SELECT site_id, SUM(CASE WHEN status = 'clear' THEN 1 ELSE 0 END) AS clear, "
        "SUM(CASE WHEN status = 'over' THEN 1 ELSE 0 END) AS over FROM day_results "
        "WHERE rule = 'daily_exceedance' AND day >= :first AND day <= :last GROUP BY site_id",
        {"first": first_day, "last": last_day},
    )
    return {row["site_id"]: (row["clear"] or 0, row["over"] or 0) for row in rows}


@dataclass(frozen=True)
class _Day:
    """One metric's closed day at a site: its valid samples and how many were expected."""

    site: Site
    day: date
    start: int
    expected: int
    samples: Samples
    extra: dict
    now: int

    def row(self, rule: str, metric: str, value, limit_high, status: str, detail: str) -> tuple:
        """The day_results row, in the table's column order."""
        return (
            self.site.id,
            self.day.isoformat(),
            rule,
            metric,
            value,
            limit_high,
            self.samples.valid,
            self.expected,
            status,
            detail,
            self.now,
        )
