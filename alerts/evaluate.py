"""One evaluation cycle: new readings of every site through the sample rules, plus comms loss.

Each series (site, metric) is read from its watermark, the newest reading time already
evaluated, so a cycle costs what arrived since the last one. The rules' memory (consecutive
counts, when a stuck or zero run began) is saved with the watermark and the alert changes in
one transaction per site: a restart resumes where the last commit left off, and a site that
throws is logged and skipped without touching the others.

Readings older than a series' watermark (a logger that sends out of order) are not seen by
the sample rules; the day-close job (`daily.py`) judges whole days again when late data arrives.
"""

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from wastewatch.config.schema import Site
from wastewatch.store.state import State

from .context import Context
from .findings import Finding, Runs, plausible_range
from .lifecycle import open_keys_by_site
from .windows import Windows

log = logging.getLogger("wastewatch.alerts")
SITES_PER_COMMIT = 100


@dataclass
class Chunk:
    """What the judging of a chunk of sites reads at once: each series' memory, the open
    alerts' keys, the new readings and the day's water temperatures."""

    sites: Sequence[Site]
    memory: dict
    keys: dict
    scanned: dict
    temps: "_Temps"


class Evaluator:
    """Judges new readings into findings; the evaluation job (jobs/cycles.py) commits them,
    SITES_PER_COMMIT sites a transaction, a savepoint per site with findings."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        rules = ctx.rules
        # On first sight of a series, look back far enough for the longest-running condition.
        self.lookback_s = (
            max(rules.stuck_value.after_s, rules.zero_flow.after_s, rules.equipment.stopped_after_s) + 3600
        )
        # Silence is counted from this evaluator's first cycle at the earliest: after downtime
        # the broker's backlog is still draining, and every site would look silent.
        self.started: int | None = None
        self._last_times: dict[str, int] = {}

    def chunks(self, now: int) -> list[tuple[Site, ...]]:
        """A new cycle's sites, SITES_PER_COMMIT at a time: each commit is an fsync, and the
        ingest writer waits for the write lock only that long."""
        if self.started is None:
            self.started = now
        # Sites are asked about quarantined messages only when there are new ones at all.
        self._quarantined = self.ctx.store.last_quarantine_id() if self.ctx.rules.quarantine.enabled else 0
        last_times: dict[str, int] = {}
        for (site_id, metric), ts in self.ctx.store.last_reading_times().items():
            site = self.ctx.config.site_by_id.get(site_id)
            if site and metric in site.metrics and ts > last_times.get(site_id, -1):
                last_times[site_id] = ts
        self._last_times = last_times
        sites = self.ctx.config.sites
        return [sites[first : first + SITES_PER_COMMIT] for first in range(0, len(sites), SITES_PER_COMMIT)]

    def read(self, chunk: Sequence[Site], now: int) -> Chunk:
        """Each site's memory and open alerts read for the whole chunk at once (on PostgreSQL
        every statement is a round trip), and its new readings."""
        db = self.ctx.db
        memory, keys = self._memory(db, chunk), open_keys_by_site(db, [s.id for s in chunk])
        scanned = self._scan(chunk, memory, now)
        return Chunk(chunk, memory, keys, scanned, _Temps(self.ctx, chunk, scanned))

    def judge(self, site: Site, now: int, chunk: Chunk, windows: Windows) -> tuple[list[Finding], list[dict]]:
        """The site's findings (judging reads only) and its changed memory rows, which `save`
        writes with the others' of the chunk."""
        runs = Runs(site.id, chunk.keys.get(site.id, set()))
        rows = self._site(site, now, windows, chunk.memory.get(site.id, {}), runs, chunk.scanned, chunk.temps)
        return runs.findings, rows

    def save(self, rows: list[dict]) -> None:
        self.ctx.db.executemany(
            "INSERT INTO series_state (site_id, metric, watermark, state) "
            "VALUES (:site, :metric, :watermark, :state) "
            "ON CONFLICT (site_id, metric) DO UPDATE SET watermark = excluded.watermark, "
            "state = excluded.state",
            rows,
        )

    @staticmethod
    def _memory(db: State, sites) -> dict:
        """{site: {metric: (watermark, state as stored)}}: the rules' memory of each series,
        decoded by _site, where a broken one fails its own site only."""
        memory: dict = {}
        for row in db.execute(
            "SELECT site_id, metric, watermark, state FROM series_state WHERE site_id IN :sites",
            {"sites": [s.id for s in sites]},
        ):
            memory.setdefault(row["site_id"], {})[row["metric"]] = (row["watermark"], row["state"])
        return memory

    def _scan(self, sites, memory: dict, now: int) -> dict:
        """The new readings of every series of `sites`, read at once: {(site, metric): rows}."""
        starts = {}
        for site in sites:
            known = memory.get(site.id, {})
            for metric in site.metrics:
                watermark = known[metric][0] if metric in known else now - self.lookback_s
                starts[(site.id, metric)] = watermark + 1
        return self.ctx.store.scan_many(starts, now + 1)

    def _site(
        self,
        site: Site,
        now: int,
        windows: Windows,
        memory: dict,
        runs: Runs,
        scanned: dict,
        temps: "_Temps",
    ) -> list:
        """Judge the site's new readings into `runs` (findings applied by the caller); returns
        its changed memory rows, written by the caller with the others'."""
        states = {metric: (watermark, json.loads(text)) for metric, (watermark, text) in memory.items()}
        changed = {}
        limits = _DayLimits(self.ctx, site, temps)
        for metric in site.metrics:
            watermark, state = states.get(metric, (now - self.lookback_s, {}))
            readings = scanned.get((site.id, metric))
            if not readings:
                continue
            spans = windows.excluded(site.id, metric, readings[0][0], readings[-1][0] + 1)
            if spans:  # readings inside a maintenance window or a data review count as flag M
                readings = [
                    (ts, v, "M" if f == "N" and any(a <= ts < b for a, b in spans) else f)
                    for ts, v, f in readings
                ]
            self._readings(site, metric, readings, state, runs, limits)
            changed[metric] = (readings[-1][0], state)
        comms = states.get("", (now, {"first_seen": now}))
        self._comms(site, now, comms[1], runs)
        if self._quarantine(site, now, comms[1], runs) or "" not in states:
            changed[""] = comms
        return [
            {"site": site.id, "metric": m, "watermark": w, "state": json.dumps(s)}
            for m, (w, s) in changed.items()
        ]

    def _readings(self, site: Site, metric: str, readings, state: dict, runs: Runs, limits) -> None:
        rules = self.ctx.rules
        range_on = rules.out_of_range.enabled
        stuck_on = rules.stuck_value.enabled and metric in rules.stuck_value.metrics
        sample_on = rules.sample_exceedance.enabled and metric in limits.controlled
        zero_on = rules.zero_flow.enabled and metric == "flow"
        equipment_on = rules.equipment.enabled and metric in rules.equipment.metrics
        bounds = plausible_range(site, metric)
        # A gap in the data ends a stuck run: the same value before and after an outage is not a stuck sensor.
        stuck_gap = max(2 * site.metric(metric).interval_s, 3600)
        active, range_key = runs.active, ("out_of_range", metric)
        for ts, value, flag in readings:
            if flag == "T" or (
                flag == "N"
                and not (math.isfinite(value) and (bounds is None or bounds[0] <= value <= bounds[1]))
            ):
                if range_on:
                    runs.add(
                        "out_of_range",
                        metric,
                        "over",
                        ts,
                        value=value,
                        flag=flag,
                        range=list(bounds)
                        if bounds and math.isfinite(bounds[1])
                        else [bounds[0] if bounds else None, None],
                    )
                continue
            if flag != "N":
                continue  # maintenance, calibration, fault...: kept, judged by nobody
            if range_on and range_key in active:
                runs.add("out_of_range", metric, "clear", ts, value=value)
            if stuck_on and self._stuck(metric, ts, value, state, runs, stuck_gap):
                continue  # a stuck sensor's readings are suspect, never exceedances
            if sample_on:
                self._sample(metric, ts, value, state, runs, limits.at(metric, ts))
            if zero_on:
                self._zero_flow(ts, value, state, runs)
            if equipment_on:
                self._equipment(metric, ts, value, state, runs)

    def _stuck(self, metric, ts, value, state, runs, gap: int) -> bool:
        rule = self.ctx.rules.stuck_value
        stuck = state.get("stuck")
        if stuck and stuck[0] == value and ts - stuck[2] <= gap:
            stuck[2] = ts
            if ts - stuck[1] >= rule.after_s:
                runs.add("stuck_value", metric, "over", ts, since=stuck[1], value=value)
                return True
            return False
        state["stuck"] = [value, ts, ts]
        if ("stuck_value", metric) in runs.active:
            runs.add("stuck_value", metric, "clear", ts, value=value)
        return False

    def _sample(self, metric, ts, value, state, runs, limit) -> None:
        if limit is None:
            return
        rule = self.ctx.rules.sample_exceedance
        if limit.exceeded_by(value):
            count, first = state.get("over", [0, ts])
            state["over"] = [count + 1, first]
            status = "over" if count + 1 >= rule.consecutive else "pending"
            runs.add(
                "sample_exceedance",
                metric,
                status,
                ts,
                since=first,
                value=value,
                limit=limit,
                consecutive=count + 1,
            )
        else:
            state.pop("over", None)
            if ("sample_exceedance", metric) in runs.active:
                runs.add("sample_exceedance", metric, "clear", ts, value=value, limit=limit)

    def _zero_flow(self, ts, value, state, runs) -> None:
        rule = self.ctx.rules.zero_flow
        if value <= rule.max_flow_m3h:
            since = state.setdefault("zero_since", ts)
            status = "over" if ts - since >= rule.after_s else "pending"
            runs.add("zero_flow", "flow", status, ts, since=since, value=value)
        else:
            state.pop("zero_since", None)
            runs.add("zero_flow", "flow", "clear", ts, value=value)

    def _equipment(self, metric, ts, value, state, runs) -> None:
        rule = self.ctx.rules.equipment
        code = int(value)
        if code in rule.alarm_states:
            runs.add("equipment", metric, "over", ts, value=value, reason="alarm", state=code)
        elif code in rule.stopped_states:
            since = state.setdefault("stopped_since", ts)
            status = "over" if ts - since >= rule.stopped_after_s else "pending"
            runs.add("equipment", metric, status, ts, since=since, value=value, reason="stopped", state=code)
            return
        else:
            runs.add("equipment", metric, "clear", ts, value=value, state=code)
        state.pop("stopped_since", None)

    def _comms(self, site: Site, now: int, state: dict, runs: Runs) -> None:
        rule = self.ctx.rules.comms_loss
        if not rule.enabled:
            return
        last = self._last_times.get(site.id)
        started = now if self.started is None else self.started  # set by chunks() before this
        if last is None:
            since = state.setdefault("first_seen", now)  # never reported: count from first sight
            if now - max(since, started) >= rule.after_s:
                runs.add("comms_loss", "", "over", now, since=since, never=True)
        elif now - max(last, started) >= rule.after_s:
            runs.add("comms_loss", "", "over", now, since=last, last_reading=last)
        else:
            runs.add("comms_loss", "", "clear", last, last_reading=last)

    def _quarantine(self, site: Site, now: int, state: dict, runs: Runs) -> bool:
        """Messages of the site quarantined since the last cycle; True when `state` changed."""
        seen = state.get("quarantine_seen", 0)
        if self._quarantined > seen:
            count, last_id, received_at, error = self.ctx.store.quarantine_summary(site.id, seen)
            if count:
                state["quarantine_seen"], state["quarantine_last"] = last_id, received_at
                runs.add("quarantine", "", "over", received_at, messages=count, error=error[:500])
                return True
            state["quarantine_seen"] = self._quarantined  # new ones, none this site's: not asked again
        if ("quarantine", "") in runs.active:  # clear since the last one, for the rule's hold
            runs.add("quarantine", "", "clear", now, since=min(state.get("quarantine_last", now), now))
        return state.get("quarantine_seen", 0) != seen


class _Temps:
    """The mean water temperature of each site of a chunk on the days its new readings span,
    read at once; a day outside them is asked of the store alone."""

    def __init__(self, ctx: Context, sites, scanned: dict):
        self.ctx = ctx
        stamps = [ts for rows in scanned.values() for ts in (rows[0][0], rows[-1][0])]
        if not stamps:
            self.first = self.last = None
            return
        self.first = datetime.fromtimestamp(min(stamps), ctx.config.tz).date()
        self.last = datetime.fromtimestamp(max(stamps), ctx.config.tz).date()
        dependent = [s.id for s in sites if ctx.standard(s.id).temperature_dependent]
        self.means = {}
        if dependent:
            self.means = ctx.store.daily_means_of(dependent, "water_temp", self.first, self.last)

    def of(self, site_id: str, day) -> float | None:
        if self.first is not None and self.first <= day <= self.last:
            return self.means.get(site_id, {}).get(day)
        return self.ctx.day_water_temp(site_id, day)


class _DayLimits:
    """Limits by local day for one site, with the day's mean water temperature looked up once."""

    def __init__(self, ctx: Context, site: Site, temps: _Temps):
        self.ctx, self.site, self.temps = ctx, site, temps
        self.standard = ctx.standard(site.id)
        self.controlled = set(self.standard.controlled())
        self.dependent = self.standard.temperature_dependent
        self._limits: dict = {}  # (metric, day or None) → Limit

    def at(self, metric: str, ts: int):
        day = datetime.fromtimestamp(ts, self.ctx.config.tz).date() if metric in self.dependent else None
        key = (metric, day)
        if key not in self._limits:
            temp = self.temps.of(self.site.id, day) if day else None
            self._limits[key] = self.standard.limit(metric, temp)
        return self._limits[key]
