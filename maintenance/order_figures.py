"""The work orders' monthly figures for the report: read-only counts over the tables that
work_orders/ owns (it writes them; these queries only read, and live here to keep the
package to the lifecycle). Each is one statement for every site, grouped by site: a county of
500 sites is six statements, not three thousand.

Seconds are summed as integers on both engines and divided in Python, so SQLite and
PostgreSQL give the same figure to the last digit.
"""

from collections import defaultdict

# Routine work is planned, not a fault.
FAULTS = "kind NOT IN ('routine_inspection', 'effluent_sampling')"

ZERO = {
    "opened": 0,
    "closed": 0,
    "closed_seconds": 0,
    "ack_due": 0,
    "ack_met": 0,
    "repair_due": 0,
    "repair_met": 0,
}


def by_site(db, start: int, end: int) -> dict:
    """{site: figures} of the orders in [start, end): opened, closed (and their open-to-close
    seconds), and the acknowledgement and repair deadlines that fell in it, met or not. A site
    without orders is absent (ZERO)."""
    span = {"start": start, "end": end}
    figures: dict = defaultdict(lambda: dict(ZERO))
    for row in db.execute(
        "SELECT site_id, COUNT(*) AS n FROM work_orders WHERE opened_at >= :start AND opened_at < :end "
        "GROUP BY site_id",
        span,
    ):
        figures[row["site_id"]]["opened"] = row["n"]
    for row in db.execute(
        "SELECT site_id, COUNT(*) AS n, SUM(closed_at - opened_at) AS seconds FROM work_orders "
        "WHERE closed_at >= :start AND closed_at < :end GROUP BY site_id",
        span,
    ):
        figures[row["site_id"]].update(closed=row["n"], closed_seconds=int(row["seconds"] or 0))
    for row in db.execute(
        "SELECT site_id, COUNT(*) AS due, "
        "COUNT(*) FILTER (WHERE acknowledged_at IS NOT NULL AND acknowledged_at <= acknowledge_by) AS met "
        "FROM work_orders WHERE acknowledge_by >= :start AND acknowledge_by < :end "
        "AND acknowledge_by < repair_by AND state != 'cancelled' GROUP BY site_id",
        span,
    ):
        figures[row["site_id"]].update(ack_due=row["due"], ack_met=row["met"])
    for row in db.execute(
        "SELECT site_id, COUNT(*) AS due, "
        "COUNT(*) FILTER (WHERE resolved_at IS NOT NULL AND resolved_at <= repair_by) AS met "
        "FROM work_orders WHERE repair_by >= :start AND repair_by < :end AND state != 'cancelled' "
        "GROUP BY site_id",
        span,
    ):
        figures[row["site_id"]].update(repair_due=row["due"], repair_met=row["met"])
    return dict(figures)


def inspected(db, start: int, end: int) -> dict[str, set[int]]:
    """{site: the routine inspection periods ending in (start, end] reported done by their end}."""
    done: dict = defaultdict(set)
    for row in db.execute(
        "SELECT DISTINCT site_id, due_at FROM work_orders WHERE kind = 'routine_inspection' "
        "AND due_at > :start AND due_at <= :end AND state IN ('resolved', 'closed') AND visited_at <= due_at",
        {"start": start, "end": end},
    ):
        done[row["site_id"]].add(row["due_at"])
    return dict(done)


def county_faults(db, site_ids: list[str], start: int, end: int) -> dict:
    """Fault orders of the sites: opened, closed, and overdue (repair deadline in the month,
    not done by it)."""
    span = {"ids": list(site_ids), "start": start, "end": end}
    return {
        "opened": db.execute(
            f"SELECT COUNT(*) FROM work_orders WHERE {FAULTS} AND site_id IN :ids "
            "AND opened_at >= :start AND opened_at < :end",
            span,
        ).scalar(),
        "closed": db.execute(
            f"SELECT COUNT(*) FROM work_orders WHERE {FAULTS} AND site_id IN :ids "
            "AND closed_at >= :start AND closed_at < :end",
            span,
        ).scalar(),
        "overdue": db.execute(
            f"SELECT COUNT(*) FROM work_orders WHERE {FAULTS} AND site_id IN :ids "
            "AND repair_by >= :start AND repair_by < :end AND state != 'cancelled' "
            "AND (resolved_at IS NULL OR resolved_at > repair_by)",
            span,
        ).scalar(),
    }
