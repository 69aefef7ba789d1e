"""The work-order sweep, run by the scheduler: reminders, escalations, routine orders,
unplanned-stop reports and the contractors' daily digest.

Everything is decided from the database and the clock passed in, so a run after downtime
catches up (a digest that was due at 08:00 goes out at the first run after it) and a run that
is repeated does nothing twice: each reminder, escalation, report and digest is recorded when
it is queued, in the same transaction as its email.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from wastewatch.alerts import lifecycle
from wastewatch.alerts.context import Context
from wastewatch.alerts.windows import Windows
from wastewatch.store.state import transaction

from . import inspections, lab, work_orders
from .notices import Notices, routine_subject
from .reaction import changing

log = logging.getLogger("wastewatch.workorders")
SITES_PER_COMMIT = 100
# About 4 ms each on SQLite (rendering and storing the email), 8 ms with the state on
# PostgreSQL (nine statements, each a round trip): 100 keep a run under a second on either, and
# 1,000 sites' orders open within ten runs (ten minutes), days before they are due.
ROUTINE_PER_RUN = 100


@dataclass
class SweepResult:
    reminders: int = 0
    escalations: int = 0
    routine: list = field(default_factory=list)  # orders opened
    stop_reports: int = 0
    digests: int = 0
    failed: list = field(default_factory=list)  # parts that threw

    def changed(self) -> bool:
        return bool(self.reminders or self.escalations or self.routine or self.stop_reports or self.digests)


class Sweep:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def run(self, now: int) -> SweepResult:
        result = SweepResult()
        for part in (self._deadlines, self._routine, self._unplanned_stops, self._digests):
            try:
                part(now, result)
            except Exception:  # noqa: BLE001 — one part failing must not stop the others
                log.exception("work-order sweep: %s failed; retried next run", part.__name__.strip("_"))
                result.failed.append(part.__name__.strip("_"))
        return result

    def _deadlines(self, now: int, result: SweepResult) -> None:
        ctx = self.ctx
        with changing(ctx):
            for deadline in work_orders.DEADLINES:
                # A reminder at reminder_at of the deadline, unless the deadline has passed.
                for order in work_orders.reminders_due(
                    ctx.db, deadline, ctx.rules.work_orders.reminder_at, now
                ):
                    work_orders.remind(ctx, order, deadline, now)
                    result.reminders += 1
                for order in work_orders.escalations_due(ctx.db, deadline, now):
                    work_orders.escalate(ctx, order, deadline, now)
                    log.info("work order %s escalated: %s deadline missed", order["id"], deadline)
                    result.escalations += 1
            # A sampling visit whose laboratory results never arrived: overdue like a missed visit.
            for sample in lab.records.overdue(ctx.db, now):
                order = work_orders.get(ctx.db, sample["work_order_id"])
                if order is None:
                    continue
                work_orders.results_overdue(ctx, order, sample, now)
                log.info("work order %s escalated: sample %d results overdue", order["id"], sample["id"])
                result.escalations += 1

    def _routine(self, now: int, result: SweepResult) -> None:
        """Open each site's routine inspection and sampling orders when their period opens."""
        ctx = self.ctx
        if not ctx.rules.inspections.enabled:
            return
        db, notices = ctx.db, Notices(ctx)
        existing = work_orders.routine_periods(db, now)
        pending = []
        for site in ctx.config.sites:
            for kind in work_orders.ROUTINE:
                due = inspections.due(ctx, site, kind, now)
                if due and now >= due[0] and (site.id, kind, due[1]) not in existing:
                    pending.append((site, kind, due[1]))
        # Soonest due first, at most ROUTINE_PER_RUN a run: every site shares the calendar, so a
        # period boundary would otherwise open (and email) an order at every site in one run.
        pending.sort(key=lambda p: p[2])
        pending = pending[:ROUTINE_PER_RUN]
        for first in range(0, len(pending), SITES_PER_COMMIT):
            with changing(ctx):
                for site, kind, due_at in pending[first : first + SITES_PER_COMMIT]:
                    every = ctx.rules.inspections.for_site(kind, site.capacity_m3d).every
                    last_day = notices.local(due_at - 1)[:10]
                    summary = routine_subject(kind, every, notices.locale)
                    result.routine.append(
                        work_orders.open_order(
                            ctx,
                            site.id,
                            kind,
                            "schedule",
                            summary,
                            now,
                            "schedule",
                            due_at=due_at,
                            said=(work_orders.said.routine(every, last_day),),
                        )
                    )

    def _unplanned_stops(self, now: int, result: SweepResult) -> None:
        """A plant stopped (zero flow, or a pump or blower off) outside any planned window for
        longer than the rules allow is reported to the bureau, once per alert."""
        db = self.ctx.db
        after = self.ctx.rules.work_orders.unplanned_stop_report_after_s
        windows, notices = Windows(db), Notices(self.ctx)
        with transaction(db):
            for alert in lifecycle.unreported_stops(db, after):
                if windows.covering(alert["site_id"], alert["last_seen"]):
                    continue
                notices.unplanned_stop(alert, now)
                lifecycle.stop_reported(db, alert["id"], now)
                result.stop_reports += 1

    def _digests(self, now: int, result: SweepResult) -> None:
        ctx = self.ctx
        local = datetime.fromtimestamp(now, ctx.config.tz)
        if local.strftime("%H:%M") < ctx.rules.work_orders.digest_at:
            return
        day = local.date().isoformat()
        db = ctx.db
        sent = {
            r["contractor"]
            for r in db.execute("SELECT contractor FROM digests WHERE day = :day", {"day": day})
        }
        for contractor in ctx.config.contractors:
            if contractor.id in sent:
                continue
            with transaction(db):
                orders = work_orders.listing(
                    db, now, states=work_orders.ACTIVE, contractor=contractor.id, limit=500
                )
                if orders:
                    Notices(ctx).digest(contractor, orders, day, now)
                    result.digests += 1
                db.execute(
                    "INSERT INTO digests (contractor, day, orders, sent_at) "
                    "VALUES (:contractor, :day, :orders, :now)",
                    {"contractor": contractor.id, "day": day, "orders": len(orders), "now": now},
                )
