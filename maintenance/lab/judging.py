"""What a laboratory result means: against the site's limit, and against the online analyser.

Each result is judged against the limit of the site's standard as a single sample — a grab
sample is one sample whatever basis the standard's own judgement of online data uses; the
basis the limit data gives is kept beside the verdict so a reader sees which applies. A result
below detection meets the limit (unless the method's detection limit is itself above it:
then nothing can be said). An exceedance is a finding of the `lab_exceedance` rule, applied
by the alert lifecycle like an online one: alert, email, and an exceedance investigation
(maintenance/reaction.py). A later sample of the same item that meets the limit clears it.

比对: where an analyser measured the same item within the rule's window of the sample, the
valid reading nearest in time is compared: difference = |online − laboratory| ÷ laboratory.
Beyond the tolerance, a `lab_comparison` finding: alert and instrument-check order.

Callers run these inside `maintenance.reaction.changing`, so what a result causes commits
with it.
"""

from wastewatch.alerts import lifecycle
from wastewatch.alerts.context import Context
from wastewatch.alerts.findings import Finding, valid_value
from wastewatch.alerts.lifecycle import Lifecycle
from wastewatch.alerts.standards import Limit
from wastewatch.alerts.windows import Windows
from wastewatch.config.i18n import N_

from . import records

# Each verdict's name, the one every page, export and report says.
VERDICTS = {"meets": N_("meets the limit"), "over": N_("over the limit"), "unjudged": N_("not judged")}


def verdict(limit: Limit | None, row) -> str:
    """meets, over or unjudged: a result (newest version) against its limit."""
    if limit is None:
        return "unjudged"
    if row["value"] is None:  # below detection
        limit_of_method = row["detection_limit"]
        return "meets" if limit_of_method is None or limit_of_method <= limit.high else "unjudged"
    return "over" if limit.exceeded_by(row["value"]) else "meets"


def sample_verdict(verdicts: list[str]) -> str:
    """A sample meets when every judged result meets, is over when one is, and is not judged
    without a judged result."""
    judged = [v for v in verdicts if v != "unjudged"]
    if not judged:
        return "unjudged"
    return "over" if "over" in judged else "meets"


def limit_for(ctx: Context, site_id: str, item: str) -> Limit | None:
    """The limit a sample's item is judged against. The day's water temperature is not known
    for a grab sample: the site's configured choice applies (standards.py)."""
    return ctx.standard(site_id).limit(item, None)


def judge(ctx: Context, sample_id: int, now: int) -> list[str]:
    """Judge the sample's newest results, and compare them with the analysers; returns the
    items over their limit."""
    sample = records.get_or_fail(ctx.db, sample_id)
    results = records.current(ctx.db, sample_id)
    rules = ctx.rules
    findings: list[Finding] = []
    over = []
    for item, row in results.items():
        limit = limit_for(ctx, sample["site_id"], item)
        found = verdict(limit, row)
        if found == "unjudged" or not rules.lab_exceedance.enabled:
            continue
        if found == "over":
            over.append(item)
        findings.append(
            Finding(
                sample["site_id"],
                "lab_exceedance",
                item,
                "over" if found == "over" else "clear",
                sample["sampled_at"],
                sample["sampled_at"],
                row["value"],
                row["value"] if found == "over" else None,
                limit,
                {
                    "sample": sample_id,
                    "version": row["version"],
                    "shown": row["shown"],
                    "laboratory": sample["laboratory"],
                    "report_no": sample["report_no"],
                    "sampling_order": sample["work_order_id"],
                    "basis": limit.basis if limit else "",
                },
            )
        )
    if rules.lab_comparison.enabled:
        findings += _compare(ctx, sample, results, now)
    Lifecycle(ctx).apply(findings, now)
    for finding in findings:
        if finding.rule == "lab_exceedance" and finding.status == "over":
            alert = lifecycle.open_alert(ctx.db, finding.site_id, finding.rule, finding.metric)
            if alert is not None:
                records.linked(ctx.db, sample_id, finding.metric, finding.detail["version"], alert["id"])
    return over


def _compare(ctx: Context, sample, results: dict, now: int) -> list[Finding]:
    rule = ctx.rules.lab_comparison
    site = ctx.config.site_by_id.get(sample["site_id"])
    if site is None:
        return []
    windows: Windows | None = None  # read only where the site measures an item online
    at = sample["sampled_at"]
    found = []
    for item, row in results.items():
        if item not in site.metrics or row["value"] is None or row["value"] <= 0:
            continue
        windows = windows or Windows(ctx.db)
        start, end = at - rule.window_s, at + rule.window_s + 1
        excluded = windows.excluded(site.id, item, start, end)
        suspect = lifecycle.suspect_spans(ctx.db, start, end, site.id).get((site.id, item), [])
        near = [
            r
            for r in ctx.store.read_range(site.id, item, start, end)
            if valid_value(site, item, r.value, r.flag)
            and not any(a <= r.ts < b for a, b in excluded + suspect)
        ]
        if not near:
            continue
        online = min(near, key=lambda r: (abs(r.ts - at), r.ts))
        difference = abs(online.value - row["value"]) / row["value"]
        facts = {
            "lab": row["value"],
            "online": online.value,
            "online_at": online.ts,
            "difference": round(difference, 4),
            "tolerance": rule.tolerance,
        }
        records.record_comparison(ctx.db, sample["id"], item, row["version"], facts, now)
        status = "over" if difference > rule.tolerance else "clear"
        found.append(
            Finding(
                site.id,
                "lab_comparison",
                item,
                status,
                at,
                at,
                online.value,
                online.value if status == "over" else None,
                None,
                {
                    "sample": sample["id"],
                    "lab_value": row["value"],
                    "difference": round(difference, 4),
                    "tolerance": rule.tolerance,
                    "online_at": online.ts,
                },
            )
        )
    return found
