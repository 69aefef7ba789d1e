"""What a rule says about a site: a finding, and the runs that successive readings form.

A rule looks at readings one by one and says, for each, whether its condition holds (`over`),
does not (`clear`), or is building up without holding yet (`pending`: two of three
consecutive samples over the limit). Successive readings with the same status collapse into
one finding covering [since, at], which is all the alert lifecycle needs.
"""

import math
from collections.abc import Set
from dataclasses import dataclass, field

from wastewatch.config.i18n import N_
from wastewatch.config.schema import Site

from .standards import Limit

# Each rule's name, the one every page, email, export and error says.
RULES = {
    "sample_exceedance": N_("Effluent sample over limit"),
    "daily_exceedance": N_("Effluent daily mean over limit"),
    "comms_loss": N_("Communications lost"),
    "zero_flow": N_("Zero flow"),
    "hydraulic_overload": N_("Hydraulic overload"),
    "equipment": N_("Equipment fault"),
    "stuck_value": N_("Stuck value (sensor suspect)"),
    "out_of_range": N_("Value outside the instrument range"),
    "quarantine": N_("Messages quarantined (could not be stored)"),
    "lab_exceedance": N_("Laboratory result over limit"),
    "lab_comparison": N_("Analyser disagrees with the laboratory"),
}

# Plausibility, where a site names no instrument range (docs/domain.md §5, provisional).
PH_RANGE = (0.0, 14.0)
NON_CONCENTRATIONS = {"ph", "water_temp", "pump_state", "blower_state", "energy", "flow_total"}


@dataclass
class Finding:
    site_id: str
    rule: str
    metric: str
    status: str  # over, pending or clear
    since: int  # reading time the run began (the condition's start, for `over`)
    at: int  # newest reading time in the run (or `now`, for comms loss)
    value: float | None = None
    peak: float | None = None
    limit: Limit | None = None
    detail: dict = field(default_factory=dict)


class Runs:
    """Collects statuses reading by reading and keeps one finding per run.

    A `clear` for a (rule, metric) with no open alert and nothing seen yet in this batch says
    nothing the lifecycle could use, so it is dropped on arrival: most readings are that.
    """

    def __init__(self, site_id: str, open_keys: Set[tuple[str, str]] = frozenset()):
        self.site_id = site_id
        # Keys whose `clear` matters: an open alert, or a finding earlier in this batch. Callers
        # test it before calling add() for a clear: most readings are clear, and a call costs.
        self.active = set(open_keys)
        self.findings: list[Finding] = []
        self._last: dict[tuple[str, str], Finding] = {}

    def add(
        self,
        rule: str,
        metric: str,
        status: str,
        ts: int,
        since: int | None = None,
        value: float | None = None,
        limit: Limit | None = None,
        **detail,
    ) -> None:
        key = (rule, metric)
        last = self._last.get(key)
        if last is None:
            if status == "clear" and key not in self.active:
                return
            self.active.add(key)
        elif last.status == status and last.detail.get("reason") == detail.get("reason"):
            last.at, last.value = ts, value
            if limit is not None:
                last.limit = limit
            if status == "over" and value is not None:
                last.peak = worse(last.peak, value, limit)
            if detail:
                last.detail.update(detail)
            return
        finding = Finding(
            self.site_id,
            rule,
            metric,
            status,
            ts if since is None else since,
            ts,
            value,
            value if status == "over" else None,
            limit,
            detail,
        )
        self.findings.append(finding)
        self._last[key] = finding


def worse(old: float | None, new: float, limit: Limit | None) -> float:
    """The value further over its limit (pH: further outside its range)."""
    if old is None:
        return new
    if limit is not None and limit.low is not None:  # pH: furthest from the range
        low, high = limit.low, limit.high
        return max(old, new, key=lambda v: max(v - high, low - v))
    return max(old, new)


def plausible_range(site: Site, metric: str) -> tuple[float, float] | None:
    # The spec as configured: a bare interval has no range (site.metric() would build a
    # MetricSpec for it, a cost the board pays for every value of a thousand sites).
    spec = site.metrics.get(metric)
    if spec is not None and not isinstance(spec, int) and spec.range:
        return spec.range[0], spec.range[1]
    if metric == "ph":
        return PH_RANGE
    if metric not in NON_CONCENTRATIONS:
        return 0.0, math.inf
    return None


def valid_value(site: Site, metric: str, value: float, flag: str) -> bool:
    """Valid for compliance: flag N, finite, inside the instrument (or plausible) range."""
    if flag != "N" or not math.isfinite(value):
        return False
    bounds = plausible_range(site, metric)
    return bounds is None or bounds[0] <= value <= bounds[1]
