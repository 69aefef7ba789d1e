"""The nightly pruning of raw readings ([retention] raw_months, at): whole local months older
than the months kept, and never a month whose monthly report has not been sent, so a report
is always made from every reading of its month. The hourly and daily sums stay, so the charts,
the day close and the report's daily figures of a pruned month are unchanged."""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

from wastewatch.config import Config
from wastewatch.maintenance.report.monthly import versions
from wastewatch.store import open_store
from wastewatch.store.state import connect

log = logging.getLogger("wastewatch.retention")
# The most of the ingest writer's time the pruning takes on SQLite (one writer at a time; the
# pages it frees also cost the writer's checkpoints): ingest keeps at least 80 % of its rate
# meanwhile (bench/retention.py measures it). A month of 500 sites (a usual night) goes in
# minutes; the first night after raw_months have passed prunes only that month too.
SHARE = 0.05


@dataclass(frozen=True)
class Pruned:
    before: date | None  # raw readings before this local day were removed (None: nothing due)
    readings: int
    seconds: float


def first_kept(today: date, raw_months: int, first_day: date | None, sent: set[str]) -> date | None:
    """The first day of the oldest month whose raw readings stay, or None when nothing is to go:
    `raw_months` whole months before today's, stopping early at the first month (from the
    oldest reading's) whose report has not been sent."""
    if first_day is None:
        return None
    index = today.year * 12 + today.month - 1 - raw_months
    by_age = date(index // 12, index % 12 + 1, 1)
    month = first_day.replace(day=1)
    oldest = month
    while month < by_age and f"{month:%Y-%m}" in sent:
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return month if month > oldest else None


class Retention:
    def __init__(self, config: Config):
        self.config = config

    def run(self, now: datetime, share: float = SHARE, stop: threading.Event | None = None) -> Pruned:
        """Prune what is due, taking at most `share` of the ingest writer's time; `stop` set (the
        service stopping) ends it after the current step, and the next night goes on."""
        started = time.monotonic()
        db = connect(self.config.state_url)
        try:
            sent = {row["month"] for row in versions(db)}
        finally:
            db.close()
        store = open_store(self.config)
        try:
            keep = first_kept(
                now.astimezone(self.config.tz).date(),
                self.config.retention.raw_months,
                store.first_reading_day(),
                sent,
            )
            removed = 0 if keep is None else store.prune_before(keep, share=share, stop=stop)
        finally:
            store.close()
        pruned = Pruned(keep, removed, time.monotonic() - started)
        if keep is not None:
            log.info("retention: %d raw readings before %s removed in %.1f s", removed, keep, pruned.seconds)
        return pruned
