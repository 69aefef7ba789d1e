"""Retention at county scale: a year of raw readings of 500 sites pruned while ingest runs.

The fleet: 500 sites, each a flow meter every 15 minutes and COD and NH3-N analysers hourly
(144 readings a site a day), November 2025 to October 2026 in the embedded SQLite store with
its hourly and daily sums: about 26 million readings.

Measured:
- ingest alone: a process of its own writing batches of 1,000 current readings through the
  store, as the ingest writer does, for --seconds (readings a second), before the pruning and
  again after it (the baseline is their mean);
- the same ingest while this process prunes every raw reading before November 2026 as the
  nightly job does (`prune_before`, 5,000 a transaction, resting so as to take at most 5 % of
  the writer's time): readings a second meanwhile, and the drop (target: at most 20 %); the
  readings removed a second, and the time a whole year takes (measured over --window seconds
  of pruning and projected, or to the end with --window 0);
- the file before and after (SQLite keeps the freed pages for new readings: the file stops
  growing rather than shrinking), and its bytes per reading with the sums, from which the docs
  work out a year's file size.

Prints one JSON line per figure. Usage: .venv/bin/python bench/retention.py [--sites N]
[--seconds S] [--window S] [--keep DIR]
"""

import argparse
import json
import multiprocessing
import shutil
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fleet  # noqa: E402  (bench/fleet.py)
import numpy as np

from wastewatch.jobs.retention import SHARE

TZ = "Asia/Shanghai"
START = datetime(2025, 11, 1, tzinfo=ZoneInfo(TZ))
KEEP_FROM = date(2026, 11, 1)  # the first month kept: the whole year before is pruned
LIVE = int(datetime(2026, 11, 2, tzinfo=ZoneInfo(TZ)).timestamp())
METRICS = {"flow": 900, "cod": 3600, "nh3n": 3600}
BATCH = 1000  # readings a commit, as a busy ingest writer commits them


def fill(path: Path, sites: int) -> int:
    """A year of the fleet's readings, a day of every site a transaction."""
    from wastewatch.store.sqlite import SQLiteStore

    store = SQLiteStore(path, TZ)
    rng = np.random.default_rng(7)
    start, days, written = int(START.timestamp()), (KEEP_FROM - START.date()).days, 0
    try:
        for day in range(days):
            rows = []
            for s in range(sites):
                site = f"s{s:04d}"
                for metric, interval in METRICS.items():
                    stamps = range(start + day * 86400, start + (day + 1) * 86400, interval)
                    mean, spread = fleet.TYPICAL[metric]
                    values = np.abs(rng.normal(mean, spread, len(stamps))).round(2)
                    rows += [(site, metric, ts, float(v), "N") for ts, v in zip(stamps, values)]
            written += store.write(rows).inserted
    finally:
        store.close()
    return written


def ingest(path: str, first_ts: int, limit, ready, go, out) -> None:
    """The ingest writer's part: batches of new readings from `first_ts` on once `go` is set,
    until `limit` (a shared value: seconds) has passed."""
    from wastewatch.store.sqlite import SQLiteStore

    store = SQLiteStore(path, TZ)
    ts, n = first_ts, 0
    ready.set()
    go.wait()
    began = time.monotonic()
    while time.monotonic() - began < limit.value:
        rows = []
        for _ in range(BATCH):
            rows.append((f"s{n % 500:04d}", "flow", ts, 2.0, "N"))
            n += 1
            if n % 500 == 0:
                ts += 60
        store.write(rows)
    out.put(n / (time.monotonic() - began))
    store.close()


def run_ingest(path: Path, first_ts: int, seconds: float, during=None) -> tuple[float, object]:
    """Ingest's readings a second over `seconds`, with `during()` run meanwhile in this
    process (its result too); with `during`, ingest runs until it returns."""
    context = multiprocessing.get_context("spawn")
    ready, go, out = context.Event(), context.Event(), context.Queue()
    limit = context.Value("d", seconds if during is None else 1e9)
    process = context.Process(target=ingest, args=(str(path), first_ts, limit, ready, go, out))
    process.start()
    ready.wait(60)
    go.set()
    result = None
    if during is not None:
        result = during()
        limit.value = 0.0  # stop at the end of the current batch
    rate = out.get(timeout=max(120, seconds * 4))
    process.join(60)
    return rate, result


def line(figure: str, **values) -> None:
    print(json.dumps({"bench": "retention", "figure": figure, **values}, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0, help="ingest alone, before the pruning")
    parser.add_argument("--window", type=float, default=120.0, help="seconds of pruning measured (0: all)")
    parser.add_argument("--keep", type=Path, help="leave the database in this folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-retention-"))
    path = folder / "wastewatch.db"
    try:
        began = time.monotonic()
        written = fill(path, args.sites)
        size = path.stat().st_size
        line("filled", sites=args.sites, readings=written, seconds=round(time.monotonic() - began, 1),
             file_mb=round(size / 1e6, 1), bytes_per_reading=round(size / written, 1))  # fmt: skip

        alone, _ = run_ingest(path, LIVE, args.seconds)
        line("ingest alone", readings_per_s=round(alone))

        from wastewatch.store.sqlite import SQLiteStore

        stop = threading.Event()
        if args.window:
            threading.Timer(args.window, stop.set).start()

        def prune():
            store = SQLiteStore(path, TZ)
            started = time.monotonic()
            try:
                return store.prune_before(KEEP_FROM, share=SHARE, stop=stop), time.monotonic() - started
            finally:
                store.close()

        # New readings again (ten days on), not the first run's resent.
        during, (removed, took) = run_ingest(path, LIVE + 10 * 86400, args.seconds, prune)
        stop.set()
        # Ingest alone once more, after: the baseline is the mean of before and after, so the
        # file's growth and the machine's drift count against neither side.
        again, _ = run_ingest(path, LIVE + 20 * 86400, args.seconds)
        line("ingest alone, after", readings_per_s=round(again))
        baseline = (alone + again) / 2
        drop = 100 * (1 - during / baseline)
        line("ingest while pruning", readings_per_s=round(during), drop_percent=round(drop, 1),
             target_percent=20, within=drop <= 20)  # fmt: skip
        rate = removed / took
        line("pruning", removed=removed, seconds=round(took, 1), readings_per_s=round(rate),
             share=SHARE, whole_year_minutes=round(written / rate / 60, 1),
             projected=removed < written)  # fmt: skip
        after = path.stat().st_size
        line("file", before_mb=round(size / 1e6, 1), after_mb=round(after / 1e6, 1),
             note="SQLite keeps the freed pages for new readings")  # fmt: skip
    finally:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), args.keep / path.name)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
