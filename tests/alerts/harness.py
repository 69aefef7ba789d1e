"""A village site under the real rules, with the clock in the test's hands."""

import email
import email.policy
from datetime import datetime
from zoneinfo import ZoneInfo

from wastewatch.alerts.context import Context
from wastewatch.config import load_config
from wastewatch.jobs.cycles import DayClose, Evaluation
from wastewatch.store.base import Reading

TZ = ZoneInfo("Asia/Shanghai")
# Monday 2026-10-12 00:00 in Tianquan: every test's day one.
T0 = int(datetime(2026, 10, 12, tzinfo=TZ).timestamp())
HOUR, DAY = 3600, 86400


class Clock:
    def __init__(self, now: int):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Harness:
    def __init__(self, config_path):
        self.path = config_path
        self.config = load_config(config_path)
        self.clock = Clock(T0)
        self.ctx = Context.open(self.config, self.clock)
        self.evaluator = Evaluation(self.ctx)

    def restart(self) -> None:
        """A new process: new connections, nothing carried over in memory."""
        self.ctx.close()
        self.ctx = Context.open(self.config, self.clock)
        self.evaluator = Evaluation(self.ctx)

    def write(self, metric: str, points, site: str = "helin") -> None:
        """points: (seconds after T0, value[, flag])."""
        self.ctx.store.write(
            [Reading(site, metric, T0 + p[0], float(p[1]), p[2] if len(p) > 2 else "N") for p in points]
        )

    def cycle(self, at: int):
        self.clock.now = T0 + at
        return self.evaluator.run(T0 + at)

    def close_days(self, at: int):
        self.clock.now = T0 + at
        return DayClose(self.ctx).run(T0 + at)

    def alerts(self, rule: str | None = None):
        rows = self.ctx.db.execute("SELECT * FROM alerts ORDER BY id").fetchall()
        return [r for r in rows if rule is None or r["rule"] == rule]

    def transitions(self, alert_id: int):
        return [
            (t["old_state"], t["new_state"], t["actor"])
            for t in self.ctx.db.execute(
                "SELECT * FROM alert_transitions WHERE alert_id = :id ORDER BY id", {"id": alert_id}
            )
        ]

    def work_orders(self):
        return self.ctx.db.execute("SELECT * FROM work_orders ORDER BY id").fetchall()

    def queued(self, kind: str | None = None):
        rows = self.ctx.db.execute("SELECT * FROM outbox ORDER BY id").fetchall()
        return [
            email.message_from_bytes(r["message"], policy=email.policy.default)
            for r in rows
            if kind is None or r["kind"] == kind
        ]

    def close(self):
        self.ctx.close()
