"""The work orders' monthly figures for the report: read-only counts over the tables that
work_orders/ owns (it writes them; these queries only read, and live here to keep the
package to the lifecycle). Each is one statement for every site, grouped by site: a county of
500 sites is six statements, not three thousand.

Seconds are summed as integers on both engines and divided in Python, so SQLite and
PostgreSQL give the same figure to the last digit.
"""

from collections import defaultdict

from wastewatch.store.state import State

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


def by_site(db: State, start: int, end: int) -> dict:
    """{site: figures} of the orders in [start, end): opened, closed (and their open-to-close
    seconds), and the acknowledgement and repair deadlines that fell in it, met or not. A site
    without orders in the month is absent (ZERO)."""
    opened = "opened_at >= :start AND opened_at < :end"
    closed = "closed_at >= :start AND closed_at < :end"
    ack_due = "acknowledge_by >= :start AND acknowledge_by < :end AND acknowledge_by < repair_by"
    ack_due += " AND state != 'cancelled'"
    repair_due = "repair_by >= :start AND repair_by < :end AND state != 'cancelled'"
    figures = {}
    for row in db.execute(
        f"SELECT site_id, COUNT(*) FILTER (WHERE {opened}) AS opened, "
        f"COUNT(*) FILTER (WHERE {closed}) AS closed, "
        f"SUM(CASE WHEN {closed} THEN closed_at - opened_at END) AS closed_seconds, "
        f"COUNT(*) FILTER (WHERE {ack_due}) AS ack_due, "
        f"COUNT(*) FILTER (WHERE {ack_due} AND acknowledged_at <= acknowledge_by) AS ack_met, "
        f"COUNT(*) FILTER (WHERE {repair_due}) AS repair_due, "
        f"COUNT(*) FILTER (WHERE {repair_due} AND resolved_at <= repair_by) AS repair_met "
        f"FROM work_orders WHERE ({opened}) OR ({closed}) OR ({ack_due}) OR ({repair_due}) GROUP BY site_id",
        {"start": start, "end": end},
    ):
        figures[row["site_id"]] = {name: row[name] for name in ZERO} | {
            "closed_seconds": int(row["closed_seconds"] or 0)
        }
    return figures


def inspected(db: State, start: int, end: int) -> dict[str, set[int]]:
    """{site: the routine inspection periods ending in (start, end] reported done by their end}."""
    done: dict = defaultdict(set)
    for row in db.execute(
        "SELECT DISTINCT site_id, due_at FROM work_orders WHERE kind = 'routine_inspection' "
        "AND due_at > :start AND due_at <= :end AND state IN ('resolved', 'closed') AND visited_at <= due_at",
        {"start": start, "end": end},
    ):
        done[row["site_id"]].add(row["due_at"])
    return dict(done)


def routine_reported(db: State, start: int, end: int) -> list:
    """The routine inspections reported done in [start, end) (resolved or since closed): the
    visits the scorecards judge by their check-ins."""
    return db.execute(
        "SELECT * FROM work_orders WHERE kind = 'routine_inspection' AND state IN ('resolved', 'closed') "
        "AND resolved_at >= :start AND resolved_at < :end ORDER BY id",
        {"start": start, "end": end},
    ).fetchall()


def sampling_due(db: State, start: int, end: int) -> dict[str, int]:
    """{site: routine sampling periods ending in (start, end]}: the sampling visits due."""
    return {
        row["site_id"]: row["n"]
        for row in db.execute(
            "SELECT site_id, COUNT(DISTINCT due_at) AS n FROM work_orders WHERE kind = 'effluent_sampling' "
            "AND due_at > :start AND due_at <= :end GROUP BY site_id",
            {"start": start, "end": end},
        )
    }


def county_faults(db: State, site_ids: list[str], start: int, end: int) -> dict:
    """Fault orders of the sites: opened, closed, and overdue (repair deadline in the month,
    not done by it)."""
    row = db.execute(
        "SELECT COUNT(*) FILTER (WHERE opened_at >= :start AND opened_at < :end) AS opened, "
        "COUNT(*) FILTER (WHERE closed_at >= :start AND closed_at < :end) AS closed, "
        "COUNT(*) FILTER (WHERE repair_by >= :start AND repair_by < :end AND state != 'cancelled' "
        "AND (resolved_at IS NULL OR resolved_at > repair_by)) AS overdue "
        f"FROM work_orders WHERE {FAULTS} AND site_id IN :ids",
        {"ids": list(site_ids), "start": start, "end": end},
    ).fetchone()
    return dict(row)
