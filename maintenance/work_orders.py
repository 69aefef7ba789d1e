"""Work orders for contractors: opened from alerts, closed with a note.

This is the first part of the county's 问题销号 loop; acknowledgement, verification, reminders
and escalation come with the work-order issue. Ids are `WO-YYYYMM-NNNN`, numbered per local
month of opening.
"""

from datetime import datetime

from store.state import transaction

PRIORITY = {"critical": "high", "warning": "normal", "info": "low"}


def open_for_alert(ctx, mail, alert, kind: str, now: int):
    """Open the work order for an alert, unless it has one. Returns the new order or None."""
    db = ctx.db
    if db.execute("SELECT 1 FROM work_orders WHERE alert_id = ?", (alert["id"],)).fetchone():
        return None
    site = ctx.config.site_by_id[alert["site_id"]]
    deadlines = ctx.rules.work_orders
    repair_h = deadlines.investigation_within_h if kind == "exceedance_investigation" else deadlines.repair_within_h
    order_id = _next_id(db, now, ctx.config.tz)
    summary = mail.describe_alert(alert)
    db.execute(
        "INSERT INTO work_orders (id, site_id, kind, origin, priority, contractor, alert_id, state, summary, "
        "opened_at, acknowledge_by, repair_by) VALUES (?, ?, ?, 'alert', ?, ?, ?, 'open', ?, ?, ?, ?)",
        (order_id, site.id, kind, PRIORITY[alert["severity"]], site.contractor, alert["id"], summary, now,
         now + int(deadlines.acknowledge_within_h * 3600), now + int(repair_h * 3600)))
    _transition(db, order_id, None, "open", f"opened for alert {alert['id']}: {summary}", "rules", now)
    order = get(db, order_id)
    thread = mail.work_order(order, alert, now)
    db.execute("UPDATE work_orders SET thread_id = ? WHERE id = ?", (thread, order_id))
    return get(db, order_id)


def close(db, order_id: str, note: str, actor: str, now: int) -> None:
    with transaction(db):
        order = get(db, order_id)
        if order is None:
            raise LookupError(f"no work order {order_id}")
        if order["state"] == "closed":
            raise ValueError(f"work order {order_id} is already closed")
        db.execute("UPDATE work_orders SET state = 'closed', closed_at = ? WHERE id = ?", (now, order_id))
        _transition(db, order_id, order["state"], "closed", note, actor, now)


def get(db, order_id: str):
    return db.execute("SELECT * FROM work_orders WHERE id = ?", (order_id,)).fetchone()


def listing(db, state: str | None = None, site_id: str | None = None, limit: int = 100):
    """Open orders past their repair deadline first, then newest first."""
    where, args = [], []
    if state:
        where.append("state = ?")
        args.append(state)
    if site_id:
        where.append("site_id = ?")
        args.append(site_id)
    sql = "SELECT * FROM work_orders" + (" WHERE " + " AND ".join(where) if where else "")
    return db.execute(sql + " ORDER BY (state != 'closed') DESC, repair_by, opened_at DESC LIMIT ?",
                      (*args, limit)).fetchall()


def transitions(db, order_id: str):
    return db.execute("SELECT * FROM work_order_transitions WHERE work_order_id = ? ORDER BY id",
                      (order_id,)).fetchall()


def _next_id(db, now: int, tz) -> str:
    prefix = datetime.fromtimestamp(now, tz).strftime("WO-%Y%m-")
    row = db.execute("SELECT MAX(id) FROM work_orders WHERE id LIKE ?", (prefix + "%",)).fetchone()
    number = int(row[0][len(prefix):]) + 1 if row[0] else 1
    return f"{prefix}{number:04d}"


def _transition(db, order_id: str, old: str | None, new: str, note: str, actor: str, at: int) -> None:
    db.execute("INSERT INTO work_order_transitions (work_order_id, old_state, new_state, note, actor, at) "
               "VALUES (?, ?, ?, ?, ?, ?)", (order_id, old, new, note, actor, at))
