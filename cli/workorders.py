"""`wastewatch workorders | maintenance`: operators' commands on work orders and windows."""

import json
import time

from wastewatch.alerts import windows
from wastewatch.alerts.context import Context
from wastewatch.config import Config
from wastewatch.config.i18n import Record
from wastewatch.config.text import counted, printable
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.work_orders import WorkOrderError
from wastewatch.store.state import connect

from .common import CommandError, known, local, subcommand
from .options import add_by

ORDER_ID = "the work order's number, e.g. WO-202610-0001"

LIST_STATES = {
    "in-play": work_orders.IN_PLAY,
    "all": ("open", "acknowledged", "resolved", "reopened", "closed", "cancelled"),
}


def add_commands(command) -> None:
    wo = command(
        "workorders",
        None,
        "work orders: list, show, open, verify (销号), reopen, cancel, assign",
        config=False,
    ).add_subparsers(title="workorders commands")
    listing = subcommand(wo, "list", workorders_list, "work orders, overdue first, then by deadline")
    listing.add_argument(
        "--state",
        default="in-play",
        choices=["in-play", "open", "acknowledged", "resolved", "reopened", "closed", "cancelled", "all"],
        help="default: every order not yet closed or cancelled",
    )
    listing.add_argument("--site", help="only this site's orders (its id)")
    listing.add_argument("--contractor", help="only this contractor's orders (its id)")
    listing.add_argument("--overdue", action="store_true", help="only orders past a deadline")
    subcommand(
        wo, "show", workorders_show, "one work order: facts, verification check, alerts, photos, history"
    ).add_argument("id", help=ORDER_ID)
    new = _actor(subcommand(wo, "new", workorders_new, "open a work order by hand (an operator's request)"))
    new.add_argument("--site", required=True, help="the site's id")
    new.add_argument("--summary", required=True, help="what the contractor should do")
    new.add_argument(
        "--kind",
        default="operator_request",
        choices=work_orders.MANUAL_KINDS,
        help="what kind of work (default: operator_request)",
    )
    new.add_argument("--priority", default="normal", choices=work_orders.PRIORITIES, help="default: normal")
    _actor(
        subcommand(
            wo, "ack", workorders_ack, "acknowledge for the contractor (接单), e.g. after a phone call"
        )
    ).add_argument("id", help=ORDER_ID)
    done = _actor(
        subcommand(wo, "done", workorders_done, "report done for the contractor"), note_required=True
    )
    done.add_argument("id", help=ORDER_ID)
    done.add_argument("--visited", help="routine orders: when the site was visited (ISO, local time)")
    done.add_argument("--bottles", default="", help="sampling orders: the sample bottles' labels")
    _actor(
        subcommand(
            wo,
            "verify",
            workorders_verify,
            "verify and close (销号); refused while the readings are not yet back in range",
        )
    ).add_argument("id", help=ORDER_ID)
    _actor(
        subcommand(wo, "reopen", workorders_reopen, "reopen: verification failed"), note_required=True
    ).add_argument("id", help=ORDER_ID)
    _actor(
        subcommand(wo, "cancel", workorders_cancel, "cancel an order, with the reason"), note_required=True
    ).add_argument("id", help=ORDER_ID)
    assign = _actor(subcommand(wo, "assign", workorders_assign, "hand an order to another contractor"))
    assign.add_argument("id", help=ORDER_ID)
    assign.add_argument("--contractor", required=True, help="the new contractor's id")

    mw = command(
        "maintenance", None, "planned stops and maintenance windows per site", config=False
    ).add_subparsers(title="maintenance commands")
    add = subcommand(
        mw, "add", maintenance_add, "register a window: readings inside count as M, alerts are not emailed"
    )
    add.add_argument("--site", required=True, help="the site's id")
    add.add_argument(
        "--kind", default="maintenance", choices=list(windows.KINDS), help="default: maintenance"
    )
    add.add_argument("--from", dest="start", help="ISO time, local by default (default: now)")
    add.add_argument("--until", help="ISO time (default: until 'maintenance end')")
    add.add_argument("--reason", required=True, help="why the site stops; printed in the report")
    add_by(add, "registers it")
    wl = subcommand(mw, "list", maintenance_list, "windows, newest first")
    wl.add_argument("--site", help="only this site's windows (its id)")
    wl.add_argument("--active", action="store_true", help="only windows in force now")
    end = subcommand(mw, "end", maintenance_end, "end a window now")
    end.add_argument("id", type=int, help="the window's number in 'maintenance list'")
    add_by(end, "ends it")


def _actor(parser, note_required: bool = False):
    parser.add_argument(
        "--note",
        required=note_required,
        default="",
        help="what was done or why, kept in the history" + ("" if note_required else " (optional)"),
    )
    add_by(parser)
    return parser


def _act(config: Config, action, *args):
    """Run one work-order action in a transaction; its emails are queued with it."""
    ctx = Context.open(config)
    try:
        with changing(ctx):
            return action(ctx, *args, ctx.now())
    except WorkOrderError as exc:
        raise CommandError(str(exc)) from None
    finally:
        ctx.close()


def _late(order, now: int) -> str:
    late = work_orders.late_text(order, now, "en")
    return f" OVERDUE ({late})" if late else ""


def workorders_list(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    known("contractor", args.contractor, config.contractor_by_id)
    db = connect(config.state_url)
    now = int(time.time())
    states = LIST_STATES.get(args.state, (args.state,))
    rows = work_orders.listing(
        db, now, states, site_id=args.site, contractor=args.contractor, overdue_only=args.overdue, limit=500
    )
    print(f"{counted(len(rows), 'work order')} ({args.state}{', overdue' if args.overdue else ''})")
    for o in rows:
        print(
            f"{o['id']} {o['state']:<12} {o['site_id']:<12} {o['kind']:<24} {o['contractor']:<12} due "
            f"{local(config, o['repair_by'])}{_late(o, now)} | {o['summary']}"
        )


def workorders_show(args, config: Config, when) -> None:
    ctx = Context.open(config)
    try:
        db = ctx.db
        order = work_orders.get(db, args.id)
        if order is None:
            raise CommandError(f"no work order {args.id}; see 'wastewatch workorders list'")
        now = ctx.now()
        for key in ("id", "site_id", "kind", "origin", "priority", "contractor", "state", "summary", "fault"):
            print(f"{key}: {printable(order[key])}")
        for key in (
            "opened_at",
            "acknowledge_by",
            "repair_by",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "cancelled_at",
            "visited_at",
        ):
            print(f"{key}: {local(config, order[key])}")
        if work_orders.is_overdue(order, now):
            print(f"OVERDUE: {work_orders.late_text(order, now, 'en')}")
        if order["checklist"]:
            print("checklist:")
            for question, answer in json.loads(order["checklist"]).items():
                print(f"  {printable(question)}: {printable(answer)}")
        check = work_orders.verification(ctx, order, now)
        if check.checked:
            print(f"verification: {'passes' if check.ok else 'not yet'}")
            for line in check.facts + check.problems:
                print(f"  {line}")
        for alert in work_orders.linked_alerts(db, order["id"]):
            print(
                f"alert {alert['id']}: {alert['rule']} {alert['metric']} {alert['state']} "
                f"since {local(config, alert['since'])}"
            )
        for photo in work_orders.attachments(db, order["id"]):
            print(
                f"photo: {config.data_dir / photo['path']} ({photo['content_type']}, {photo['bytes']} bytes, "
                f"by {printable(photo['uploaded_by'])} at {local(config, photo['uploaded_at'])})"
            )
        print("history:")
        for t in work_orders.transitions(db, order["id"]):
            # What a contractor typed, escaped: a CR or LF in it would forge a history line.
            print(
                f"  {local(config, t['at'])} {t['old_state'] or '-'} → {t['new_state']} by "
                f"{printable(t['actor'])}: "
                f"{printable(t['note'])}"
            )
    finally:
        ctx.close()


def workorders_new(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    order = _act(
        config,
        lambda ctx, now: work_orders.open_order(
            ctx,
            args.site,
            args.kind,
            "manual",
            args.summary,
            now,
            args.by,
            priority=args.priority,
            note=args.note,
        ),
    )
    print(
        f"work order {order['id']} opened for {order['contractor']}, due {local(config, order['repair_by'])}"
    )


def workorders_ack(args, config: Config, when) -> None:
    _act(config, work_orders.acknowledge, args.id, args.by, args.note)
    print(f"work order {args.id} acknowledged by {args.by}")


def workorders_done(args, config: Config, when) -> None:
    visited = int(when(args.visited).timestamp()) if args.visited else None
    _act(
        config,
        lambda ctx, now: work_orders.done(
            ctx, args.id, args.by, args.note, now, visited_at=visited, bottles=args.bottles
        ),
    )
    print(f"work order {args.id} reported done by {args.by}; an operator verifies it next")


def workorders_verify(args, config: Config, when) -> None:
    order = _act(config, work_orders.verify, args.id, args.by, args.note)
    print(f"work order {order['id']} verified and closed (销号) by {args.by}")
    closing = work_orders.transitions(connect(config.state_url), order["id"])[-1]
    for sentence in Record.loads(closing["said"]).sentences:  # what the readings said, as recorded
        print(sentence)


def workorders_reopen(args, config: Config, when) -> None:
    order = _act(config, work_orders.reopen, args.id, args.by, args.note)
    print(f"work order {order['id']} reopened; due {local(config, order['repair_by'])}")


def workorders_cancel(args, config: Config, when) -> None:
    _act(config, work_orders.cancel, args.id, args.by, args.note)
    print(f"work order {args.id} cancelled")


def workorders_assign(args, config: Config, when) -> None:
    known("contractor", args.contractor, config.contractor_by_id)
    _act(config, lambda ctx, now: work_orders.assign(ctx, args.id, args.contractor, args.by, args.note, now))
    print(f"work order {args.id} assigned to {args.contractor}")


def maintenance_add(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    now = int(time.time())
    start = int(when(args.start).timestamp()) if args.start else now
    until = int(when(args.until).timestamp()) if args.until else None
    try:
        window_id = windows.add(
            connect(config.state_url), args.site, args.kind, start, until, args.reason, args.by, now
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(
        f"maintenance window {window_id}: {args.site} {args.kind} from {local(config, start)}"
        + (f" until {local(config, until)}" if until else " until ended")
    )


def maintenance_list(args, config: Config, when) -> None:
    known("site", args.site, config.site_by_id)
    rows = windows.listing(connect(config.state_url), args.site, int(time.time()) if args.active else None)
    print(counted(len(rows), "maintenance window"))
    for w in rows:
        print(
            f"{w['id']:>4} {w['site_id']:<12} {w['kind']:<13} {local(config, w['starts_at'])} → "
            f"{local(config, w['ends_at']) if w['ends_at'] else 'open'} by {w['created_by']}: {w['reason']}"
        )


def maintenance_end(args, config: Config, when) -> None:
    try:
        ended = windows.end(connect(config.state_url), args.id, args.by, int(time.time()))
    except (LookupError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(f"maintenance window {args.id} ended at {local(config, ended)}")
