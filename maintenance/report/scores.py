"""The monthly report's summaries over the site rows: each site's score, the county, and one
scorecard per contractor (formulas in formulas.py)."""

from collections import Counter, defaultdict

from wastewatch.alerts.context import Context

from ..visits import visit
from . import order_figures


def _site_compliance(rows) -> float | None:
    valid = sum(r["valid_days"] for r in rows)
    return (valid - sum(r["exceedance_days"] for r in rows)) / valid if valid else None


def score(row: dict, rows, weights: dict) -> float | None:
    """100 × Σ weight × rate ÷ Σ weight over the rates the site had this month."""
    rates = {
        "operating_rate": row["operating_rate"],
        "compliance_rate": _site_compliance(rows),
        "transmission_rate": row["transmission_rate"],
        "ack_on_time_rate": row["ack_on_time_rate"],
        "repair_on_time_rate": row["repair_on_time_rate"],
        "inspection_rate": row["inspections_done"] / row["inspections_due"]
        if row["inspections_due"]
        else None,
    }
    used = {k: w for k, w in weights.items() if w and rates[k] is not None}
    if not used:
        return None
    return 100 * sum(w * rates[k] for k, w in used.items()) / sum(used.values())


def county(ctx: Context, sites, compliance, operations, start: int, end: int) -> dict:
    valid = sum(r["valid_days"] for r in compliance)
    exceed = sum(r["exceedance_days"] for r in compliance)
    by_site = defaultdict(list)
    for r in compliance:
        by_site[r["site_id"]].append(r)
    expected = sum(r["expected_readings"] for r in operations)
    ids = [s.id for s in sites]
    faults = order_figures.county_faults(ctx.db, ids, start, end)
    return {
        "sites": len(sites),
        "sites_fully_compliant": sum(
            1
            for s in sites
            if by_site[s.id]
            and all(r["exceedance_days"] == 0 for r in by_site[s.id])
            and any(r["valid_days"] for r in by_site[s.id])
        ),
        "compliance_rate": (valid - exceed) / valid if valid else None,
        "transmission_rate": sum(r["received_readings"] for r in operations) / expected if expected else None,
        "validity_rate": sum(r["valid_readings"] for r in operations) / expected if expected else None,
        "treated_volume_m3": sum(r["treated_volume_m3"] or 0 for r in operations),
        "faults_opened": faults["opened"],
        "faults_closed": faults["closed"],
        "faults_overdue": faults["overdue"],
    }


def visits(ctx: Context, start: int, end: int) -> dict[str, Counter]:
    """{contractor: Counter of verdicts (passed, flagged, none)} of the routine visits reported
    done in the month, each judged by the check-in its report carries."""
    orders = order_figures.routine_reported(ctx.db, start, end)
    judged = visit.of_orders(ctx.db, ctx.config, orders)
    counts: dict[str, Counter] = defaultdict(Counter)
    for order in orders:
        counts[order["contractor"]][judged[order["id"]].verdict] += 1
    return counts


def scorecards(ctx: Context, sites, compliance, operations, visited: dict[str, Counter]) -> list[dict]:
    cards = []
    for contractor in ctx.config.contractors:
        mine = {s.id for s in sites if s.contractor == contractor.id}
        if not mine:
            continue
        ops = [r for r in operations if r["site_id"] in mine]
        rows = [r for r in compliance if r["site_id"] in mine]
        scores = [r["score"] for r in ops if r["score"] is not None]
        expected = sum(r["expected_readings"] for r in ops)
        due = sum(r["inspections_due"] for r in ops)
        cards.append(
            {
                "contractor": contractor.id,
                "name": contractor.name,
                "sites": len(mine),
                "mean_score": sum(scores) / len(scores) if scores else None,
                "compliance_rate": _site_compliance(rows),
                "transmission_rate": sum(r["received_readings"] for r in ops) / expected
                if expected
                else None,
                "work_orders_opened": sum(r["work_orders_opened"] for r in ops),
                "work_orders_closed": sum(r["work_orders_closed"] for r in ops),
                "inspections_due": due,
                "inspections_done": sum(r["inspections_done"] for r in ops),
                "visits_checked": visited.get(contractor.id, Counter())["passed"],
                "visits_flagged": visited.get(contractor.id, Counter())["flagged"],
                "visits_unchecked": visited.get(contractor.id, Counter())["none"],
            }
        )
    return cards
