"""Province scale on PostgreSQL: the evaluation cycle, the backlog drain and the monthly report
at thousands to tens of thousands of sites, on this machine.

For each site count (--sites, default 2,000, 5,000 and 20,000), in a PostgreSQL database of
its own holding both the readings (store/postgres.py) and the state:

1. one day of 5-minute readings of six metrics per site, ending now (20,000 sites: 34.6 M);
2. the evaluation cycle timed cold (the first ever: every series read back over the rules'
   longest window) and steady (one new reading per series since the last cycle, written
   through the store as ingest writes it; the median of --cycles);
3. the backlog drain of bench/ingest.py with that many sites, into PostgreSQL and into SQLite
   in the same run (--drain-messages messages of six readings each);
4. the first day close after a start (--close-days days of readings; it judges the last 7
   closed days of every site), its sites in sets and one at a time in the same run, with the
   verdicts of both compared.

Then the monthly report for --report-sites sites (default 2,000) × 31 days of 5-minute
readings of six metrics (107 M), `wastewatch report monthly --format csv,xlsx,html` in a
process of its own, with its peak RSS.

The readings are generated inside PostgreSQL (generate_series) and the store's hourly and
daily sums and newest values are then summed from them in SQL, grouped exactly as
store/calendar.py groups them: writing 100 M readings through the store would take hours
here and is not what is measured (bench/ingest.py and the drain above measure writing;
tests/store checks write() keeps the sums the same). About 1 % of readings never arrive,
0.5 % are flagged, and a few impossible values per series and month make the report sum
those days again from their hours and readings.

Prints one JSON line per figure. Usage: .venv/bin/python bench/province.py [--sites 2000,5000]
[--report-sites N] [--cycles N] [--drain-messages N] [--close-days N] [--close-before REV]
[--skip eval,drain,close,report] [--keep-report-database NAME] [--cold]
"""

import argparse
import importlib.util
import json
import statistics
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fleet  # noqa: E402  (bench/fleet.py)

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
STEP = 300
# (mean, spread) of each metric, drawn from a normal distribution and kept positive.
EVAL_METRICS = {
    "flow": (2.2, 0.3),
    "cod": (32.0, 5.0),
    "nh3n": (4.0, 1.0),
    "ph": (7.2, 0.15),
    "pump_state": (1.0, 0.0),
    "water_temp": (15.5, 1.0),
}
REPORT_METRICS = fleet.TYPICAL  # as bench/report.py, the county's month
REPORT_MONTH = "2026-10"
SERIES_PER_STATEMENT = 6000

# The day of an hour for a zone of whole-hour offset without summer time (Asia/Shanghai):
# what Calendar.day_of_hour gives there.
READINGS = """
INSERT INTO readings (series, ts, value, flag, received_at)
SELECT s.id, t,
       CASE WHEN random() < %(odd)s THEN -1.0
            -- a normal draw (Box-Muller), kept positive
            ELSE round(abs(m.mean + m.spread * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
                       ::numeric, 3)
       END,
       CASE WHEN random() < 0.005 THEN 'M' ELSE 'N' END, t
FROM series s JOIN bench_metrics m ON m.metric = s.metric
CROSS JOIN generate_series(%(start)s::bigint, %(end)s::bigint - 300, 300) AS t
WHERE s.id BETWEEN %(first)s AND %(last)s AND random() >= 0.01
"""
HOURLY = """
INSERT INTO hourly (series, hour, received, flagged_n, total, low, high)
SELECT series, ts / 3600, count(*), count(*) FILTER (WHERE flag = 'N'),
       coalesce(sum(value) FILTER (WHERE flag = 'N'), 0),
       min(value) FILTER (WHERE flag = 'N'), max(value) FILTER (WHERE flag = 'N')
FROM readings WHERE series BETWEEN %(first)s AND %(last)s AND ts >= %(start)s AND ts < %(end)s
GROUP BY 1, 2
"""
DAILY = """
INSERT INTO daily (series, day, received, flagged_n, total, low, high)
SELECT series, (hour + %(offset)s) / 24, sum(received), sum(flagged_n), sum(total), min(low), max(high)
FROM hourly WHERE series BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
"""
LATEST = """
INSERT INTO latest (series, ts, value, flag)
SELECT DISTINCT ON (series) series, ts, value, flag FROM readings
WHERE series BETWEEN %(first)s AND %(last)s AND ts >= %(end)s - 7200 ORDER BY series, ts DESC
"""


def emit(**figure) -> None:
    print(json.dumps(figure), flush=True)


def write_config(folder: Path, sites: int, url: str, metrics, capacities=(15.0, 50.0, 150.0)) -> Path:
    head = (
        f'[service]\ndata_dir = "data"\ntimezone = "Asia/Shanghai"\n[web]\nenabled = false\n'
        f'[database]\nurl = "{url}"\n[store]\nbackend = "postgresql"\n'
    )
    return fleet.write_config(folder, head, sites, tuple(metrics), STEP, capacities=capacities)


def generated(figure: str, config, metrics: dict, start: int, end: int, odd: float) -> int:
    """fill(), timed and reported as `figure`; the count of readings."""
    began = time.perf_counter()
    readings = fill(config, metrics, start, end, odd)
    emit(
        figure=figure,
        sites=len(config.sites),
        readings=readings,
        seconds=round(time.perf_counter() - began, 1),
        database_mb=database_mb(config.readings_url),
    )
    return readings


def fill(config, metrics: dict, start: int, end: int, odd: float) -> int:
    """Readings of every site's metrics for [start, end), with the store's sums; their count."""
    import psycopg

    from wastewatch.store import open_store

    store = open_store(config)  # the schema and its partitions, as the service makes them
    first = datetime.fromtimestamp(start, TZ).date()
    store.ensure_months(first, (datetime.fromtimestamp(end, TZ).date() - first).days // 28 + 2)
    store.close()
    offset = int(datetime.fromtimestamp(start, TZ).utcoffset().total_seconds()) // 3600
    with psycopg.connect(config.readings_url.replace("+psycopg", ""), autocommit=True) as db:
        db.execute("SET search_path TO store")
        # The generator's commits need not wait for the disk: a crash would only spoil the bench.
        db.execute("SET synchronous_commit TO off")
        db.execute("SELECT setseed(0.5)")
        db.execute("CREATE TEMPORARY TABLE bench_metrics (metric text, mean float8, spread float8)")
        with db.cursor().copy("COPY bench_metrics FROM STDIN") as copy:
            for metric, (mean, spread) in metrics.items():
                copy.write_row((metric, mean, spread))
        with db.cursor().copy("COPY series (site_id, metric) FROM STDIN") as copy:
            for site in config.sites:
                for metric in metrics:
                    copy.write_row((site.id, metric))
        last_id = db.execute("SELECT max(id) FROM series").fetchone()[0]
        for first_id in range(1, last_id + 1, SERIES_PER_STATEMENT):
            span = {
                "first": first_id,
                "last": first_id + SERIES_PER_STATEMENT - 1,
                "start": start,
                "end": end,
                "odd": odd,
                "offset": offset,
            }
            with db.transaction():
                for statement in (READINGS, HOURLY, DAILY, LATEST):
                    db.execute(statement, span)
        db.execute("ANALYZE")
        return db.execute("SELECT count(*) FROM readings").fetchone()[0]


def evaluation(config, now: int, count: int) -> tuple[float, list[float], int]:
    """The first cycle ever, then `count` steady ones after a new reading per series."""
    import random

    from wastewatch.alerts.context import Context
    from wastewatch.jobs.cycles import Evaluation
    from wastewatch.store.base import Reading

    ctx = Context.open(config, clock=lambda: now)
    evaluator = Evaluation(ctx)
    started = time.perf_counter()
    evaluator.run(now)
    cold = time.perf_counter() - started
    rng, steady, opened = random.Random(8), [], 0
    for n in range(1, count + 1):
        at = now + n * STEP
        ctx.store.write(
            [
                Reading(site.id, metric, at - 1, round(abs(rng.gauss(mean, spread)), 3))
                for site in config.sites
                for metric, (mean, spread) in EVAL_METRICS.items()
            ]
        )
        started = time.perf_counter()
        result = evaluator.run(at)
        steady.append(time.perf_counter() - started)
        opened += len(result.opened)
    ctx.close()
    return cold, steady, opened


def database_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as db:
        return db.execute("SELECT count(*) FROM store.readings").fetchone()[0]


def database_mb(url: str) -> float:
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as db:
        return round(db.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e6)


def eval_at(sites: int, cycles: int, folder: Path) -> None:
    from tests.support import postgres_database
    from wastewatch.config import load_config

    with postgres_database() as url:
        config = load_config(write_config(folder, sites, url, EVAL_METRICS))
        now = int(time.time()) // STEP * STEP - 2 * STEP
        readings = generated("province_generated", config, EVAL_METRICS, now - 86400, now, odd=0.0)
        cold, steady, opened = evaluation(config, now, cycles)
        emit(
            figure="province_evaluation",
            sites=sites,
            series=sites * len(EVAL_METRICS),
            stored_readings=readings,
            cold_cycle_s=round(cold, 2),
            target_cold_s=60.0,
            steady_cycle_s=round(statistics.median(steady), 2),
            steady_cycles_s=[round(s, 2) for s in steady],
            target_steady_s=10.0,
            alerts_opened_in_steady_cycles=opened,
        )


def close_at(sites: int, days: int, folder: Path, before: str | None) -> None:
    """The first day close after a start (every site's last 7 closed days judged), its sites
    taken in sets of DayClose.CHUNK and one at a time — and, with `before`, that revision's
    day close, installed from this repository into a folder of its own — on the same readings
    in one run; the verdicts compared."""
    import psycopg

    from tests.support import postgres_database
    from wastewatch.alerts.context import Context
    from wastewatch.config import load_config
    from wastewatch.jobs.cycles import DayClose

    with postgres_database() as url:
        path = write_config(folder, sites, url, EVAL_METRICS)
        config = load_config(path)
        midnight = datetime.fromtimestamp(time.time(), TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        now = int(midnight.timestamp()) + 600
        readings = generated(
            "province_close_generated",
            config,
            EVAL_METRICS,
            int(midnight.timestamp()) - days * 86400,
            now,
            0.0,
        )
        Context.open(config, clock=lambda: now).close()  # the state tables, migrated

        def reset() -> None:
            with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as db:
                for table in ("day_results", "day_checks", "alert_transitions", "alerts", "outbox"):
                    db.execute(f"DELETE FROM {table}")

        def verdicts() -> dict:
            with psycopg.connect(url.replace("+psycopg", "")) as db:
                return {
                    tuple(row[:4]): row[4:]
                    for row in db.execute(
                        "SELECT site_id, day, rule, metric, status, valid_samples, value FROM day_results"
                    )
                }

        def same(a: dict, b: dict) -> bool:
            # A mean from the daily sums and one from the readings may differ in the last bits of
            # a double (the order of the additions), and a volume rounded to 0.001 m³ then by
            # 0.001: statuses and sample counts alike exactly, values to that.
            return a.keys() == b.keys() and all(
                a[k][:2] == b[k][:2]
                and (
                    a[k][2] == b[k][2]
                    or (None not in (a[k][2], b[k][2]) and abs(a[k][2] - b[k][2]) <= 0.0011)
                )
                for k in a
            )

        # The generated flows (52.8 m³/d) are over the hydraulic load of the third of the sites
        # built for 15 m³/d: every day of those finds something, opens or extends an alert and
        # emails it. The same readings under a config whose plants hold them: days that find
        # nothing, as most are.
        (folder / "held").mkdir()
        held = load_config(
            write_config(folder / "held", sites, url, EVAL_METRICS, capacities=(60.0, 100.0, 150.0))
        )
        timed, found, alerts = {}, {}, {}
        for name, chunk, used in (
            ("site_by_site", 1, config),
            ("in_sets", DayClose.CHUNK, config),
            ("in_sets_within_capacity", DayClose.CHUNK, held),
        ):
            reset()
            ctx = Context.open(used, clock=lambda: now)
            closer = DayClose(ctx)
            closer.CHUNK = chunk
            started = time.perf_counter()
            assert not closer.run(now).failed_sites
            timed[name] = time.perf_counter() - started
            alerts[name] = ctx.db.execute("SELECT COUNT(*) FROM alerts").scalar()
            ctx.close()
            if used is config:
                found[name] = verdicts()
        if before:
            reset()
            timed["before"] = earlier_close(before, path, now, folder)
            found["before"] = verdicts()
        emit(
            figure="province_day_close",
            sites=sites,
            days_of_readings=days,
            stored_readings=readings,
            site_days_judged=len({(k[0], k[1]) for k in found["in_sets"]}),
            chunk=DayClose.CHUNK,
            **{f"first_close_{name}_s": round(seconds, 2) for name, seconds in timed.items()},
            **{f"alerts_opened_{name}": count for name, count in alerts.items()},
            before=before,
            same_verdicts=all(same(v, found["in_sets"]) for v in found.values()),
            target_s=5.0 if sites <= 1000 else 60.0,
        )


def earlier_close(revision: str, config: Path, now: int, folder: Path) -> float:
    """The day close of an earlier revision on the same databases: seconds of its first run."""
    import os
    import subprocess
    import sys

    source, library = folder / "before-src", folder / "before-lib"
    subprocess.run(
        ["git", "worktree", "add", "-f", str(source), revision], cwd=ROOT, check=True, capture_output=True
    )
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target",
             str(library), str(source)],
            check=True, capture_output=True,
        )  # fmt: skip
        code = (
            "import sys, time\n"
            "from wastewatch.alerts.context import Context\n"
            "from wastewatch.config import load_config\n"
            "from wastewatch.jobs.cycles import DayClose\n"
            f"ctx = Context.open(load_config({str(config)!r}), clock=lambda: {now})\n"
            "started = time.perf_counter()\n"
            f"assert not DayClose(ctx).run({now}).failed_sites\n"
            "print(time.perf_counter() - started)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(library)},
            check=True,
            capture_output=True,
            text=True,
        )
        return float(done.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(source)], cwd=ROOT, capture_output=True)


def drain_at(sites: int, messages: int, folder: Path) -> None:
    from wastewatch.ingest.broker import PrivateBroker

    # bench/ingest.py by its path: the name `ingest` is the service's package on this path.
    spec = importlib.util.spec_from_file_location("bench_ingest", Path(__file__).parent / "ingest.py")
    drain = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(drain)

    rates = {}
    for kind in ("sqlite", "postgresql"):
        with (
            PrivateBroker(folder / f"broker-{kind}") as broker,
            fleet.state_databases(kind, 1) as (url,),
        ):
            found = drain.service_drain(folder / f"service-{kind}", broker, messages, sites, url)
        rates[kind] = found
    emit(
        figure="province_drain",
        sites=sites,
        messages=messages,
        readings=messages * len(drain.METRICS),
        **{
            f"{kind}_readings_per_s": round(messages * len(drain.METRICS) / found["drain_s"])
            for kind, found in rates.items()
        },
        **{f"{kind}_stored": found["stored"] for kind, found in rates.items()},
        unacknowledged_left=sum(found["unacknowledged_left"] for found in rates.values()),
        **{f"{kind}_peak_rss_mb": round(found["peak_rss_mb"]) for kind, found in rates.items()},
    )


@contextmanager
def kept_database(name: str | None):
    """A database made for the run and dropped after, or (name) one kept between runs, made
    when missing: 107 M readings take a quarter of an hour to generate."""
    if name is None:
        from tests.support import postgres_database

        with postgres_database() as url:
            yield url
        return
    import psycopg
    from sqlalchemy.engine import make_url

    from tests.support import PG_ADMIN

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    yield make_url(PG_ADMIN).set(drivername="postgresql+psycopg", database=name).render_as_string(False)


def drop_caches() -> None:
    """Empty the kernel's page cache (root only), so the report reads the month from disk."""
    import os

    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def report_at(sites: int, folder: Path, runs: int, keep: str | None, cold: bool = False) -> None:
    import psycopg

    from wastewatch.config import load_config

    with kept_database(keep) as url:
        path = write_config(folder, sites, url, REPORT_METRICS)
        config = load_config(path)
        start = int(datetime(2026, 10, 1, tzinfo=TZ).timestamp())
        end = int(datetime(2026, 11, 1, tzinfo=TZ).timestamp())
        with psycopg.connect(url.replace("+psycopg", "")) as db:
            made = db.execute("SELECT to_regclass('store.daily') IS NOT NULL").fetchone()[0]
            count = made and db.execute("SELECT count(*) FROM store.series").fetchone()[0]
        if count == sites * len(REPORT_METRICS):
            readings = database_count(url)
        else:
            readings = generated("province_report_generated", config, REPORT_METRICS, start, end, odd=0.0002)
        out = folder / "report"
        code = (
            "from wastewatch.main import main\n"
            f"assert main(['report', 'monthly', '--config', {str(path)!r}, '--month', {REPORT_MONTH!r}, "
            f"'--format', 'csv,xlsx,html', '--out', {str(out)!r}]) == 0"
        )
        results = []
        for _ in range(runs):
            if cold:
                drop_caches()
            results.append(fleet.measured(code)[:2])
        seconds, peak = min(results)
        emit(
            figure="province_report",
            sites=sites,
            days=31,
            readings=readings,
            seconds=round(seconds, 1),
            runs_s=[round(r[0], 1) for r in results],
            page_cache="dropped before each run" if cold else "as the runs before left it",
            target_s=60.0,
            peak_rss_mb=round(peak),
            target_peak_rss_mb=2048,
            files=sorted(p.name for p in out.iterdir()),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="2000,5000,20000", help="site counts, comma-separated")
    parser.add_argument("--report-sites", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=3, help="steady cycles; the median counts")
    parser.add_argument("--drain-messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2, help="report runs; the fastest counts")
    parser.add_argument("--skip", default="", help="parts to leave out: eval, drain, close, report")
    parser.add_argument(
        "--close-days", type=int, default=7, help="days of readings before the day close (it judges 7)"
    )
    parser.add_argument(
        "--close-before",
        metavar="REV",
        help="also time the day close of this earlier revision, in the same run",
    )
    parser.add_argument(
        "--cold", action="store_true", help="drop the page cache before each report run (needs root)"
    )
    parser.add_argument(
        "--keep-report-database", metavar="NAME", help="generate the report's readings once, in this database"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory(prefix="ww-bench-province-") as tmp:
        for sites in (int(s) for s in args.sites.split(",")):
            folder = Path(tmp) / str(sites)
            if "eval" not in skip:
                (folder / "eval").mkdir(parents=True)
                eval_at(sites, args.cycles, folder / "eval")
            if "drain" not in skip:
                drain_at(sites, args.drain_messages, folder / "drain")
            if "close" not in skip:
                (folder / "close").mkdir(parents=True)
                close_at(sites, args.close_days, folder / "close", args.close_before)
        if "report" not in skip:
            (Path(tmp) / "report").mkdir()
            report_at(
                args.report_sites, Path(tmp) / "report", args.runs, args.keep_report_database, args.cold
            )


if __name__ == "__main__":
    main()
