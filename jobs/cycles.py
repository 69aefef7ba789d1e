"""The evaluation cycle and the day close: the rules' findings applied to the alerts, and what
the changes cause (maintenance/reaction.py), in one transaction.

Evaluation commits SITES_PER_COMMIT sites a transaction (alerts/evaluate.py) with a savepoint
per site that has findings, so one site that throws is logged and skipped without touching
the others; the day close commits each judged day on its own. Reminders of critical alerts
still firing go out after the cycle, in a transaction of their own.
"""

import logging
from dataclasses import dataclass, field

from wastewatch.alerts.context import Context
from wastewatch.alerts.daily import DayCloser
from wastewatch.alerts.evaluate import Evaluator
from wastewatch.alerts.lifecycle import Lifecycle
from wastewatch.alerts.windows import Windows
from wastewatch.maintenance.reaction import changing, react, remind
from wastewatch.store.state import Change, savepoint, transaction

log = logging.getLogger("wastewatch.alerts")


@dataclass
class CycleResult:
    opened: list = field(default_factory=list)  # alert rows
    resolved: list = field(default_factory=list)
    work_orders: list = field(default_factory=list)  # orders the rules opened
    reminders: int = 0
    failed_sites: list = field(default_factory=list)

    def add(self, changes: list[Change]) -> None:
        """What a committed step changed, counted."""
        for change in changes:
            if change.subject == "alert" and change.event in ("opened", "resolved"):
                getattr(self, change.event).append(change.row)
            elif change.subject == "work_order" and change.event == "opened":
                self.work_orders.append(change.row)


class Evaluation:
    """The evaluation job: new readings of every site through the sample rules and comms loss."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.evaluator = Evaluator(ctx)

    def run(self, now: int) -> CycleResult:
        result, db = CycleResult(), self.ctx.db
        windows, lifecycle = Windows(db), Lifecycle(self.ctx)
        for chunk in self.evaluator.chunks(now):
            with transaction(db):
                read = self.evaluator.read(chunk, now)
                changed, made = [], []
                for site in chunk:
                    try:
                        findings, rows = self.evaluator.judge(site, now, read, windows)
                        # Judging reads only; the findings are what writes, so only a site with
                        # some pays the savepoint's two round trips.
                        if findings:
                            with savepoint(db, "site"):
                                lifecycle.apply(findings, now)
                                made += react(self.ctx, windows)
                        changed += rows
                    except Exception:  # noqa: BLE001 — one broken site must not stop the others
                        log.exception("evaluating site %s failed; skipped this cycle", site.id)
                        result.failed_sites.append(site.id)
                self.evaluator.save(changed)
            result.add(made)  # committed
        try:
            with changing(self.ctx):
                result.reminders = remind(self.ctx, now)
        except Exception:  # noqa: BLE001
            log.exception("sending reminders failed; retried next cycle")
        return result


class DayClose:
    """The day-close job: each closed local day per site judged, and again on late data.

    Sites are taken CHUNK at a time, their inputs read together (DayCloser.judge_sites), and
    each set is closed in one transaction (a commit per site and day cost more than the
    judging): a day whose verdicts find something is saved with its findings applied and what
    they cause, the days that find nothing (most) together, before the next day with findings
    and at the end, so each site's days are saved in order. A set that fails is closed again
    one site at a time: one broken site must not stop the others. The writer lock is held for
    a set's time (about a second at CHUNK sites)."""

    CHUNK = 100

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.closer = DayCloser(ctx)

    def run(self, now: int) -> CycleResult:
        result = CycleResult()
        windows, lifecycle = Windows(self.ctx.db), Lifecycle(self.ctx)
        sites = self.ctx.config.sites
        for first in range(0, len(sites), self.CHUNK):
            chunk = sites[first : first + self.CHUNK]
            try:
                self._close(chunk, now, windows, lifecycle, result)
            except Exception:  # noqa: BLE001 — found out below, site by site
                log.warning("closing days for %d sites together failed; one site at a time", len(chunk))
                for site in chunk:
                    try:
                        self._close([site], now, windows, lifecycle, result)
                    except Exception:  # noqa: BLE001 — one broken site must not stop the others
                        log.exception("closing days for site %s failed; retried next run", site.id)
                        result.failed_sites.append(site.id)
        return result

    def _close(self, sites, now: int, windows, lifecycle, result: CycleResult) -> None:
        made = []
        with transaction(self.ctx.db):
            quiet: list = []
            for judged in self.closer.judge_sites(sites, now, windows):
                if not judged.findings:
                    quiet.append(judged)
                    continue
                if quiet:  # the days before it first: each site's days are saved in order
                    self.closer.save_many(quiet, now)
                    quiet = []
                self.closer.save(judged, now)
                lifecycle.apply(judged.findings, now)
                made.append(react(self.ctx, windows))
            if quiet:
                self.closer.save_many(quiet, now)
        for one in made:  # counted once committed
            result.add(one)
