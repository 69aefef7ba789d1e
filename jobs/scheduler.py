"""The scheduled jobs on APScheduler 3.x: evaluation, day close, the work-order sweep, the
monthly report, the outbox sender, the nightly pruning of old raw readings and, when [backup]
to is set, the nightly backup.

With several instances on one PostgreSQL database, the jobs run on the leader alone
(store/leader.py), checked before every run; the outbox is drained by every instance, each
email claimed by one (outbox.py).

Each job has its own database connections, since APScheduler runs jobs on pool threads; a job
never overlaps itself (max_instances 1), and after downtime a missed run happens once, not once
per missed interval (coalesce). A job that throws is logged by APScheduler and runs again at
its next interval; inside a job, one site that throws is skipped (evaluate.py, daily.py).
"""

import logging
import threading
import time
from datetime import datetime
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from wastewatch.alerts.context import Context
from wastewatch.config import Config
from wastewatch.jobs.backups import Backups
from wastewatch.jobs.cycles import CycleResult, DayClose, Evaluation
from wastewatch.jobs.retention import Retention
from wastewatch.maintenance.report.monthly import MonthlyReports
from wastewatch.maintenance.sla import Sweep, SweepResult
from wastewatch.notify.outbox import Sender
from wastewatch.store.files import unavailable
from wastewatch.store.health import HEALTH
from wastewatch.store.leader import Leadership
from wastewatch.store.state import connect

log = logging.getLogger("wastewatch.alerts")


def guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    """`job` for the scheduler: a database that is unavailable (disk full, locked, unreachable)
    is reported to the process's health, once per change, instead of a traceback per run; the
    job runs again at its next interval either way. Anything else is a bug and stays loud."""
    component = f"scheduled job: {name}"

    def run() -> None:
        try:
            job()
        except Exception as exc:
            problem = unavailable(exc)
            if problem is None:
                raise
            HEALTH.failing(component, str(problem), "it runs again at its next interval")
        else:
            HEALTH.recovered(component)

    run.__name__ = run.__qualname__ = f"{name} job"
    return run


def led(leadership: Leadership, job: Callable[[], object]) -> Callable[[], object]:
    """`job`, run only while this instance is the leader."""

    def run():
        return job() if leadership.leads() else None

    return run


class AlertService:
    def __init__(self, config: Config, clock: Callable[[], float] = time.time):
        self.config = config
        shared = config.database.url if config.mqtt.share_group else None
        self.leadership = Leadership(shared, config.mqtt.client_id)
        self.evaluate_ctx = Context.open(config, clock)
        self.day_ctx = Context.open(config, clock)
        self.sweep_ctx = Context.open(config, clock)
        self.sweeper = Sweep(self.sweep_ctx)
        self.report_ctx = Context.open(config, clock)
        self.monthly = MonthlyReports(self.report_ctx)
        self.outbox_db = connect(config.state_url)
        # The outbox runs on the real clock: retry back-off is about the real mail server.
        self.sender = Sender(config, self.outbox_db)
        self.evaluator = Evaluation(self.evaluate_ctx)
        self.closer = DayClose(self.day_ctx)
        self.backups = Backups(config)
        self.retention = Retention(config)
        self._stopping = threading.Event()
        self.scheduler = BackgroundScheduler(
            timezone=str(config.tz),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.cycles = 0
        # {job: (seconds the last run took, when it ended)}, for /metrics.
        self.timings: dict[str, tuple[float, float]] = {}

    def start(self) -> None:
        unverified = self.evaluate_ctx.unverified()
        if unverified:
            log.warning(
                "%d provisional values (verified = false) are in use; every email quoting one says so: %s",
                len(unverified),
                "; ".join(unverified),
            )
        now = datetime.now(self.config.tz)
        cfg = self.config.alerts
        lead = self.leadership
        jobs = [
            ("evaluation", led(lead, self.evaluate), cfg.check_interval_s, "evaluate"),
            ("day close", led(lead, self.close_days), cfg.day_close_interval_s, "day-close"),
            ("work-order sweep", led(lead, self.sweep), cfg.sla_interval_s, "work-orders"),
            ("outbox", self.send, cfg.outbox_interval_s, "outbox"),
        ]
        if self.config.report.enabled:
            report_s = self.config.report.check_interval_s
            jobs.append(("monthly report", led(lead, self.reports), report_s, "monthly-report"))
        for name, job, seconds, job_id in jobs:
            self.scheduler.add_job(
                guarded(name, job), "interval", seconds=seconds, id=job_id, next_run_time=now
            )
        if self.config.backup.to is not None:
            hour, minute = map(int, self.config.backup.at.split(":"))
            self.scheduler.add_job(
                guarded("backup", led(lead, self.backup)), "cron", hour=hour, minute=minute, id="backup"
            )
        hour, minute = map(int, self.config.retention.at.split(":"))
        self.scheduler.add_job(
            guarded("retention", led(lead, self.prune)), "cron", hour=hour, minute=minute, id="retention"
        )
        self.scheduler.start()
        log.info(
            "alerts: checking %d sites every %d s; days close every %d s; SMTP %s:%d",
            len(self.config.sites),
            cfg.check_interval_s,
            cfg.day_close_interval_s,
            self.config.smtp.host,
            self.config.smtp.port,
        )

    def evaluate(self) -> CycleResult:
        started = time.monotonic()
        result = self.evaluator.run(self.evaluate_ctx.now())
        self.cycles += 1
        self._report("evaluation", result, time.monotonic() - started)
        return result

    def close_days(self) -> CycleResult:
        started = time.monotonic()
        result = self.closer.run(self.day_ctx.now())
        self._report("day close", result, time.monotonic() - started)
        return result

    def sweep(self) -> SweepResult:
        started = time.monotonic()
        result = self.sweeper.run(self.sweep_ctx.now())
        self.timings["work-order sweep"] = (time.monotonic() - started, time.time())
        log.log(
            logging.WARNING if result.failed else logging.INFO,
            "work-order sweep in %.2f s: %d reminders, %d escalations, %d routine orders, %d stop reports, "
            "%d digests%s",
            time.monotonic() - started,
            result.reminders,
            result.escalations,
            len(result.routine),
            result.stop_reports,
            result.digests,
            f", failed: {', '.join(result.failed)}" if result.failed else "",
        )
        if result.changed() and self.scheduler.running:
            self.scheduler.modify_job("outbox", next_run_time=datetime.now(self.config.tz))
        return result

    def reports(self) -> None:
        started = time.monotonic()
        produced = self.monthly.run(self.report_ctx.now())
        self.timings["monthly report"] = (time.monotonic() - started, time.time())
        if produced:
            log.info(
                "monthly reports in %.1f s: %s",
                time.monotonic() - started,
                ", ".join(f"{month} v{version}" for month, version in produced),
            )
            if self.scheduler.running:
                self.scheduler.modify_job("outbox", next_run_time=datetime.now(self.config.tz))

    def backup(self) -> None:
        self.backups.run(datetime.now(self.config.tz))
        if self.scheduler.running:  # a failure's email goes now
            self.scheduler.modify_job("outbox", next_run_time=datetime.now(self.config.tz))

    def prune(self) -> None:
        pruned = self.retention.run(datetime.now(self.config.tz), stop=self._stopping)
        self.timings["retention"] = (pruned.seconds, time.time())

    def send(self) -> None:
        self.sender.run_once()

    def _report(self, what: str, result: CycleResult, seconds: float) -> None:
        self.timings[what] = (seconds, time.time())
        changed = len(result.opened) + len(result.resolved) + len(result.work_orders) + result.reminders
        # One line per run, even a quiet one: the log shows the scheduler is alive and how long runs take.
        log.log(
            logging.WARNING if result.failed_sites else logging.INFO,
            "%s in %.2f s: %d opened, %d resolved, %d work orders, %d reminders%s",
            what,
            seconds,
            len(result.opened),
            len(result.resolved),
            len(result.work_orders),
            result.reminders,
            f", failed sites: {', '.join(result.failed_sites)}" if result.failed_sites else "",
        )
        if changed and self.scheduler.running:
            # Email goes out now, not at the sender's next tick.
            self.scheduler.modify_job("outbox", next_run_time=datetime.now(self.config.tz))

    def stop(self) -> None:
        self._stopping.set()  # a long job (the pruning) ends its current step and returns
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.evaluate_ctx.close()
        self.day_ctx.close()
        self.sweep_ctx.close()
        self.report_ctx.close()
        self.outbox_db.close()
        self.leadership.close()
