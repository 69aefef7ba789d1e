"""The work orders' monthly figures for the report: read-only counts over the tables that
work_orders.py owns (it writes them; these queries only read, and live here to keep that
module to the lifecycle).

Seconds are summed as integers on both engines and divided in Python, so SQLite and
PostgreSQL give the same figure to the last digit.
"""

# Routine work is planned, not a fault.
FAULTS = "kind NOT IN ('routine_inspection', 'effluent_sampling')"


def site_month(db, site_id: str, start: int, end: int) -> dict:
    """One site's orders in [start, end): opened, closed (and their open-to-close seconds),
    and the acknowledgement and repair deadlines that fell in it, met or not."""
    span = {"site": site_id, "start": start, "end": end}
    opened = db.execute(
        "SELECT COUNT(*) FROM work_orders WHERE site_id = :site AND opened_at >= :start AND opened_at < :end",
        span,
    ).scalar()
    closed = db.execute(
        "SELECT COUNT(*) AS orders, SUM(closed_at - opened_at) AS seconds FROM work_orders "
        "WHERE site_id = :site AND closed_at >= :start AND closed_at < :end",
        span,
    ).fetchone()
    ack = db.execute(
        "SELECT COUNT(*) AS due, "
        "COUNT(*) FILTER (WHERE acknowledged_at IS NOT NULL AND acknowledged_at <= acknowledge_by) AS met "
        "FROM work_orders WHERE site_id = :site AND acknowledge_by >= :start AND acknowledge_by < :end "
        "AND acknowledge_by < repair_by AND state != 'cancelled'",
        span,
    ).fetchone()
    repair = db.execute(
        "SELECT COUNT(*) AS due, "
        "COUNT(*) FILTER (WHERE resolved_at IS NOT NULL AND resolved_at <= repair_by) AS met "
        "FROM work_orders WHERE site_id = :site AND repair_by >= :start AND repair_by < :end "
        "AND state != 'cancelled'",
        span,
    ).fetchone()
    return {
        "opened": opened,
        "closed": closed["orders"],
        "closed_seconds": int(closed["seconds"] or 0),
        "ack_due": ack["due"],
        "ack_met": ack["met"],
        "repair_due": repair["due"],
        "repair_met": repair["met"],
    }


def inspections_done(db, site_id: str, dues: list[int]) -> int:
    """Of the routine inspection periods ending at `dues`, those reported done by their end."""
    return db.execute(
        "SELECT COUNT(DISTINCT due_at) FROM work_orders "
        "WHERE site_id = :site AND kind = 'routine_inspection' AND due_at IN :dues "
        "AND state IN ('resolved', 'closed') AND visited_at <= due_at",
        {"site": site_id, "dues": sorted(dues)},
    ).scalar()


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
