"""What every site is doing now, for the console's board and overview: one state per site, its
newest readings against its limits, and its open alerts and orders.

Built from grouped reads (one per owner: the store's newest readings, the open alerts and the
orders in play per site, the windows in force), so a board of a thousand sites costs a handful
of queries, not a thousand.

A site's state, the first that holds:
- stopped (停运): a planned-stop window is in force;
- maintenance (维护中): a maintenance or calibration window is in force;
- no_data (无数据): nothing was ever received;
- silent (失联): nothing received for as long as the comms-loss rule waits before alerting;
- alarm (告警): a critical or warning alert is open;
- ok (正常).
"""

from dataclasses import dataclass, field
from datetime import datetime

from wastewatch.alerts import daily, lifecycle, windows
from wastewatch.alerts.context import Context
from wastewatch.alerts.findings import valid_value
from wastewatch.config.i18n import NP_
from wastewatch.maintenance import work_orders

STATES = ("alarm", "silent", "no_data", "maintenance", "stopped", "ok")
LABELS = {  # message context "site state"
    "alarm": NP_("site state", "alarm"),
    "silent": NP_("site state", "silent"),
    "no_data": NP_("site state", "no data"),
    "maintenance": NP_("site state", "in maintenance"),
    "stopped": NP_("site state", "stopped"),
    "ok": NP_("site state", "normal"),
}
# The values the board shows, in this order, where the site measures them.
KEY_METRICS = ("flow", "cod", "nh3n", "tp", "ph")


@dataclass
class Value:
    metric: str
    value: float
    ts: int
    valid: bool  # as the rules count it: flag N, inside the plausible range, no window in force
    over: bool  # valid and beyond a limit judged on single samples (a daily-mean limit judges days)
    limit: str  # "60", "6–9", or "" without one


@dataclass
class SiteStatus:
    site: object  # config Site
    state: str
    last_ts: int | None
    age_s: int | None  # since the newest reading
    values: list[Value] = field(default_factory=list)
    alerts: dict[str, int] = field(default_factory=dict)  # severity → open alerts
    orders: int = 0
    overdue: int = 0


def statuses(ctx: Context, sites, now: int, readings=None) -> list[SiteStatus]:
    """The status of each of `sites`, in their order. `readings`: what newest_values() gives,
    when the caller keeps it a few seconds (the board, web/console/board.py); the alerts,
    orders and windows are read each time."""
    alerts = lifecycle.open_by_site(ctx.db)
    orders = work_orders.in_play_by_site(ctx.db, now)
    in_force: dict[str, str] = {}
    for w in windows.listing(ctx.db, None, now):
        # A planned stop says more than maintenance when both are in force.
        if in_force.get(w["site_id"]) != "planned_stop":
            in_force[w["site_id"]] = w["kind"]
    newest = (readings or newest_values)(ctx, sites, frozenset(in_force))
    silent_after = ctx.rules.comms_loss.after_s
    found = []
    for site in sites:
        last, values = newest[site.id]
        open_alerts = alerts.get(site.id, {})
        n, late = orders.get(site.id, (0, 0))
        age = None if last is None else max(now - last, 0)
        status = SiteStatus(site, "", last, age, alerts=open_alerts, orders=n, overdue=late)
        status.state = _state(in_force.get(site.id), last, now, silent_after, open_alerts)
        status.values = values
        found.append(status)
    return found


def newest_values(ctx: Context, sites, windowed: frozenset) -> dict[str, tuple[int | None, list]]:
    """{site: (the time of its newest reading, its key metrics' newest values)}; `windowed`:
    the sites in a window now, whose values are not valid samples."""
    latest = ctx.store.latest([s.id for s in sites])
    found = {}
    for site in sites:
        mine = {m: latest[(site.id, m)] for m in site.metrics if (site.id, m) in latest}
        last = max((r.ts for r in mine.values()), default=None)
        found[site.id] = (last, _values(site, ctx.standard(site.id), mine, site.id in windowed))
    return found


def _state(window: str | None, last: int | None, now: int, silent_after: int, alerts: dict) -> str:
    if window == "planned_stop":
        return "stopped"
    if window:
        return "maintenance"
    if last is None:
        return "no_data"
    if now - last >= silent_after:
        return "silent"
    if alerts.get("critical") or alerts.get("warning"):
        return "alarm"
    return "ok"


def _values(site, standard, latest: dict, windowed: bool) -> list[Value]:
    values = []
    for metric in KEY_METRICS:
        reading = latest.get(metric)
        if reading is None:
            continue
        # Without a day's water temperature: the value the site's config applies then.
        limit = standard.limits_without_temperature.get(metric)
        valid = not windowed and valid_value(site, metric, reading.value, reading.flag)
        over = bool(limit and valid and limit.basis == "sample" and limit.exceeded_by(reading.value))
        values.append(Value(metric, reading.value, reading.ts, valid, over, limit.text() if limit else ""))
    return values


def counts(found: list[SiteStatus]) -> dict[str, int]:
    """Sites per state, every state present."""
    tally = dict.fromkeys(STATES, 0)
    for status in found:
        tally[status.state] += 1
    return tally


@dataclass
class Coverage:
    """治理率: administrative villages whose sewage is treated ÷ all villages of the inventory."""

    treated: int
    total: int
    untreated: list  # config Village, by town and name

    @property
    def rate(self) -> float | None:
        return self.treated / self.total if self.total else None


def coverage(config, towns=None) -> Coverage | None:
    """From inventory.villages_csv (config/villages.py), of the given towns or all; None without
    an inventory. A village is treated when a site names it or its row says how it is."""
    if config.villages is None:
        return None
    served = {(s.town, s.village) for s in config.sites if s.village}
    villages = [v for v in config.villages if towns is None or v.town in towns]
    untreated = [v for v in villages if (v.town, v.name) not in served and not v.treated_by]
    return Coverage(len(villages) - len(untreated), len(villages), untreated)


@dataclass
class MonthSoFar:
    """The month in course on the overview, with the monthly report's formulas:
    compliance = clear ÷ judged pollutant-days (days closed so far, flag-N samples, daily limit);
    transmission = readings received ÷ readings expected (one per metric interval since the 1st)."""

    month: str
    clear: int
    over: int
    received: int
    expected: int

    @property
    def compliance_rate(self) -> float | None:
        judged = self.clear + self.over
        return self.clear / judged if judged else None

    @property
    def transmission_rate(self) -> float | None:
        return self.received / self.expected if self.expected else None


def month_so_far(ctx: Context, sites, now: int) -> MonthSoFar:
    local = datetime.fromtimestamp(now, ctx.config.tz)
    first = local.date().replace(day=1)
    start = int(ctx.midnight(first).timestamp())
    ids = {s.id for s in sites}
    judged = {
        k: v for k, v in daily.judged(ctx.db, first.isoformat(), local.date().isoformat()).items() if k in ids
    }
    # Whole hours: the store counts receipts per hour; the hour in course is not yet expected.
    hour = now // 3600 * 3600
    received = sum(n for site, n in ctx.store.received_since(start, hour).items() if site in ids)
    expected = sum((hour - start) // site.metric(m).interval_s for site in sites for m in site.metrics)
    return MonthSoFar(
        first.strftime("%Y-%m"),
        sum(c for c, _ in judged.values()),
        sum(o for _, o in judged.values()),
        received,
        expected,
    )
