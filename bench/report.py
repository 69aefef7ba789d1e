"""The monthly report at county scale, against a plain SQL GROUP BY over the raw readings.

500 sites × 6 metrics at 5-minute intervals for a 31-day month (26.8 M readings) in the
embedded store. The readings are inserted directly and the store then sums its hourly and
daily aggregates from them once, as for a store from before the aggregates (what
`store.write` keeps up to date as readings arrive; tests/store checks the two agree): the
input is not what is measured. About 1 % of
readings are flagged or out of range, and a few hours per site are missing, so the report
meets hours it must sum again from raw readings.

Measured, each in its own process, with its peak RSS:
- the whole report: `wastewatch report monthly --format csv,xlsx,html` for every site;
- its printable version alone: `--format pdf` (WeasyPrint), with its size;
- a plain `GROUP BY` of the month's raw readings per series and local day (count, valid
  count, mean), the query a report without aggregates would start from.

Prints one JSON line per figure. Usage: .venv/bin/python bench/report.py [--sites N] [--keep DIR]
[--runs N] (each measurement runs N times, default 2; the fastest counts, every run is printed)
"""

import argparse
import json
import shutil
import sqlite3
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fleet  # noqa: E402  (bench/fleet.py)
import numpy as np

from wastewatch.store.sqlite import SQLiteStore  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
MONTH = "2026-10"
METRICS = ("flow", "cod", "nh3n", "tp", "ph", "water_temp")
STEP = 300
TYPICAL = fleet.TYPICAL

GROUP_BY = """
SELECT series, (ts + 28800) / 86400 AS day, COUNT(*), SUM(flag = 'N'),
       AVG(CASE WHEN flag = 'N' THEN value END)
FROM readings WHERE ts >= ? AND ts < ? GROUP BY series, day
"""


def fill(config, path: Path, start: int, end: int) -> int:
    SQLiteStore(path).close()  # the store's schema and page size
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    rng = np.random.default_rng(5)
    stamps = np.arange(start, end, STEP)
    total = 0
    db.execute("BEGIN")
    for s, site in enumerate(config.sites):
        for metric in METRICS:
            series = db.execute(
                "INSERT INTO series (site_id, metric) VALUES (?, ?) RETURNING id", (site.id, metric)
            ).fetchone()[0]
            mean, spread = TYPICAL[metric]
            values = np.round(np.abs(rng.normal(mean, spread, len(stamps))), 3)
            keep = rng.random(len(stamps)) > 0.01  # about 1 % never arrives
            flags = np.where(rng.random(len(stamps)) < 0.005, "M", "N")
            odd = rng.random(len(stamps)) < 0.0002  # about two glitches per series and month
            values = np.where(odd, -1.0, values)  # impossible: the report sums those hours again
            rows = [
                (series, int(t), float(v), f, int(t)) for t, v, f, k in zip(stamps, values, flags, keep) if k
            ]
            db.executemany(
                "INSERT INTO readings (series, ts, value, flag, received_at) VALUES (?, ?, ?, ?, ?)", rows
            )
            total += len(rows)
        if s % 50 == 49:
            db.execute("COMMIT")
            db.execute("BEGIN")
    db.execute("COMMIT")
    # The aggregates, summed once from the readings by the store itself (as for a store from
    # before them): what write() keeps up to date as readings arrive.
    db.execute("DELETE FROM hourly")
    db.execute("DELETE FROM daily")
    db.execute("DELETE FROM store_meta")
    db.close()
    SQLiteStore(path, config.service.timezone).close()
    return total


def report(config: Path, formats: str, out: Path, runs: int):
    """`wastewatch report monthly` for every site, in processes of its own: best_of()."""
    return best_of(
        "from wastewatch.main import main\n"
        f"assert main(['report', 'monthly', '--config', {str(config)!r}, '--month', {MONTH!r}, "
        f"'--format', {formats!r}, '--out', {str(out)!r}]) == 0",
        runs,
    )


def pages(pdf: Path) -> int | None:
    """The PDF's page count (pypdfium2, from the test extras), or None without it."""
    try:
        import pypdfium2
    except ImportError:
        return None
    return len(pypdfium2.PdfDocument(str(pdf)))


def best_of(code: str, runs: int) -> tuple[float, float, str, list[float]]:
    """measured() `runs` times: the fastest run's figures, and every run's seconds. The first
    run after generating the store meets a page cache full of the generator's writes."""
    results = [fleet.measured(code) for _ in range(runs)]
    seconds, peak, output = min(results)
    return seconds, peak, output, [round(r[0], 2) for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="keep the generated store in this folder (and reuse it)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each measurement; the fastest counts")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ww-bench-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from wastewatch.config import load_config

        head = '[service]\ndata_dir = "data"\n[alerts]\nenabled = false\n'
        path = fleet.write_config(folder, head, args.sites, METRICS, STEP, capacities=(15.0, 50.0, 150.0))
        config = load_config(path)
        start = int(datetime(2026, 10, 1, tzinfo=TZ).timestamp())
        end = int(datetime(2026, 11, 1, tzinfo=TZ).timestamp())
        if not config.database_path.exists():
            began = time.perf_counter()
            readings = fill(config, config.database_path, start, end)
            print(
                json.dumps(
                    {
                        "figure": "generated",
                        "sites": args.sites,
                        "metrics": len(METRICS),
                        "readings": readings,
                        "seconds": round(time.perf_counter() - began, 1),
                    }
                ),
                flush=True,
            )
        out = folder / "out"
        seconds, peak, _, report_runs = report(path, "csv,xlsx,html", out, args.runs)
        print(
            json.dumps(
                {
                    "figure": "report_s",
                    "seconds": round(seconds, 2),
                    "runs": report_runs,
                    "peak_rss_mb": round(peak),
                    "formats": "csv,xlsx,html",
                    "files": sorted(p.name for p in out.iterdir()),
                }
            ),
            flush=True,
        )
        # The printable version on its own: the same page laid out on A4 by WeasyPrint.
        printed = folder / "pdf"
        pdf_seconds, pdf_peak, _, pdf_runs = report(path, "pdf", printed, args.runs)
        pdf = printed / f"report-{MONTH}.pdf"
        print(
            json.dumps(
                {
                    "figure": "report_pdf_s",
                    "seconds": round(pdf_seconds, 2),
                    "runs": pdf_runs,
                    "peak_rss_mb": round(pdf_peak),
                    "pages": pages(pdf),
                    "mb": round(pdf.stat().st_size / 1e6, 1),
                }
            ),
            flush=True,
        )
        group_seconds, group_peak, output, group_runs = best_of(
            "import sqlite3\n"
            f"db = sqlite3.connect({str(config.database_path)!r})\n"
            f"rows = db.execute({GROUP_BY!r}, ({start}, {end})).fetchall()\n"
            "print('ROWS', len(rows))",
            args.runs,
        )
        rows = next(int(line.split()[1]) for line in output.splitlines() if line.startswith("ROWS "))
        print(
            json.dumps(
                {
                    "figure": "plain_group_by_s",
                    "seconds": round(group_seconds, 2),
                    "runs": group_runs,
                    "peak_rss_mb": round(group_peak),
                    "rows": rows,
                }
            ),
            flush=True,
        )
        print(
            json.dumps(
                {
                    "figure": "report_vs_group_by",
                    "report_s": round(seconds, 2),
                    "report_peak_rss_mb": round(peak),
                    "group_by_s": round(group_seconds, 2),
                    "group_by_peak_rss_mb": round(group_peak),
                    "ratio": round(group_seconds / seconds, 2),
                    "target_ratio": 4.0,
                    "target_peak_rss_mb": 2048,
                }
            ),
            flush=True,
        )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
