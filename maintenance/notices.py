"""Work-order emails: the order itself, reminders, escalations, updates, the daily digest and
unplanned-stop reports, each rendered from its templates (alerts/templates/<locale>/) and
queued in the outbox inside the caller's transaction.

Emails the contractor acts on carry fresh signed links (links.py); every email about an
order replies in its thread.
"""

import json

from wastewatch.alerts import outbox
from wastewatch.alerts.mail import WORK_ORDER_KINDS, Mail
from wastewatch.alerts.messages import make_message

from .links import Links

STATES = {
    "open": ("待接单", "open"),
    "acknowledged": ("已接单", "acknowledged"),
    "resolved": ("已完成待核验", "done, to verify"),
    "closed": ("已销号", "closed"),
    "reopened": ("已重新打开", "reopened"),
    "cancelled": ("已取消", "cancelled"),
}
ORIGINS = {"alert": ("告警", "alert"), "schedule": ("计划", "schedule"), "manual": ("人工", "manual")}
PRIORITIES = {"high": ("高", "high"), "normal": ("中", "normal"), "low": ("低", "low")}


class Notices(Mail):
    def __init__(self, ctx):
        super().__init__(ctx)
        self.links = Links(ctx.config)

    def order_context(self, order, now: int, links: bool = False) -> dict:
        from . import work_orders

        db = self.ctx.db
        site = self.ctx.config.site_by_id[order["site_id"]]
        alert = (
            db.execute("SELECT * FROM alerts WHERE id = :id", {"id": order["alert_id"]}).fetchone()
            if order["alert_id"]
            else None
        )
        context = self.context(alert) if alert is not None else {}
        overdue = work_orders.is_overdue(order, now)
        context.update(
            {
                "has_alert": alert is not None,
                "site": site,
                "contractor": self.ctx.config.contractor_by_id.get(order["contractor"]),
                "work_order": {
                    **dict(order),
                    "kind_label": self._pick(WORK_ORDER_KINDS[order["kind"]]),
                    "state_label": self._pick(STATES[order["state"]]),
                    "origin_label": self._pick(ORIGINS[order["origin"]]),
                    "priority_label": self._pick(PRIORITIES.get(order["priority"], (order["priority"],) * 2)),
                    "acknowledge_by_local": self.local(order["acknowledge_by"]),
                    "repair_by_local": self.local(order["repair_by"]),
                    "opened_local": self.local(order["opened_at"]),
                    "visited_local": self.local(order["visited_at"]),
                    "overdue": overdue,
                    "routine": order["kind"] in work_orders.ROUTINE,
                    "checklist": json.loads(order["checklist"]) if order["checklist"] else {},
                },
                "deadlines": {
                    "citation": self.ctx.rules.work_orders.citation,
                    "verified": self.ctx.rules.work_orders.verified,
                },
                "links": None,
            }
        )
        if links:
            issue = self.links.issue
            context["links"] = {
                "acknowledge": issue(db, order["id"], "acknowledge", now)
                if order["state"] in ("open", "reopened")
                else None,
                "done": issue(db, order["id"], "done", now) if order["state"] in work_orders.ACTIVE else None,
                "valid_until": self.local(now + self.links.ttl_s),
            }
        return context

    def order(self, order, reason: str, now: int, note: str = "") -> str:
        """The order to its contractor (Cc the site's operators), with links; returns Message-ID."""
        context = self.order_context(order, now, links=True)
        context.update(reason=reason, note=note)
        return self._send(
            "work-order",
            context,
            order,
            to=[context["contractor"].email],
            cc=context["site"].operators,
            now=now,
            idstring=f"wo.{order['id']}.{reason}",
        )

    def reminder(self, order, deadline: str, now: int) -> None:
        context = self.order_context(order, now, links=True)
        context["deadline"] = deadline
        self._send(
            "work-order-reminder",
            context,
            order,
            to=[context["contractor"].email],
            now=now,
            idstring=f"wo.{order['id']}.remind-{deadline}",
        )

    def escalation(self, order, deadline: str, now: int) -> None:
        """A missed deadline: to the site's operators and the bureau, Cc the contractor."""
        context = self.order_context(order, now)
        context.update(deadline=deadline, bureau=self.ctx.config.bureau)
        to = list(context["site"].operators) + list(self.ctx.config.bureau.emails)
        self._send(
            "work-order-escalation",
            context,
            order,
            to=to,
            cc=[context["contractor"].email],
            now=now,
            idstring=f"wo.{order['id']}.escalate-{deadline}",
        )

    def update(self, order, event: str, note: str, actor: str, now: int) -> None:
        """Done → the operators verify; closed or cancelled → the contractor learns it."""
        context = self.order_context(order, now)
        context.update(event=event, note=note, actor=actor)
        operators, contractor = list(context["site"].operators), [context["contractor"].email]
        to, cc = (operators, contractor) if event == "resolved" else (contractor, operators)
        self._send(
            "work-order-update", context, order, to=to, cc=cc, now=now, idstring=f"wo.{order['id']}.{event}"
        )

    def digest(self, contractor, orders, day: str, now: int) -> None:
        items = [self.order_context(order, now, links=True) for order in orders]
        context = {
            "contractor": contractor,
            "orders": items,
            "day": day,
            "overdue": sum(1 for item in items if item["work_order"]["overdue"]),
        }
        message = make_message(
            "work-order-digest",
            self.locale,
            context,
            to=[contractor.email],
            sender=self.ctx.config.smtp.sender,
            idstring=f"digest.{contractor.id}.{day}",
        )
        outbox.enqueue(
            self.ctx.db,
            "work-order-digest",
            f"digest:{contractor.id}:{day}",
            [contractor.email],
            message,
            now,
        )

    def unplanned_stop(self, alert, now: int) -> None:
        """A stop outside any planned window, longer than the rules allow: the bureau is told."""
        context = self.context(alert)
        context.update(
            bureau=self.ctx.config.bureau,
            now_local=self.local(now),
            hours=round((alert["last_seen"] - alert["since"]) / 3600, 1),
        )
        site = context["site"]
        to = list(self.ctx.config.bureau.emails) or list(site.operators)
        message = make_message(
            "unplanned-stop",
            self.locale,
            context,
            to=to,
            cc=[] if to == site.operators else site.operators,
            sender=self.ctx.config.smtp.sender,
            thread=alert["thread_id"],
            idstring=f"alert{alert['id']}.unplanned-stop",
        )
        outbox.enqueue(
            self.ctx.db,
            "unplanned-stop",
            f"alert:{alert['id']}",
            to + [a for a in site.operators if a not in to],
            message,
            now,
        )

    def _send(
        self, name: str, context: dict, order, to: list[str], now: int, idstring: str, cc: list[str] = ()
    ) -> str:
        to = list(dict.fromkeys(to))
        cc = [a for a in dict.fromkeys(cc) if a not in to]
        message = make_message(
            name,
            self.locale,
            context,
            to=to,
            cc=cc,
            sender=self.ctx.config.smtp.sender,
            thread=order["thread_id"],
            idstring=idstring,
        )
        outbox.enqueue(self.ctx.db, name, f"work_order:{order['id']}", to + cc, message, now)
        return message["Message-ID"]
