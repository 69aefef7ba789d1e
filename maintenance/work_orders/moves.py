"""The moves of a work order (see the package's docstring), each inside the caller's transaction
and journaled as a Change: their emails are maintenance/reaction.py's."""

import json

from wastewatch.alerts.context import Context
from wastewatch.alerts.mail import Mail
from wastewatch.config.i18n import N_, NP_, Word
from wastewatch.store.state import Change, State

from .. import lab, links
from ..verification import Verification, check
from . import said
from .records import (
    ACTIVE,
    DEADLINES,
    IN_PLAY,
    ROUTINE,
    WorkOrderError,
    _next_id,
    get,
    get_or_fail,
    late,
    link_alert,
    linked_alerts,
    linked_order,
    owes_acknowledgement,
    state_word,
    transition,
)

MOVES = {  # action: (states it is allowed from, state it leads to)
    "acknowledge": (("open", "reopened"), "acknowledged"),
    "done": (ACTIVE, "resolved"),
    "verify": (("resolved",), "closed"),
    "reopen": (("resolved", "closed"), "reopened"),
    "cancel": (IN_PLAY, "cancelled"),
}
PRIORITY = {"critical": "high", "warning": "normal", "info": "low"}
# Each move as an error names it.
ACTION_WORDS = {
    "acknowledge": NP_("move", "acknowledge"),
    "done": NP_("move", "done"),
    "verify": NP_("move", "verify"),
    "reopen": NP_("move", "reopen"),
    "cancel": NP_("move", "cancel"),
}


def open_order(
    ctx: Context,
    site_id: str,
    kind: str,
    origin: str,
    summary: str,
    now: int,
    actor: str,
    *,
    priority: str = "normal",
    alert=None,
    due_at: int | None = None,
    note: str = "",
    said: tuple = (),
):
    """A new order; its first transition says `said` (why the service opened it) and `note`,
    or the summary when neither is given."""
    site = ctx.config.site_by_id[site_id]
    deadline = ctx.rules.work_orders.deadline(kind, site.capacity_m3d)
    repair_by = due_at if due_at is not None else now + int(deadline.repair_within_h * 3600)
    acknowledge_by = _acknowledge_by(deadline, now, repair_by)
    order_id = _next_id(ctx.db, now, ctx.config.tz)
    fault = f"{alert['rule']}:{alert['metric']}" if alert is not None else ""
    ctx.db.execute(
        "INSERT INTO work_orders (id, site_id, kind, origin, priority, contractor, alert_id, state, summary, "
        "opened_at, acknowledge_by, repair_by, fault, due_at, deadlines_from) "
        "VALUES (:id, :site, :kind, :origin, :priority, :contractor, :alert, 'open', :summary, :now, "
        ":acknowledge_by, :repair_by, :fault, :due_at, :now)",
        {
            "id": order_id,
            "site": site_id,
            "kind": kind,
            "origin": origin,
            "priority": priority,
            "contractor": site.contractor,
            "alert": alert["id"] if alert is not None else None,
            "summary": summary,
            "now": now,
            "acknowledge_by": acknowledge_by,
            "repair_by": repair_by,
            "fault": fault,
            "due_at": due_at,
        },
    )
    transition(ctx.db, order_id, None, "open", note if note or said else summary, actor, now, said)
    if alert is not None:
        link_alert(ctx.db, order_id, alert["id"], now)
    return _changed(ctx, order_id, "opened", now)


def for_alert(ctx: Context, alert, kind: str, now: int):
    """The alert's condition lasted long enough for a work order: join the fault's order in
    play, reopen one closed recently, or open a new one. Returns a new order, or None."""
    if linked_order(ctx.db, alert["id"]) is not None or attach_alert(ctx, alert, now):
        return None
    summary = Mail(ctx).describe_alert(alert)
    return open_order(
        ctx,
        alert["site_id"],
        kind,
        "alert",
        summary,
        now,
        "rules",
        priority=PRIORITY[alert["severity"]],
        alert=alert,
        note=summary,
        said=(said.opened_for(alert["id"]),),
    )


def attach_alert(ctx: Context, alert, now: int) -> bool:
    """A new alert for a fault that already has an order: the order in play absorbs it, or a
    closed one reopens if the fault recurred within reopen_within_s. True if attached."""
    fault = f"{alert['rule']}:{alert['metric']}"
    db = ctx.db
    order = db.execute(
        f"SELECT * FROM work_orders WHERE site_id = :site AND fault = :fault AND state IN {IN_PLAY} "
        "ORDER BY opened_at DESC LIMIT 1",
        {"site": alert["site_id"], "fault": fault},
    ).fetchone()
    if order is not None:
        link_alert(db, order["id"], alert["id"], now)
        transition(
            db, order["id"], order["state"], order["state"], "", "rules", now, (said.absorbed(alert["id"]),)
        )
        _changed(ctx, order["id"], "absorbed", now)
        return True
    order = db.execute(
        "SELECT * FROM work_orders WHERE site_id = :site AND fault = :fault AND state = 'closed' "
        "AND closed_at >= :since ORDER BY closed_at DESC LIMIT 1",
        {"site": alert["site_id"], "fault": fault, "since": now - ctx.rules.work_orders.reopen_within_s},
    ).fetchone()
    if order is None:
        return False
    link_alert(db, order["id"], alert["id"], now)
    reopen(
        ctx,
        order["id"],
        "rules",
        "",
        now,
        (said.recurred(ctx.rules.work_orders.reopen_within_s // 3600, alert["id"]),),
    )
    return True


def acknowledge(ctx: Context, order_id: str, actor: str, note: str, now: int):
    order = _move(ctx, order_id, "acknowledge", actor, note, now, acknowledged_at=now)
    _retire_links(ctx.db, order_id, ("acknowledge",), now)
    return _changed(ctx, order_id, "acknowledged", now, order)


def done(
    ctx: Context,
    order_id: str,
    actor: str,
    note: str,
    now: int,
    visited_at: int | None = None,
    checklist: dict | None = None,
    bottles: str = "",
    said: tuple = (),
):
    """The contractor reports the work done; routine orders record the visit and checklist,
    a sampling order the sample taken (its bottle labels), its results pending. `said`: what
    the report's transition says beside its note (made offline)."""
    order = get_or_fail(ctx.db, order_id)
    if order["kind"] in ROUTINE:
        visited_at = visited_at if visited_at is not None else now
        if visited_at > now:
            raise WorkOrderError(N_("the visit time is in the future"))
    order = _move(
        ctx,
        order_id,
        "done",
        actor,
        note,
        now,
        said=said,
        resolved_at=now,
        visited_at=visited_at,
        checklist=json.dumps(checklist, ensure_ascii=False) if checklist is not None else None,
        acknowledged_at=order["acknowledged_at"] or now,
    )
    if order["kind"] == "effluent_sampling":
        lab.taken(ctx, order, order["visited_at"], bottles, actor, now)
    _retire_links(ctx.db, order_id, ("acknowledge", "done"), now)
    return _changed(ctx, order_id, "resolved", now, order, note=note, actor=actor)


def verify(ctx: Context, order_id: str, actor: str, note: str, now: int):
    """销号: the operator crosses the order off, if the readings say the fault is gone."""
    order = get_or_fail(ctx.db, order_id)
    check = verification(ctx, order, now)
    if order["state"] == "resolved" and not check.ok:
        raise WorkOrderError(
            N_("work order {order} cannot be closed yet: {problems}"), order=order_id, problems=check.problems
        )
    checked = (said.checked(check.problems or check.facts),) if check.checked else ()
    order = _move(ctx, order_id, "verify", actor, note, now, said=checked, closed_at=now)
    return _changed(ctx, order_id, "closed", now, order, note=note, actor=actor)


def reopen(ctx: Context, order_id: str, actor: str, note: str, now: int, why: tuple = ()):
    """Verification failed or the fault came back: the contractor gets fresh deadlines and links."""
    order = get_or_fail(ctx.db, order_id)
    site = ctx.config.site_by_id[order["site_id"]]
    deadline = ctx.rules.work_orders.deadline(order["kind"], site.capacity_m3d)
    repair_by = now + int(deadline.repair_within_h * 3600)
    order = _move(
        ctx,
        order_id,
        "reopen",
        actor,
        note,
        now,
        said=why,
        deadlines_from=now,
        acknowledge_by=_acknowledge_by(deadline, now, repair_by),
        repair_by=repair_by,
        acknowledged_at=None,
        resolved_at=None,
        closed_at=None,
        ack_reminded_at=None,
        repair_reminded_at=None,
        ack_escalated_at=None,
        repair_escalated_at=None,
    )
    return _changed(ctx, order_id, "reopened", now, order, note=note, why=why)


def cancel(ctx: Context, order_id: str, actor: str, reason: str, now: int):
    if not reason.strip():
        raise WorkOrderError(N_("cancelling a work order needs a reason"))
    order = _move(ctx, order_id, "cancel", actor, reason, now, cancelled_at=now)
    _retire_links(ctx.db, order_id, ("acknowledge", "done"), now)
    return _changed(ctx, order_id, "cancelled", now, order, note=reason, actor=actor)


def assign(ctx: Context, order_id: str, contractor: str, actor: str, note: str, now: int):
    """Hand the order to another contractor: the old links stop working, the new one gets its own."""
    order = get_or_fail(ctx.db, order_id)
    if contractor not in ctx.config.contractor_by_id:
        raise WorkOrderError(
            N_("unknown contractor '{contractor}'; known: {known}"),
            contractor=contractor,
            known=", ".join(ctx.config.contractor_by_id),
        )
    if order["state"] not in IN_PLAY:
        raise WorkOrderError(
            N_("work order {order} is {state}; only an order in play can be reassigned"),
            order=order_id,
            state=state_word(order["state"]),
        )
    if order["contractor"] == contractor:
        raise WorkOrderError(
            N_("work order {order} is already assigned to {contractor}"),
            order=order_id,
            contractor=ctx.config.contractor_by_id[contractor].name,
        )
    ctx.db.execute(
        "UPDATE work_orders SET contractor = :contractor WHERE id = :id",
        {"contractor": contractor, "id": order_id},
    )
    names = ctx.config.contractor_by_id
    old = names[order["contractor"]].name if order["contractor"] in names else order["contractor"]
    transition(
        ctx.db,
        order_id,
        order["state"],
        order["state"],
        note,
        actor,
        now,
        (said.assigned(old, names[contractor].name),),
    )
    _retire_links(ctx.db, order_id, ("acknowledge", "done"), now)
    return _changed(ctx, order_id, "assigned", now, note=note)


def chase(ctx: Context, order_id: str, actor: str, note: str, now: int):
    """催办: an operator asks the contractor about an order it still owes work on, now, with
    the deadline it missed (or the next one) and the operator's note; recorded on the timeline.
    Deadlines, reminders and escalations stay as they are."""
    order = get_or_fail(ctx.db, order_id)
    if order["state"] not in ACTIVE:
        raise WorkOrderError(
            N_("work order {order} is {state}; only an order the contractor owes can be chased"),
            order=order_id,
            state=state_word(order["state"]),
        )
    passed = late(order, now)
    deadline = passed[0].deadline if passed else ("acknowledge" if owes_acknowledgement(order) else "repair")
    transition(ctx.db, order_id, order["state"], order["state"], note, actor, now, (said.chased(),))
    return _changed(ctx, order_id, "chased", now, order, deadline=deadline, note=note, actor=actor)


def remind(ctx: Context, order, deadline: str, now: int) -> None:
    """The contractor reminded of a deadline ahead: the mark, the history row (and the email)."""
    _deadline_passed_on(ctx, order, deadline, "reminded", said.reminded, now)
    _changed(ctx, order["id"], "reminded", now, order, deadline=deadline)


def escalate(ctx: Context, order, deadline: str, now: int) -> None:
    """A missed deadline escalated to the operators and the bureau, once."""
    _deadline_passed_on(ctx, order, deadline, "escalated", said.escalated, now)
    _changed(ctx, order["id"], "escalated", now, order, deadline=deadline)


def results_overdue(ctx: Context, order, sample, now: int) -> None:
    """A sampling order's laboratory results were not in by their date: escalated once, like a
    missed visit."""
    lab.records.escalated(ctx.db, sample["id"], now)
    said_now = (said.results_overdue(sample["id"], ctx.local(sample["results_due_at"])),)
    transition(ctx.db, order["id"], order["state"], order["state"], "", "sla", now, said_now)
    _changed(ctx, order["id"], "escalated", now, order, deadline="results", sample=sample)


def _deadline_passed_on(ctx: Context, order, deadline: str, step: str, sentence, now: int) -> None:
    """Mark the reminder or escalation done (each happens once per deadline) and record it."""
    column, short, _ = DEADLINES[deadline]
    ctx.db.execute(
        f"UPDATE work_orders SET {short}_{step}_at = :now WHERE id = :id", {"now": now, "id": order["id"]}
    )
    said_now = (sentence(deadline, ctx.local(order[column])),)
    transition(ctx.db, order["id"], order["state"], order["state"], "", "sla", now, said_now)


def verification(ctx: Context, order, now: int) -> Verification:
    """What the readings say about the order's fault now (verification.py)."""
    return check(ctx, order, linked_alerts(ctx.db, order["id"]), now)


def _acknowledge_by(deadline, now: int, repair_by: int) -> int:
    """Equal to repair_by when there is no separate acknowledgement deadline: the sweep then
    reminds and escalates the repair deadline only."""
    if deadline.acknowledge_within_h is None:
        return repair_by
    return min(now + int(deadline.acknowledge_within_h * 3600), repair_by)


def _move(
    ctx: Context, order_id: str, action: str, actor: str, note: str, now: int, said: tuple = (), **updates
):
    order = get_or_fail(ctx.db, order_id)
    allowed, new = MOVES[action]
    if order["state"] not in allowed:
        raise WorkOrderError(
            N_("work order {order} is {state}; {action} needs it to be {allowed}"),
            order=order_id,
            state=state_word(order["state"]),
            action=Word(ACTION_WORDS[action], "move"),
            allowed=tuple(state_word(s) for s in allowed),
        )
    updates["state"] = new
    ctx.db.execute(
        f"UPDATE work_orders SET {', '.join(f'{k} = :{k}' for k in updates)} WHERE id = :order_id",
        {**updates, "order_id": order_id},
    )
    transition(ctx.db, order_id, order["state"], new, note, actor, now, said)
    return get(ctx.db, order_id)


def _changed(ctx: Context, order_id: str, event: str, now: int, order=None, **facts):
    """Journal the move for maintenance/reaction.py (its emails); returns the order's row as
    the move left it (`order`, or read now)."""
    row = order if order is not None else get(ctx.db, order_id)
    return ctx.db.changed(Change("work_order", order_id, event, now, row, facts)).row


def _retire_links(db: State, order_id: str, actions: tuple[str, ...], now: int) -> None:
    links.retire(db, order_id, actions, now)
