"""Retention of raw readings (jobs/retention.py, the stores' prune_before) on both engines:
whole months older than [retention] raw_months go, never a month whose report has not been
sent; the daily sums stay, so a pruned month's daily figures are unchanged."""

import threading
from datetime import date, datetime

import pytest

from tests.alerts.harness import TZ, Harness
from tests.support import wastewatch
from wastewatch.config import ConfigError, load_config
from wastewatch.jobs.retention import Retention, first_kept
from wastewatch.maintenance.report.monthly import MonthlyReports
from wastewatch.store import Reading, open_store

SHORT = "\n[retention]\nraw_months = 4\n"
NOON = [datetime(2026, month, day, 12, tzinfo=TZ) for month in range(1, 13) for day in (1, 15)]


def flows(config) -> list[int]:
    store = open_store(config)
    try:
        return [r.ts for r in store.read_range("helin", "flow", 0, 2**31)]
    finally:
        store.close()


def test_old_months_go_only_once_their_reports_were_sent(write_config, state_database):
    path = write_config(ingest="max_backfill_days = 60\n", extra=SHORT + state_database)
    plant = Harness(path)
    try:
        plant.ctx.store.write([Reading("helin", "flow", int(t.timestamp()), 3.0 + t.month) for t in NOON])
        for month in range(1, 7):  # January to June sent; July never was
            plant.clock.now = int(datetime(2026, month + 1, 1, 8, tzinfo=TZ).timestamp())
            assert MonthlyReports(plant.ctx).produce(f"2026-{month:02d}", plant.clock.now) == 1
        config = plant.config
        before = plant.ctx.store.daily_means("helin", "flow", date(2026, 1, 1), date(2026, 12, 31))
    finally:
        plant.close()

    # The service stopping (the event set) ends the pruning before its next step: nothing yet.
    stopping = threading.Event()
    stopping.set()
    assert Retention(config).run(datetime(2026, 12, 6, 3, 30, tzinfo=TZ), stop=stopping).readings == 0
    assert len(flows(config)) == len(NOON)
    pruned = Retention(config).run(datetime(2026, 12, 6, 3, 30, tzinfo=TZ), share=1.0)
    # Four whole months are kept before December (August to November), but July's report was
    # never sent: July stays, and so does everything after it.
    assert pruned.before == date(2026, 7, 1) and pruned.readings == 12
    assert flows(config) == [int(t.timestamp()) for t in NOON if t.month >= 7]
    store = open_store(config)
    try:
        assert store.daily_means("helin", "flow", date(2026, 1, 1), date(2026, 12, 31)) == before
        assert store.first_reading_day() == date(2026, 1, 1)  # the sums go back further than the raw
    finally:
        store.close()
    assert Retention(config).run(datetime(2026, 12, 7, 3, 30, tzinfo=TZ), share=1.0).readings == 0

    plant = Harness(path)
    try:
        plant.clock.now = int(datetime(2026, 8, 1, 8, tzinfo=TZ).timestamp())
        MonthlyReports(plant.ctx).produce("2026-07", plant.clock.now)
    finally:
        plant.close()
    again = Retention(config).run(datetime(2026, 12, 8, 3, 30, tzinfo=TZ), share=1.0)
    assert again.before == date(2026, 8, 1) and again.readings == 2
    assert flows(config) == [int(t.timestamp()) for t in NOON if t.month >= 8]


def test_the_month_kept_counts_whole_months_and_stops_at_the_first_unsent():
    sent = {f"2025-{m:02d}" for m in range(1, 13)} | {"2026-01", "2026-02"}
    assert first_kept(date(2026, 12, 6), 24, date(2025, 3, 9), sent) is None  # younger than 24 months
    assert first_kept(date(2026, 12, 6), 12, date(2025, 3, 9), sent) == date(2025, 12, 1)
    assert first_kept(date(2026, 12, 6), 6, date(2025, 3, 9), sent) == date(2026, 3, 1)
    assert first_kept(date(2026, 12, 6), 6, None, sent) is None
    assert first_kept(date(2026, 1, 31), 13, date(2024, 11, 2), set()) is None


def test_a_retention_shorter_than_late_data_can_arrive_is_refused_naming_the_keys(write_config):
    with pytest.raises(ConfigError, match=r"retention\.raw_months.*max_backfill_days \(400 days"):
        load_config(write_config(extra=SHORT))
    done = wastewatch("config", "check", "--config", str(write_config(extra=SHORT)))
    assert done.returncode == 1 and "retention.raw_months" in done.stderr and "Traceback" not in done.stderr
