"""The month's laboratory samples, online-against-laboratory comparisons and data reviews, as
the report prints them beside the online figures. Formulas in formulas.py (LAB_FORMULAS).

- per sample and item: the newest version of the result, as the laboratory wrote it, against
  the limit it is judged by (judging.py: as a single sample; below detection meets);
- per site: sampling visits due (routine sampling periods ending in the month), samples taken,
  reported, judged and meeting every judged limit, the sample compliance rate, results overdue,
  and how the site is judged: online, by samples, both or neither;
- per county: sites judged online, by samples only, by both, and the county's sample
  compliance rate.
"""

from dataclasses import dataclass, field

from wastewatch.alerts import reviews
from wastewatch.alerts.context import Context
from wastewatch.maintenance.lab import judging, records

from . import order_figures

SAMPLE_COLUMNS = [
    "site_id",
    "site_name",
    "sample_id",
    "sampled_at",
    "kind",
    "laboratory",
    "lab_cma",
    "report_no",
    "item",
    "result",
    "value",
    "detection_limit",
    "unit",
    "method",
    "limit",
    "basis",
    "verdict",
    "version",
]
SAMPLE_SITE_COLUMNS = [
    "site_id",
    "site_name",
    "judged_by",
    "samples_due",
    "samples_taken",
    "samples_reported",
    "samples_judged",
    "samples_meeting",
    "sample_compliance_rate",
    "results_overdue",
]
COMPARISON_COLUMNS = [
    "site_id",
    "sample_id",
    "sampled_at",
    "item",
    "lab_value",
    "online_value",
    "online_at",
    "difference",
    "tolerance",
    "beyond_tolerance",
]
REVIEW_COLUMNS = [
    "review_id",
    "site_id",
    "metric",
    "from",
    "until",
    "reason",
    "note",
    "state",
    "proposed_by",
    "decided_by",
    "decided_at",
    "restored_by",
    "restored_at",
]


@dataclass
class LabFigures:
    samples: list[dict] = field(default_factory=list)  # one row per sample and item
    sites: list[dict] = field(default_factory=list)  # one row per site
    comparisons: list[dict] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)
    county: dict = field(default_factory=dict)


def judged_by(analysed: bool, samples_judged: int) -> str:
    """online, samples, both or none: what a site's compliance this month rests on."""
    if analysed and samples_judged:
        return "both"
    if analysed:
        return "online"
    return "samples" if samples_judged else "none"


def build(ctx: Context, sites, start: int, end: int, analysed: set[str]) -> LabFigures:
    """The month [start, end) (end: the month's end, or the moment a month in progress runs to).
    `analysed`: the sites whose compliance has online figures."""
    db, local = ctx.db, ctx.local
    ids = {s.id for s in sites}
    taken = [s for s in records.between(db, start, end) if s["site_id"] in ids]
    results = records.current_of(db, [s["id"] for s in taken])
    due = order_figures.sampling_due(db, start, end)
    figures = LabFigures()
    per_site: dict[str, dict] = {
        s.id: {"taken": 0, "reported": 0, "judged": 0, "meeting": 0, "overdue": 0} for s in sites
    }
    names = {s.id: s.name for s in sites}
    for sample in taken:
        found = results.get(sample["id"], {})
        counts = per_site[sample["site_id"]]
        counts["taken"] += 1
        counts["reported"] += bool(found)
        counts["overdue"] += records.results_late(sample, bool(found), end)
        verdicts = []
        for item, row in found.items():
            limit = judging.limit_for(ctx, sample["site_id"], item)
            verdict = judging.verdict(limit, row)
            verdicts.append(verdict)
            figures.samples.append(
                {
                    "site_id": sample["site_id"],
                    "site_name": names[sample["site_id"]],
                    "sample_id": sample["id"],
                    "sampled_at": local(sample["sampled_at"]),
                    "kind": sample["kind"],
                    "laboratory": sample["laboratory"],
                    "lab_cma": sample["lab_cma"],
                    "report_no": sample["report_no"],
                    "item": item,
                    "result": row["shown"],
                    "value": row["value"],
                    "detection_limit": row["detection_limit"],
                    "unit": row["unit"],
                    "method": row["method"],
                    "limit": limit.text() if limit else None,
                    "basis": limit.basis if limit else None,
                    "verdict": verdict,
                    "version": row["version"],
                    # Not CSV columns: for the page and the workbook.
                    "row": row,
                    "limit_verified": limit.verified if limit else None,
                }
            )
        overall = judging.sample_verdict(verdicts)
        if overall != "unjudged":
            counts["judged"] += 1
            counts["meeting"] += overall == "meets"
    for site in sites:
        c = per_site[site.id]
        figures.sites.append(
            {
                "site_id": site.id,
                "site_name": site.name,
                "judged_by": judged_by(site.id in analysed, c["judged"]),
                "samples_due": due.get(site.id, 0),
                "samples_taken": c["taken"],
                "samples_reported": c["reported"],
                "samples_judged": c["judged"],
                "samples_meeting": c["meeting"],
                "sample_compliance_rate": c["meeting"] / c["judged"] if c["judged"] else None,
                "results_overdue": c["overdue"],
            }
        )
    for c in records.comparisons(db, start, end):
        if c["site_id"] not in ids:
            continue
        figures.comparisons.append(
            {
                "site_id": c["site_id"],
                "sample_id": c["sample_id"],
                "sampled_at": local(c["sampled_at"]),
                "item": c["item"],
                "lab_value": c["lab_value"],
                "online_value": c["online_value"],
                "online_at": local(c["online_at"]),
                "difference": c["difference"],
                "tolerance": c["tolerance"],
                "beyond_tolerance": c["difference"] > c["tolerance"],
            }
        )
    for r in reviews.touching(db, start, end, list(ids)):
        figures.reviews.append(
            {
                "review_id": r["id"],
                "site_id": r["site_id"],
                "metric": r["metric"],
                "from": local(r["starts_at"]),
                "until": local(r["ends_at"]),
                "reason": r["reason"],
                "note": r["note"],
                "state": r["state"],
                "proposed_by": r["proposed_by"],
                "decided_by": r["decided_by"],
                "decided_at": local(r["decided_at"]) if r["decided_at"] else None,
                "restored_by": r["restored_by"],
                "restored_at": local(r["restored_at"]) if r["restored_at"] else None,
            }
        )
    judged = sum(r["samples_judged"] for r in figures.sites)
    figures.county = {
        "sites_judged_online": sum(r["judged_by"] == "online" for r in figures.sites),
        "sites_judged_by_samples": sum(r["judged_by"] == "samples" for r in figures.sites),
        "sites_judged_both": sum(r["judged_by"] == "both" for r in figures.sites),
        "sites_not_judged": sum(r["judged_by"] == "none" for r in figures.sites),
        "sample_compliance_rate": sum(r["samples_meeting"] for r in figures.sites) / judged
        if judged
        else None,
    }
    return figures


def fingerprint(db, start: int, end: int) -> dict:
    """What the month's laboratory and review figures were built from: results recorded for its
    samples and review decisions on its spans, per site. A later change amends the report."""
    return {"lab": records.month_inputs(db, start, end), "reviews": reviews.decisions(db, start, end)}
