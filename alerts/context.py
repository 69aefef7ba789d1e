"""What every alerting job shares: config, rules, each site's standard, the store, the state
database and the clock. Built once at start-up, where every config mistake surfaces."""

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from wastewatch.config import Config
from wastewatch.config.text import local_time
from wastewatch.store import open_store
from wastewatch.store.base import Store
from wastewatch.store.state import State, connect

from .rules import Rules, load_rules
from .standards import SiteStandard, Standards

log = logging.getLogger("wastewatch.alerts")


@dataclass
class Context:
    config: Config
    rules: Rules
    standards: Standards
    store: Store
    db: State
    clock: Callable[[], float] = time.time
    _site_standards: dict = field(default_factory=dict)

    @classmethod
    def open(cls, config: Config, clock: Callable[[], float] = time.time) -> "Context":
        rules = load_rules(config.alerts.rules_file)
        standards = Standards.load(config.alerts.standards_dir)
        return cls(
            config,
            rules,
            standards,
            open_store(config),
            connect(config.state_url),
            clock,
            standards.for_sites(config),
        )

    def now(self) -> int:
        return int(self.clock())

    def standard(self, site_id: str) -> SiteStandard:
        return self._site_standards[site_id]

    def local(self, ts: int | None) -> str:
        """A time as people here read it: local, to the minute."""
        return local_time(ts, self.config.tz)

    def unverified(self) -> list[str]:
        return self.standards.unverified() + self.rules.unverified()

    def midnight(self, day: date) -> datetime:
        """The start of a local day in the service's time zone."""
        return datetime(day.year, day.month, day.day, tzinfo=self.config.tz)

    def day_bounds(self, day: date) -> tuple[int, int]:
        """[start, end) of a local day as epoch seconds."""
        return int(self.midnight(day).timestamp()), int(self.midnight(day + timedelta(days=1)).timestamp())

    def day_water_temp(self, site_id: str, day: date) -> float | None:
        """Mean of the day's valid water temperature readings, or None without any: from the
        daily sums, as the evaluator reads a whole chunk of sites at once (store.daily_means_of)."""
        return self.store.daily_means(site_id, "water_temp", day, day).get(day)

    def close(self) -> None:
        self.store.close()
        self.db.close()
