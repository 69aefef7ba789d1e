"""Work orders: the county's 问题销号 loop, from a problem found to an operator crossing it off.

open → acknowledged (contractor 接单) → resolved (contractor reports done) → closed (operator
verifies, 销号); reopened when verification fails or the same fault comes back within
`reopen_within_s` of closing; cancelled by an operator with a reason. Every change is a row in
`work_order_transitions`; nothing is deleted. An order in play for a site and fault absorbs
the fault's new alerts instead of opening a second order.

Every function here runs inside the caller's transaction (`store.state.transaction`) and queues
its emails in the outbox within it, so an order, its transitions and its emails commit together.
Ids are `WO-YYYYMM-NNNN`, numbered per local month of opening.
"""

from .moves import (
    MOVES,
    PRIORITY,
    acknowledge,
    assign,
    attach_alert,
    cancel,
    done,
    escalate,
    for_alert,
    open_order,
    remind,
    reopen,
    verification,
    verify,
)
from .records import (
    ACTIVE,
    DEADLINES,
    IN_PLAY,
    MANUAL_KINDS,
    OVERDUE,
    PRIORITIES,
    ROUTINE,
    WorkOrderError,
    attach_photo,
    attachments,
    closed_between,
    count,
    escalations_due,
    get,
    get_or_fail,
    in_play_by_site,
    is_overdue,
    link_alert,
    linked_alerts,
    linked_order,
    listing,
    missed,
    reminders_due,
    routine_periods,
    transition,
    transitions,
)

__all__ = [
    "ACTIVE",
    "DEADLINES",
    "IN_PLAY",
    "MANUAL_KINDS",
    "MOVES",
    "OVERDUE",
    "PRIORITY",
    "PRIORITIES",
    "ROUTINE",
    "WorkOrderError",
    "acknowledge",
    "assign",
    "attach_alert",
    "attach_photo",
    "attachments",
    "cancel",
    "closed_between",
    "count",
    "done",
    "escalate",
    "escalations_due",
    "for_alert",
    "get",
    "get_or_fail",
    "in_play_by_site",
    "is_overdue",
    "link_alert",
    "linked_alerts",
    "linked_order",
    "listing",
    "missed",
    "open_order",
    "remind",
    "reminders_due",
    "reopen",
    "routine_periods",
    "transition",
    "transitions",
    "verification",
    "verify",
]
