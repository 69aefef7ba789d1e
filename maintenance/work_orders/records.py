"""The work-order records: states, reads, the transitions row, links to alerts and the deadline
queries; a report's photos and keys are reports.py's. The moves (moves.py) change orders through
these; nothing else touches the work-order tables."""

from dataclasses import dataclass
from datetime import datetime

from wastewatch.alerts import lifecycle
from wastewatch.config.i18n import N_, NP_, Record, Said, Word, gettext
from wastewatch.config.text import duration
from wastewatch.store.state import State, paged

# Each state's name, the one every page, email, export and error says.
STATES = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "resolved": N_("done, to verify"),
    "closed": N_("closed"),
    "reopened": N_("reopened"),
    "cancelled": N_("cancelled"),
}
ACTIVE = ("open", "acknowledged", "reopened")  # waiting on the contractor
IN_PLAY = ACTIVE + ("resolved",)  # not yet closed or cancelled
ROUTINE = ("routine_inspection", "effluent_sampling")
# What an operator may open by hand (the command and the console offer the same).
MANUAL_KINDS = (
    "operator_request",
    "fault_repair",
    "exceedance_investigation",
    "comms_restore",
    "routine_inspection",
    "effluent_sampling",
    "instrument_check",
)
PRIORITIES = ("high", "normal", "low")
# SQL for "past a deadline the contractor still owes".
OVERDUE = (
    "(state IN ('open', 'acknowledged', 'reopened') AND (repair_by <= :now "
    "OR (state != 'acknowledged' AND acknowledge_by <= :now)))"
)


class WorkOrderError(Said):
    """An action the order's state or checks do not allow, in one sentence."""


# The states as an error names them: the code in English (what the command line lists), the
# state's name in other languages.
STATE_WORDS = {
    "open": NP_("order state", "open"),
    "acknowledged": NP_("order state", "acknowledged"),
    "resolved": NP_("order state", "resolved"),
    "closed": NP_("order state", "closed"),
    "reopened": NP_("order state", "reopened"),
    "cancelled": NP_("order state", "cancelled"),
}


def state_word(state: str) -> Word:
    return Word(STATE_WORDS[state], "order state") if state in STATE_WORDS else Word(state)


# The two deadlines of an order: the column that holds each, and the states that owe it. An
# order whose acknowledgement is due with the work itself has one deadline, not two.
DEADLINES = {
    "acknowledge": ("acknowledge_by", "ack", "state IN ('open', 'reopened') AND acknowledge_by < repair_by"),
    "repair": ("repair_by", "repair", "state IN ('open', 'acknowledged', 'reopened')"),
}
_FROM = "COALESCE(deadlines_from, opened_at)"  # the deadlines run from opening, or the last reopening


def reminders_due(db: State, deadline: str, fraction: float, now: int) -> list:
    """Orders past `fraction` of the way to `deadline`, not yet reminded, the deadline ahead."""
    column, short, owing = DEADLINES[deadline]
    return db.execute(
        f"SELECT * FROM work_orders WHERE {owing} AND {short}_reminded_at IS NULL "
        f"AND {column} > :now AND {_FROM} + ({column} - {_FROM}) * :fraction <= :now",
        {"now": now, "fraction": fraction},
    ).fetchall()


def escalations_due(db: State, deadline: str, now: int) -> list:
    """Orders whose `deadline` has passed, not yet escalated."""
    column, short, owing = DEADLINES[deadline]
    return db.execute(
        f"SELECT * FROM work_orders WHERE {owing} AND {short}_escalated_at IS NULL AND {column} <= :now",
        {"now": now},
    ).fetchall()


def routine_periods(db: State, now: int) -> set[tuple[str, str, int]]:
    """(site, kind, due_at) of the routine orders for periods not yet over."""
    return {
        (r["site_id"], r["kind"], r["due_at"])
        for r in db.execute(
            "SELECT site_id, kind, due_at FROM work_orders WHERE due_at >= :now", {"now": now}
        )
    }


def get(db: State, order_id: str):
    return db.execute("SELECT * FROM work_orders WHERE id = :id", {"id": order_id}).fetchone()


def get_or_fail(db: State, order_id: str):
    order = get(db, order_id)
    if order is None:
        raise WorkOrderError(N_("no work order {order}"), order=order_id)
    return order


# How each missed deadline reads: which one, and how long ago it passed.
LATE = {
    "acknowledge": N_("acknowledgement late by {duration}"),
    "repair": N_("repair deadline passed {duration} ago"),
}


@dataclass(frozen=True)
class Late:
    """A deadline the order still owes that has passed, and by how long."""

    deadline: str  # acknowledge | repair
    due: int
    by_s: int

    def text(self, locale: str) -> str:
        # A deadline passed this very minute still reads as a minute late, not "0 分钟".
        return gettext(locale, LATE[self.deadline]).format(duration=duration(max(self.by_s, 60), locale))


def owes_acknowledgement(order) -> bool:
    """Not yet acknowledged, with an acknowledgement deadline of its own (before the repair's)."""
    return order["state"] in ("open", "reopened") and order["acknowledge_by"] < order["repair_by"]


def late(order, now: int) -> tuple[Late, ...]:
    """The deadlines the order still owes that have passed (acknowledgement first), so every
    list, page, email and export marks that one, and only that one, as overdue, in the same
    words. An order whose acknowledgement is due with the work itself owes one deadline."""
    found = []
    if owes_acknowledgement(order) and order["acknowledge_by"] <= now:
        found.append(Late("acknowledge", order["acknowledge_by"], now - order["acknowledge_by"]))
    if order["state"] in ACTIVE and order["repair_by"] <= now:
        found.append(Late("repair", order["repair_by"], now - order["repair_by"]))
    return tuple(found)


def late_words(passed: tuple[Late, ...], locale: str) -> str:
    """ "接单超时 6 小时；完成期限已过 2 天", or "" when nothing owed has passed."""
    return ("；" if locale == "zh-CN" else "; ").join(x.text(locale) for x in passed)


def late_text(order, now: int, locale: str) -> str:
    return late_words(late(order, now), locale)


def late_by_deadline(order, now: int, locale: str) -> dict[str, str]:
    """{"acknowledge": words or "", "repair": words or ""}: for a page or an email that shows
    both deadlines and marks each beside its own date."""
    found = dict.fromkeys(LATE, "")
    for x in late(order, now):
        found[x.deadline] = x.text(locale)
    return found


def is_overdue(order, now: int) -> bool:
    return bool(late(order, now))


def listing(
    db: State,
    now: int,
    states: tuple[str, ...] = IN_PLAY,
    site_id: str | None = None,
    contractor: str | None = None,
    overdue_only: bool = False,
    limit: int = 100,
):
    """Overdue orders first (earliest deadline first), then those done and waiting to be
    verified (待核验: the operator's move), then the rest by deadline."""
    params: dict = {f"state{i}": state for i, state in enumerate(states)}
    where = [f"state IN ({', '.join(':' + name for name in params)})"]
    for column, value in (("site_id", site_id), ("contractor", contractor)):
        if value:
            where.append(f"{column} = :{column}")
            params[column] = value
    if overdue_only:
        where.append(OVERDUE)
    sql = (
        f"SELECT *, {OVERDUE} AS overdue FROM work_orders WHERE {' AND '.join(where)} "
        "ORDER BY overdue DESC, CASE WHEN state = 'resolved' THEN 0 ELSE 1 END, repair_by, id LIMIT :limit"
    )
    return db.execute(sql, {**params, "now": now, "limit": limit}).fetchall()


def closed_between(db: State, start: int, end: int):
    """Orders verified and closed (销号) within [start, end)."""
    return db.execute(
        "SELECT * FROM work_orders WHERE state = 'closed' AND closed_at >= :start AND closed_at < :end "
        "ORDER BY closed_at",
        {"start": start, "end": end},
    ).fetchall()


def in_play_by_site(db: State, now: int) -> dict[str, tuple[int, int]]:
    """{site: (orders in play, of which overdue)}: one grouped query for the site board."""
    marks = ", ".join(f"'{state}'" for state in IN_PLAY)
    rows = db.execute(
        f"SELECT site_id, COUNT(*) AS n, SUM(CASE WHEN {OVERDUE} THEN 1 ELSE 0 END) AS late "
        f"FROM work_orders WHERE state IN ({marks}) GROUP BY site_id",
        {"now": now},
    )
    return {row["site_id"]: (row["n"], row["late"] or 0) for row in rows}


def in_play_totals(db: State, now: int) -> tuple[int, int]:
    """(orders in play, of which overdue) over every site (for /metrics)."""
    counts = in_play_by_site(db, now).values()
    return sum(n for n, _ in counts), sum(late for _, late in counts)


def waiting_by_site(db: State, now: int) -> dict[str, tuple[int, int]]:
    """{site: (orders done and waiting to be verified, orders overdue)}: one grouped query for
    the operator's queue."""
    rows = db.execute(
        f"SELECT site_id, SUM(CASE WHEN state = 'resolved' THEN 1 ELSE 0 END) AS done, "
        f"SUM(CASE WHEN {OVERDUE} THEN 1 ELSE 0 END) AS late FROM work_orders "
        "WHERE state IN ('open', 'acknowledged', 'reopened', 'resolved') GROUP BY site_id",
        {"now": now},
    )
    return {row["site_id"]: (row["done"] or 0, row["late"] or 0) for row in rows}


def transitions(db: State, order_id: str):
    return db.execute(
        "SELECT * FROM work_order_transitions WHERE work_order_id = :id ORDER BY id", {"id": order_id}
    ).fetchall()


def linked_alerts(db: State, order_id: str):
    """The alerts the order covers (the links are this module's, the alerts the lifecycle's)."""
    ids = [
        row["alert_id"]
        for row in db.execute(
            "SELECT alert_id FROM work_order_alerts WHERE work_order_id = :id ORDER BY alert_id",
            {"id": order_id},
        )
    ]
    return lifecycle.alerts_by_id(db, ids)


def linked_order(db: State, alert_id: int):
    return db.execute(
        "SELECT o.* FROM work_orders o JOIN work_order_alerts l ON l.work_order_id = o.id "
        "WHERE l.alert_id = :id ORDER BY o.opened_at DESC LIMIT 1",
        {"id": alert_id},
    ).fetchone()


def link_alert(db: State, order_id: str, alert_id: int, now: int) -> None:
    db.execute(
        "INSERT INTO work_order_alerts (work_order_id, alert_id, linked_at) VALUES (:order, :alert, :now) "
        "ON CONFLICT DO NOTHING",
        {"order": order_id, "alert": alert_id, "now": now},
    )


def transition(
    db: State, order_id: str, old: str | None, new: str, note: str, actor: str, at: int, said: tuple = ()
) -> None:
    """One state change: a person's note and what the service said of it (sentences,
    work_orders/said.py), kept in English (`note`, the command line's) and as data (`said`)."""
    record = Record(tuple(said), note)
    db.execute(
        "INSERT INTO work_order_transitions (work_order_id, old_state, new_state, note, said, actor, at) "
        "VALUES (:order, :old, :new, :note, :said, :actor, :at)",
        {
            "order": order_id,
            "old": old,
            "new": new,
            "note": str(record),
            "said": record.dumps(),
            "actor": actor,
            "at": at,
        },
    )


def _next_id(db: State, now: int, tz) -> str:
    prefix = datetime.fromtimestamp(now, tz).strftime("WO-%Y%m-")
    # Read from an index, not by scanning every order: SQLite compares the id bytewise, so the
    # month is a range of its primary key ("WO-202610-" up to "WO-202610."); PostgreSQL's
    # collation is not bytewise, and migration 0002 gives LIKE a pattern index instead.
    where = "id LIKE :pattern" if db.dialect == "postgresql" else "id >= :prefix AND id < :after"
    last = db.execute(
        f"SELECT MAX(id) FROM work_orders WHERE {where}",
        {"pattern": prefix + "%", "prefix": prefix, "after": prefix[:-1] + "."},
    ).scalar()
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def count(db: State) -> int:
    return db.execute("SELECT COUNT(*) FROM work_orders").scalar()


def threaded(db: State, order_id: str, thread: str | None) -> None:
    """The order's first email went out as `thread`: every later one replies in it."""
    db.execute(
        "UPDATE work_orders SET thread_id = :thread WHERE id = :id", {"thread": thread, "id": order_id}
    )


def page(
    db: State,
    site_ids,
    after: str | None,
    limit: int,
    states=None,
    contractor: str | None = None,
    since=None,
    until=None,
) -> list:
    """Orders of `site_ids` by number after the cursor (the read API): in one of `states`, of
    one contractor, opened within [since, until), where given."""
    params = {
        "sites": list(site_ids),
        "states": list(states or ()),
        "contractor": contractor,
        "since": since,
        "until": until,
    }
    where = ["site_id IN :sites"] + (["state IN :states"] if states else [])
    if contractor:
        where.append("contractor = :contractor")
    where += [c for c, v in (("opened_at >= :since", since), ("opened_at < :until", until)) if v is not None]
    return paged(db, "work_orders", where, params, "id", after, limit)
