"""What a state change causes: the one step between the lifecycles and their consequences.

The lifecycles (alerts/lifecycle.py, work_orders/) only change state; each change is
journaled on the transaction (`db.changed`). `react` takes them in order, inside the same
transaction, and applies:

- **muting**: an alert that opens inside a maintenance window is muted by it — recorded,
  nobody emailed, no work order (the one place windows mute);
- **the work-order policy**: an alert that has lasted its rule's `work_order_after_s` opens a
  work order, or joins the fault's order in play, or reopens one closed recently;
- **notices**: what each change tells whom (notices.py), queued through the one `notify`.

A change the reaction makes (a work order opened for an alert) joins the journal and is
reacted to in turn. The commit refuses to happen while a change is left unreacted
(store/state.py), so an email exists exactly when the change it reports was committed.
"""

from contextlib import contextmanager
from functools import cached_property

from wastewatch.alerts import lifecycle
from wastewatch.alerts.context import Context
from wastewatch.alerts.windows import Windows
from wastewatch.config.i18n import Record
from wastewatch.store.state import Change, transaction

from . import work_orders
from .notices import Notices


@contextmanager
def changing(ctx: Context, lock: bool = True):
    """`with changing(ctx):` a transaction whose state changes are reacted to before it
    commits: for every page, command and job that moves an alert or a work order."""
    with transaction(ctx.db, lock):
        yield ctx
        react(ctx)


def react(ctx: Context, windows: Windows | None = None) -> list[Change]:
    """Apply what every change journaled in this transaction causes, in order; returns them."""
    return _Reaction(ctx, windows).run()


def remind(ctx: Context, now: int) -> int:
    """Critical alerts still firing get a reminder every `renotify_after_s`; returns how many."""
    notices = Notices(ctx)
    due = lifecycle.reminders_due(ctx.db, now, ctx.rules.notifications.renotify_after_s)
    for alert in due:
        notices.alert(alert, "reminder", now)
        lifecycle.notified(ctx.db, alert["id"], None, now)
    return len(due)


class _Reaction:
    def __init__(self, ctx: Context, windows: Windows | None):
        self.ctx, self.db = ctx, ctx.db
        if windows is not None:
            self.windows = windows

    @cached_property
    def windows(self) -> Windows:
        return Windows(self.db)

    @cached_property
    def notices(self) -> Notices:
        return Notices(self.ctx)

    def run(self) -> list[Change]:
        done, journal = [], self.db.changes
        while journal:
            change = journal.pop(0)
            handler = getattr(self, f"_{change.subject}_{change.event}", None)
            if handler is not None:
                handler(change)
            done.append(change)
        return done

    # Alerts

    def _alert_opened(self, change: Change) -> None:
        finding, rule = change.facts["finding"], change.facts["rule"]
        window = self.windows.covering(finding.site_id, finding.at)
        if window:
            lifecycle.mute(self.db, change.id, window, finding, self.ctx.local(finding.since))
            change.row = lifecycle.get_alert(self.db, change.id)
        else:
            change.row = self._tell(change.row, change.at)
            if rule.work_order_after_s is not None:
                work_orders.attach_alert(self.ctx, change.row, change.at)  # a fault with an order already
        self._order_for(change)

    def _alert_over(self, change: Change) -> None:
        finding, rule, alert = change.facts["finding"], change.facts["rule"], change.row
        if (
            change.facts["fresh"]
            and alert["notified_at"] is None
            and not self.windows.covering(finding.site_id, finding.at)
        ):
            # Opened inside a maintenance window and still there after it: now it is news.
            self._tell(alert, change.at)
            if rule.work_order_after_s is not None:
                work_orders.attach_alert(self.ctx, lifecycle.get_alert(self.db, change.id), change.at)
            change.row = lifecycle.get_alert(self.db, change.id)
        self._order_for(change)

    def _alert_resolved(self, change: Change) -> None:
        if change.row["notified_at"] is not None:  # nobody was told it began (a maintenance window)
            reason = change.facts["record"].text(self.notices.locale)
            self.notices.alert(change.row, "resolved", change.at, reason=reason)

    def _tell(self, alert, now: int):
        thread = self.notices.alert(alert, "alert", now)
        return lifecycle.notified(self.db, alert["id"], thread, now)

    def _order_for(self, change: Change) -> None:
        """Lasted long enough, outside a window: the fault's work order (work_orders.for_alert)."""
        finding, rule, alert = change.facts["finding"], change.facts["rule"], change.row
        if (
            rule.work_order_after_s is not None
            and finding.at - alert["since"] >= rule.work_order_after_s
            and not self.windows.covering(finding.site_id, finding.at)
        ):
            work_orders.for_alert(self.ctx, alert, rule.work_order_kind, change.at)

    # Work orders

    def _work_order_opened(self, change: Change) -> None:
        thread = self.notices.order(change.row, "opened", change.at)
        work_orders.threaded(self.db, change.id, thread)

    def _update(self, change: Change, event: str) -> None:
        facts = change.facts
        self.notices.update(change.row, event, facts["note"], facts["actor"], change.at)

    def _work_order_resolved(self, change: Change) -> None:
        self._update(change, "resolved")

    def _work_order_closed(self, change: Change) -> None:
        self._update(change, "closed")

    def _work_order_cancelled(self, change: Change) -> None:
        self._update(change, "cancelled")

    def _work_order_reopened(self, change: Change) -> None:
        # The email says why, as the timeline does: the person's note, or what the service saw.
        note = Record(change.facts["why"], change.facts["note"]).text(self.notices.locale)
        self.notices.order(change.row, "reopened", change.at, note=note)

    def _work_order_assigned(self, change: Change) -> None:
        self.notices.order(change.row, "assigned", change.at, note=change.facts["note"])

    def _work_order_chased(self, change: Change) -> None:
        facts = change.facts
        self.notices.chase(change.row, facts["deadline"], facts["note"], facts["actor"], change.at)

    def _work_order_reminded(self, change: Change) -> None:
        self.notices.reminder(change.row, change.facts["deadline"], change.at)

    def _work_order_escalated(self, change: Change) -> None:
        self.notices.escalation(change.row, change.facts["deadline"], change.at, change.facts.get("sample"))
