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
- where its time goes (report_split): imports, figures, CSV, the workbook (and within it its
  daily sheet, timed once more on its own), the HTML page, each step timed in one process;
- its printable version alone (WeasyPrint), with its size, the time its figures took and its
  printing, and the peak memory of its whole process tree (its printing workers too): printed
  at once, as before issue 31 (up to --at-once-max sites), and in parts (maintenance/report/
  printing.py);
- a plain `GROUP BY` of the month's raw readings per series and local day (count, valid
  count, mean), the query a report without aggregates would start from.

Prints one JSON line per figure. Usage: .venv/bin/python bench/report.py [--sites N] [--keep DIR]
[--runs N] (each measurement runs N times, default 2; the fastest counts, every run is printed)
[--at-once-max N] [--pdf-only]
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


SPLIT = """
import json, time
began = time.perf_counter()
from wastewatch.main import main  # what the command imports before it starts
from wastewatch.alerts.context import Context
from wastewatch.config import load_config
from wastewatch.maintenance.report import document, figures, output, workbook
from wastewatch.maintenance.report.cells import csv_text
from pathlib import Path
split = {"import_s": time.perf_counter() - began}
config = load_config(CONFIG)
mark = time.perf_counter()
ctx = Context.open(config)
report = figures.build(ctx, MONTH)
ctx.close()
split["figures_s"] = time.perf_counter() - mark
out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
mark = time.perf_counter()
for name, rows, columns in output.tables(report):
    (out / f"{name}.csv").write_bytes(csv_text(rows, columns).encode("utf-8"))
split["csv_s"] = time.perf_counter() - mark
mark = time.perf_counter()
from openpyxl import Workbook
workbook._daily(workbook.Book(Workbook(write_only=True), "zh-CN"), report)
split["xlsx_daily_sheet_s"] = time.perf_counter() - mark
mark = time.perf_counter()
workbook.write_xlsx(report, out / "report.xlsx", "zh-CN", 1, [])
split["xlsx_s"] = time.perf_counter() - mark
mark = time.perf_counter()
(out / "report.html").write_text(document.html(report, "zh-CN", 1, []), encoding="utf-8")
split["html_s"] = time.perf_counter() - mark
print("SPLIT", json.dumps({k: round(v, 2) for k, v in split.items()}))
"""


PDF_RUN = """
import json, sys, time
from pathlib import Path

if __name__ == "__main__":
    # Imported here, not above: the printing workers load this script as their main module,
    # as they load the installed `wastewatch` script, which imports nothing until it runs.
    from wastewatch.alerts.context import Context
    from wastewatch.config import load_config
    from wastewatch.maintenance.report import figures, printing

    config = load_config(sys.argv[1])
    began = time.perf_counter()
    ctx = Context.open(config)
    report = figures.build(ctx, sys.argv[2])
    ctx.close()
    built = time.perf_counter()
    out = Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    part_sites = int(sys.argv[4]) or printing.PART_SITES
    printing.pdf(report, out / f"report-{sys.argv[2]}.pdf", part_sites=part_sites)
    printed = time.perf_counter() - built
    print(json.dumps({"figures_s": round(built - began, 2), "print_s": round(printed, 2)}))
"""


def pdf_run(config: Path, out: Path, part_sites: int) -> tuple[float, float, float, float, dict]:
    """The report's PDF in a process of its own (part_sites 0: the default parts): seconds,
    peak memory of the process tree, of that process and of any one of its workers, and its
    own split."""
    script = out.parent / "pdf_run.py"
    script.write_text(PDF_RUN)
    seconds, tree, main, worker, output = fleet.measured_tree(
        [str(script), str(config), MONTH, str(out), str(part_sites)]
    )
    return seconds, tree, main, worker, json.loads(output.strip().splitlines()[-1])


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
    parser.add_argument(
        "--at-once-max",
        type=int,
        default=600,
        help="print the PDF at once too (the way before parts) up to this many sites (it needs ~3 MB a page)",
    )
    parser.add_argument("--pdf-only", action="store_true", help="only the PDF (a province's 2,000 sites)")
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
        if not args.pdf_only:
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
            # Where the report's time goes, each step timed in one process (the daily sheet
            # alone, unsaved, is part of the workbook's time).
            _, _, output, _ = best_of(
                SPLIT.replace("CONFIG", repr(str(path)))
                .replace("MONTH", repr(MONTH))
                .replace("OUT", repr(str(folder / "split"))),
                1,
            )
            split = json.loads(next(line[6:] for line in output.splitlines() if line.startswith("SPLIT ")))
            print(json.dumps({"figure": "report_split", **split}), flush=True)
        # The printable version on its own: at once (before issue 31) and in parts (after),
        # each process tree's memory sampled whole, its workers' too.
        for way, part_sites in (("at_once", 10**9), ("in_parts", 0)):
            if way == "at_once" and args.sites > args.at_once_max:
                continue
            pdf_seconds, tree_peak, main_peak, worker_peak, printed = pdf_run(
                path, folder / f"pdf-{way}", part_sites
            )
            pdf = folder / f"pdf-{way}" / f"report-{MONTH}.pdf"
            print(
                json.dumps(
                    {
                        "figure": "report_pdf_s",
                        "way": way,
                        "seconds": round(pdf_seconds, 2),
                        "figures_s": printed["figures_s"],
                        "print_s": printed["print_s"],
                        "peak_rss_tree_mb": round(tree_peak),
                        "peak_rss_main_mb": round(main_peak),
                        "peak_rss_one_worker_mb": round(worker_peak),
                        "pages": pages(pdf),
                        "mb": round(pdf.stat().st_size / 1e6, 1),
                        "target": "2,000 sites ≤ 240 s, peak ≤ 1,024 MB" if way == "in_parts" else "",
                    }
                ),
                flush=True,
            )
        if args.pdf_only:
            return
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
