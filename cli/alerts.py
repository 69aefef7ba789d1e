"""`wastewatch check | alerts | outbox`: operators' commands on alert state."""

import json
import time

from wastewatch.alerts import lifecycle, said
from wastewatch.alerts.context import Context
from wastewatch.alerts.lifecycle import get_alert
from wastewatch.config import Config
from wastewatch.config.text import counted, printable
from wastewatch.jobs.cycles import DayClose, Evaluation
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.sla import Sweep
from wastewatch.notify import outbox
from wastewatch.notify.outbox import Sender, retry
from wastewatch.store.state import connect

from .common import CommandError, configured, local, subcommand
from .options import add_by


def add_commands(command) -> None:
    """Register the subcommands; `command(name, handler, help)` comes from cli.main."""
    check = command(
        "check",
        configured(check_once),
        "run one evaluation cycle and day close, print what opened and resolved",
    )
    check.add_argument("--at", help="evaluate as of this ISO time (local time by default); default: now")

    alerts = command("alerts", None, "list, show, acknowledge and resolve alerts", config=False)
    sub = alerts.add_subparsers(title="alerts commands")
    subcommand(sub, "list", alerts_list, "list alerts, open ones first").add_argument(
        "--state",
        choices=["open", "firing", "acknowledged", "resolved", "all"],
        default="open",
        help="which alerts (default: open, i.e. firing or acknowledged)",
    )
    subcommand(sub, "show", alerts_show, "one alert with its history").add_argument(
        "id", type=int, help="the alert's number"
    )
    ack = subcommand(sub, "ack", alerts_ack, "acknowledge an alert (stops reminders)")
    ack.add_argument("id", type=int, help="the alert's number")
    ack.add_argument("--note", default="", help="why, or what is being done")
    add_by(ack, "acknowledges it")
    res = subcommand(sub, "resolve", alerts_resolve, "resolve an alert by hand, with a note")
    res.add_argument("id", type=int, help="the alert's number")
    res.add_argument("--note", required=True, help="why it is resolved by hand")
    add_by(res, "resolves it")

    out = command("outbox", None, "the outbox of emails and chat messages", config=False).add_subparsers(
        title="outbox commands"
    )
    subcommand(
        out, "list", outbox_list, "queued, sent, failed and folded messages with their last error"
    ).add_argument(
        "--status",
        choices=["pending", "sent", "failed", "folded", "all"],
        default="all",
        help="which messages (default: all; folded: chat messages carried by a digest)",
    )
    subcommand(out, "send", outbox_send, "send every due email now, once")
    subcommand(out, "retry", outbox_retry, "queue a failed email again").add_argument(
        "id", type=int, help="the email's number in 'outbox list'"
    )


def check_once(args, config: Config, when) -> None:
    at = int(when(args.at).timestamp()) if args.at else None
    ctx = Context.open(config, clock=(lambda: at) if at else time.time)
    try:
        now = ctx.now()
        result = Evaluation(ctx).run(now)
        daily = DayClose(ctx).run(now)
        sweep = Sweep(ctx).run(now)
        queued = outbox.pending_count(ctx.db)
    finally:
        ctx.close()
    print(f"checked {counted(len(config.sites), 'site')} as of {local(config, now)}")
    for part in (result, daily):
        for alert in part.opened:
            print(
                f"opened   alert {alert['id']}: {alert['site_id']} {alert['rule']} {alert['metric']}".rstrip()
                + _value(alert)
            )
        for alert in part.resolved:
            print(
                f"resolved alert {alert['id']}: {alert['site_id']} {alert['rule']} {alert['metric']}".rstrip()
            )
        for order in part.work_orders:
            print(f"opened   work order {order['id']}: {order['summary']}")
    for order in sweep.routine:
        print(f"opened   work order {order['id']}: {order['summary']}")
    if sweep.reminders or sweep.escalations or sweep.stop_reports or sweep.digests:
        print(
            f"work orders: {counted(sweep.reminders, 'reminder')}, "
            f"{counted(sweep.escalations, 'escalation')}, "
            f"{counted(sweep.stop_reports, 'unplanned-stop report')}, {counted(sweep.digests, 'digest')}"
        )
    failed = result.failed_sites + daily.failed_sites + sweep.failed
    if failed:
        print(f"failed sites (see the log): {', '.join(sorted(set(failed)))}")
    print(
        f"{counted(result.reminders, 'reminder')}; {counted(queued, 'email')} "
        f"{'is' if queued == 1 else 'are'} waiting in the outbox"
    )


def alerts_list(args, config: Config, when) -> None:
    rows = lifecycle.listing(connect(config.state_url), args.state)
    print(f"{counted(len(rows), 'alert')} ({args.state})")
    for a in rows:
        print(
            f"{a['id']:>5} {a['state']:<12} {a['severity']:<8} {a['site_id']:<12} {a['rule']:<18} "
            f"{a['metric'] or '-':<12} since {local(config, a['since'])}{_value(a)}"
        )


def alerts_show(args, config: Config, when) -> None:
    db = connect(config.state_url)
    alert = _alert(db, args.id)
    for key in ("id", "site_id", "rule", "metric", "kind", "severity", "state"):
        print(f"{key}: {alert[key]}")
    for key in ("opened_at", "since", "last_seen", "resolved_at", "notified_at"):
        print(f"{key}: {local(config, alert[key])}")
    print(f"value: {_number(alert['value'])}  peak: {_number(alert['peak'])}")
    detail = json.loads(alert["detail"])
    if detail:
        print("detail:")
        for key, value in detail.items():
            print(f"  {key}: {_fact(value)}")
    order = work_orders.linked_order(db, alert["id"])
    if order:
        print(f"work order: {order['id']} ({order['state']})")
    print("history:")
    for t in lifecycle.history(db, alert["id"]):
        print(
            f"  {local(config, t['at'])} {t['old_state'] or '-'} → {t['new_state']} by "
            f"{printable(t['actor'])}: "
            f"{printable(t['reason'])}"
        )


def alerts_ack(args, config: Config, when) -> None:
    ctx = Context.open(config)
    try:
        with changing(ctx):
            lifecycle.acknowledge(ctx.db, args.id, args.by, args.note, int(time.time()))
    except lifecycle.AlertError as exc:
        raise CommandError(str(exc)) from None
    print(f"alert {args.id} acknowledged by {args.by}")


def alerts_resolve(args, config: Config, when) -> None:
    ctx = Context.open(config)
    try:
        with changing(ctx):
            alert = _alert(ctx.db, args.id)
            if alert["state"] == "resolved":
                raise CommandError(f"alert {args.id} is already resolved")
            lifecycle.resolve(ctx.db, alert, ctx.now(), said.by_hand(args.note), args.by)
    finally:
        ctx.close()
    print(f"alert {args.id} resolved by {args.by}; the operators are emailed")


def outbox_list(args, config: Config, when) -> None:
    rows = outbox.listing(connect(config.state_url), args.status)
    print(f"{counted(len(rows), 'email')} ({args.status})")
    for m in rows:
        line = (
            f"{m['id']:>5} {m['status']:<8} attempts {m['attempts']} {m['kind']:<15} "
            f"to {', '.join(json.loads(m['recipients'])) or 'channel ' + str(m['channel'])}: {m['subject']}"
        )
        if m["status"] == "sent":
            line += f" | sent {local(config, m['sent_at'])}"
        elif m["status"] == "pending" and m["attempts"]:
            line += f" | next try {local(config, m['next_attempt_at'])}"
        elif m["status"] == "folded":
            line += f" | in digest {m['folded_into']}"
        if m["last_error"]:
            line += f" | last error: {m['last_error']}"
        print(line)


def outbox_send(args, config: Config, when) -> None:
    db = connect(config.state_url)
    sender = Sender(config, db)
    sent, failed = sender.run_once()
    print(f"sent {counted(sent, 'email')}")
    if failed:
        smtp = config.smtp
        raise CommandError(
            f"{counted(failed, 'email')} could not be sent through the mail server {smtp.host}:{smtp.port} "
            f"({sender.last_error}); each stays queued or failed, see 'wastewatch outbox list'"
        )


def outbox_retry(args, config: Config, when) -> None:
    if not retry(connect(config.state_url), args.id):
        raise CommandError(f"email {args.id} is not a failed email")
    print(f"email {args.id} queued again")


def _alert(db, alert_id: int):
    alert = get_alert(db, alert_id)
    if alert is None:
        raise CommandError(f"no alert {alert_id}; see 'wastewatch alerts list'")
    return alert


def _number(value) -> str:
    """A figure for people: six significant digits, not the float's every digit."""
    if value is None:
        return "-"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _fact(value) -> str:
    """One detail of an alert on one line: a limit as its text, lists and numbers plainly."""
    if isinstance(value, dict):
        if "high" in value:
            low = f"{_number(value['low'])}–" if value.get("low") is not None else ""
            source = f"{value.get('standard', '')} {value.get('grade_label', '')}".strip()
            return f"{low}{_number(value['high'])}" + (f" ({source})" if source else "")
        return ", ".join(f"{k} {_fact(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_fact(v) for v in value)
    return printable(_number(value))


def _value(alert) -> str:
    if alert["value"] is None:
        return ""
    limit = json.loads(alert["detail"]).get("limit")
    return f" value {alert['value']:g}" + (f" (limit {limit['high']:g})" if limit else "")
