"""Work-order emails: the order itself, reminders, escalations, updates, the daily digest and
unplanned-stop reports, each rendered from its templates (notify/templates/<locale>/) and
queued in the outbox inside the caller's transaction.

Emails the contractor acts on carry fresh signed links (links.py); every email about an
order replies in its thread.
"""

import json
from functools import cached_property

from wastewatch.alerts import lifecycle
from wastewatch.alerts.context import Context
from wastewatch.alerts.mail import WORK_ORDER_KINDS, Mail
from wastewatch.config.i18n import N_, gettext
from wastewatch.notify import About, notify

from .links import Links
from .work_orders import said
from .work_orders.records import ROUTINE as ROUTINE_KINDS
from .work_orders.records import STATES  # noqa: F401 - the states' names, where pages found them

ORIGINS = {
    "alert": N_("alert"),
    "schedule": N_("schedule"),
    "manual": N_("manual"),
}
PRIORITIES = {
    "high": N_("high"),
    "normal": N_("normal"),
    "low": N_("low"),
}


def subject(ctx: Context, order, locale: str) -> str:
    """An order's subject in `locale`: what the service wrote it from, said again in the
    reader's language (a fault's alert, a routine visit's kind and period); a person's words
    as they wrote them. The stored subject is already in the service's language."""
    if locale == ctx.config.service.locale:
        return order["summary"]
    if order["origin"] == "alert" and order["alert_id"]:
        alert = lifecycle.get_alert(ctx.db, order["alert_id"])
        if alert is not None:
            return Mail(ctx, locale).describe_alert(alert)
    if order["origin"] == "schedule" and order["kind"] in ROUTINE_KINDS:
        site = ctx.config.site_by_id.get(order["site_id"])
        if site is not None:
            every = ctx.rules.inspections.for_site(order["kind"], site.capacity_m3d).every
            return routine_subject(order["kind"], every, locale)
    return order["summary"]


def routine_subject(kind: str, every: str, locale: str) -> str:
    """ "例行巡检（每两周）": the deadline is said once, where every order shows it."""
    return gettext(locale, N_("%(kind)s (%(every)s)")) % {
        "kind": gettext(locale, WORK_ORDER_KINDS[kind]),
        "every": said.every(every).text(locale),
    }


class Notices(Mail):
    @cached_property
    def links(self) -> Links:
        """Link signing, made when an email first carries links (it may write the key)."""
        return Links(self.ctx.config)

    def order_context(self, order, now: int, links: bool = False) -> dict:
        from . import work_orders

        db = self.ctx.db
        site = self.ctx.config.site_by_id[order["site_id"]]
        alert = lifecycle.get_alert(db, order["alert_id"]) if order["alert_id"] else None
        context = self.context(alert) if alert is not None else {}
        marks = work_orders.late_by_deadline(order, now, self.locale)
        context.update(
            {
                "has_alert": alert is not None,
                "site": site,
                "contractor": self.ctx.config.contractor_by_id.get(order["contractor"]),
                "work_order": {
                    **dict(order),
                    "kind_label": self.gettext(WORK_ORDER_KINDS[order["kind"]]),
                    "state_label": self.gettext(STATES[order["state"]]),
                    "origin_label": self.gettext(ORIGINS[order["origin"]]),
                    "priority_label": self.gettext(PRIORITIES.get(order["priority"], order["priority"])),
                    "acknowledge_by_local": self.local(order["acknowledge_by"]),
                    "repair_by_local": self.local(order["repair_by"]),
                    "opened_local": self.local(order["opened_at"]),
                    "visited_local": self.local(order["visited_at"]),
                    "console_url": f"{self.ctx.config.web.url}/orders/{order['id']}",
                    "overdue": any(marks.values()),  # either deadline: counted in the digest
                    "ack_late": marks["acknowledge"],
                    "repair_late": marks["repair"],
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
        return self._to_contractor(
            "work-order", order, now, f"wo.{order['id']}.{reason}", True, reason=reason, note=note
        )

    def reminder(self, order, deadline: str, now: int) -> None:
        self._to_contractor(
            "work-order-reminder", order, now, f"wo.{order['id']}.remind-{deadline}", deadline=deadline
        )

    def chase(self, order, deadline: str, note: str, actor: str, now: int) -> None:
        """催办: the operator's nudge to the contractor (Cc the site's operators), with links."""
        self._to_contractor(
            "work-order-chase",
            order,
            now,
            f"wo.{order['id']}.chase-{now}",
            True,
            deadline=deadline,
            note=note,
            actor=actor,
        )

    def _to_contractor(
        self, name: str, order, now: int, idstring: str, copy_operators: bool = False, **extra
    ) -> str:
        """An email about the order to its contractor, with fresh links (Cc the site's operators
        when `copy_operators`)."""
        context = self.order_context(order, now, links=True)
        context.update(extra)
        return self._send(
            name,
            context,
            order,
            to=[context["contractor"].email],
            cc=context["site"].operators if copy_operators else (),
            now=now,
            idstring=idstring,
        )

    def escalation(self, order, deadline: str, now: int, sample=None) -> None:
        """A missed deadline: to the site's operators and the bureau, Cc the contractor. For
        "results", the laboratory results of `sample`, a sampling order's."""
        context = self.order_context(order, now)
        context.update(deadline=deadline, bureau=self.ctx.config.bureau)
        if sample is not None:
            context.update(sample_id=sample["id"], results_due_local=self.ctx.local(sample["results_due_at"]))
        to = list(context["site"].operators) + list(self.ctx.config.bureau.emails)
        self._send(
            "work-order-escalation",
            context,
            order,
            to=to,
            cc=[context["contractor"].email],
            now=now,
            idstring=f"wo.{order['id']}.escalate-{deadline}"
            + (f"-{sample['id']}" if sample is not None else ""),
        )

    def update(self, order, event: str, note: str, actor: str, now: int) -> None:
        """Done → the operators verify; closed or cancelled → the contractor learns it."""
        context = self.order_context(order, now)
        # The person the contractor's page recorded ("qingyuan/张师傅"), when one was given.
        context.update(event=event, note=note, actor=actor, reporter=actor.partition("/")[2])
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
        notify(
            self.ctx.db,
            "work-order-digest",
            self.locale,
            context,
            to=[contractor.email],
            sender=self.ctx.config.smtp.sender,
            ref=f"digest:{contractor.id}:{day}",
            now=now,
            idstring=f"digest.{contractor.id}.{day}",
            config=self.ctx.config,
            about=About(contractor=contractor.id),
        )

    def unplanned_stop(self, alert, now: int) -> None:
        """A stop outside any planned window, longer than the rules allow: the bureau is told."""
        context = self.context(alert)
        context.update(
            bureau=self.ctx.config.bureau,
            now_local=self.local(now),
            hours=round((alert["last_seen"] - alert["since"]) / 3600, 1),
        )
        # The bureau, Cc the site's operators (to the operators alone when no bureau is set).
        notify(
            self.ctx.db,
            "unplanned-stop",
            self.locale,
            context,
            to=self.ctx.config.bureau.emails,
            cc=context["site"].operators,
            sender=self.ctx.config.smtp.sender,
            ref=f"alert:{alert['id']}",
            now=now,
            thread=alert["thread_id"],
            idstring=f"alert{alert['id']}.unplanned-stop",
            config=self.ctx.config,
            about=self.about(alert),
        )

    def _send(
        self, name: str, context: dict, order, to: list[str], now: int, idstring: str, cc: list[str] = ()
    ) -> str:
        site = context["site"]
        return notify(
            self.ctx.db,
            name,
            self.locale,
            context,
            to=to,
            cc=cc,
            sender=self.ctx.config.smtp.sender,
            ref=f"work_order:{order['id']}",
            now=now,
            thread=order["thread_id"],
            idstring=idstring,
            config=self.ctx.config,
            about=About(site.id, site.town, order["contractor"]),
        )
