"""Laboratory results at county scale: importing a laboratory's 100,000 results, and the
monthly report with the samples of 500 sites, against the same report without them.

500 sites, a third of them with COD and NH3-N analysers (hourly) beside their flow meter, the
rest with a flow meter only (judged by their samples). Four samples a site a month from January
to October 2026, five items each (COD, NH3-N, TP, TN, SS): 100,000 results in one GBK CSV as a
laboratory's Excel writes it on a Chinese Windows. About 5 % of NH3-N results are "ND" and 5 %
of SS "<4"; about 3 % of COD results are over the limit (each an alert and an investigation
order); where an analyser runs, every sample is compared with it (比对).

Measured, each in its own process with its peak RSS, on the embedded SQLite state:
- the sheet read alone (`ingest.labsheet.read`: decoding, the header, every row parsed);
- `wastewatch lab import FILE`: read, stored, every sample judged and compared;
- the same file a second time (changes nothing);
- `wastewatch report monthly --format csv,xlsx,html` for 2026-10, before the import and after
  it: what the month's 2,000 samples (10,000 results) add to the report.

Prints one JSON line per figure. Usage: .venv/bin/python bench/lab.py [--sites N]
[--per-month N] [--runs N] [--keep DIR]
"""

import argparse
import csv
import io
import json
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fleet  # noqa: E402  (bench/fleet.py)
import numpy as np

TZ = ZoneInfo("Asia/Shanghai")
MONTH = "2026-10"
FIRST_MONTH = 1  # samples from January 2026 to MONTH
ONLINE = ("flow", "cod", "nh3n")
ITEMS = ("cod", "nh3n", "tp", "tn", "ss")
TYPICAL = {"cod": (38.0, 10.0), "nh3n": (3.5, 1.8), "tp": (0.6, 0.3), "tn": (12.0, 4.0), "ss": (12.0, 5.0)}
HEADER = ["站点编号", "采样时间", "监测项目", "结果", "单位", "检测机构", "CMA编号", "报告编号", "报告日期"]
NAMES = {"cod": "化学需氧量", "nh3n": "氨氮", "tp": "总磷", "tn": "总氮", "ss": "悬浮物"}


def measured(code: str, runs: int = 1):
    """fleet.measured() `runs` times: the fastest run, and every run's seconds."""
    results = [fleet.measured(code) for _ in range(runs)]
    seconds, peak, output = min(results)
    return seconds, peak, output, [round(r[0], 2) for r in results]


def has_analysers(s: int) -> bool:
    return s % 3 == 0


def readings(config, start: int, end: int) -> int:
    """The month's hourly online readings through the store itself (aggregates kept)."""
    from wastewatch.store.base import Reading
    from wastewatch.store.sqlite import SQLiteStore

    store = SQLiteStore(config.database_path, config.service.timezone)
    rng = np.random.default_rng(7)
    stamps = np.arange(start, end, 3600)
    total = 0
    try:
        for s, site in enumerate(config.sites):
            batch = []
            for metric in ONLINE if has_analysers(s) else ("flow",):
                mean, spread = (2.0, 0.6) if metric == "flow" else TYPICAL[metric]
                values = np.round(np.abs(rng.normal(mean, spread, len(stamps))), 3)
                batch += [Reading(site.id, metric, int(t), float(v), "N") for t, v in zip(stamps, values)]
            store.write(batch)
            total += len(batch)
    finally:
        store.close()
    return total


def sheet(sites: int, per_month: int) -> tuple[bytes, int]:
    """The laboratory's sheet: per site and month, `per_month` samples of every item."""
    rng = np.random.default_rng(11)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    rows = 0
    last = int(MONTH[5:])
    for s in range(sites):
        for month in range(FIRST_MONTH, last + 1):
            days = rng.choice(np.arange(1, 29), per_month, replace=False)
            for n, day in enumerate(sorted(days)):
                at = datetime(2026, month, int(day), 9 + int(rng.integers(0, 7)), int(rng.integers(0, 60)))
                report = f"HC{2026}{month:02d}-{s:04d}-{n}"
                reported = f"2026-{month + 1:02d}-05" if month < 12 else "2027-01-05"
                for item in ITEMS:
                    mean, spread = TYPICAL[item]
                    value = abs(rng.normal(mean, spread))
                    if item == "cod" and rng.random() < 0.03:
                        value = 60 + rng.random() * 40  # over DB51/2626's 60 mg/L
                    if item == "nh3n" and rng.random() < 0.05:
                        shown = "ND"
                    elif item == "ss" and rng.random() < 0.05:
                        shown = "<4"
                    else:
                        shown = f"{value:.{1 if item in ('cod', 'ss', 'tn') else 3}f}"
                    writer.writerow(
                        [
                            f"s{s:04d}",
                            at.strftime("%Y-%m-%d %H:%M"),
                            NAMES[item],
                            shown,
                            "mg/L",
                            "四川某检测技术有限公司",
                            "182312050123",
                            report,
                            reported,
                        ]
                    )
                    rows += 1
    return out.getvalue().encode("gb18030"), rows


def report(config: Path, out: Path, runs: int):
    shutil.rmtree(out, ignore_errors=True)
    return measured(
        "from wastewatch.main import main\n"
        f"assert main(['report', 'monthly', '--config', {str(config)!r}, '--month', {MONTH!r}, "
        f"'--format', 'csv,xlsx,html', '--out', {str(out)!r}]) == 0",
        runs,
    )


def emit(figure: dict) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--per-month", type=int, default=4, help="samples per site and month")
    parser.add_argument("--runs", type=int, default=2, help="runs of each report; the fastest counts")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ww-bench-lab-"))
    shutil.rmtree(folder / "data", ignore_errors=True)  # the import changes the state: start afresh
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from wastewatch.config import load_config

        head = '[service]\ndata_dir = "data"\n[alerts]\nenabled = false\n'
        path = fleet.write_config(
            folder,
            head,
            args.sites,
            ONLINE,
            3600,
            capacities=(15.0, 50.0, 150.0),
            site_metrics=lambda s: ONLINE if has_analysers(s) else ("flow",),
        )
        config = load_config(path)
        start = int(datetime(2026, 10, 1, tzinfo=TZ).timestamp())
        end = int(datetime(2026, 11, 1, tzinfo=TZ).timestamp())
        began = time.perf_counter()
        count = readings(config, start, end)
        data, results = sheet(args.sites, args.per_month)
        lab_file = folder / "lab-results.csv"
        lab_file.write_bytes(data)
        emit(
            {
                "figure": "generated",
                "sites": args.sites,
                "with_analysers": sum(has_analysers(s) for s in range(args.sites)),
                "readings": count,
                "results": results,
                "sheet_mb": round(len(data) / 1e6, 1),
                "seconds": round(time.perf_counter() - began, 1),
            }
        )
        out = folder / "out"
        before, before_peak, _, before_runs = report(path, out, args.runs)

        seconds, peak, output, _ = measured(
            "from wastewatch.config.lab import load_methods\n"
            "from wastewatch.ingest import labsheet\n"
            f"data = open({str(lab_file)!r}, 'rb').read()\n"
            "sheet = labsheet.read('lab-results.csv', data, load_methods())\n"
            "print('ROWS', len(sheet.rows), len(sheet.rejected))"
        )
        line = next(x for x in output.splitlines() if x.startswith("ROWS "))
        parsed, refused = (int(v) for v in line.split()[1:])
        emit(
            {
                "figure": "lab_sheet_read_s",
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak),
                "rows": parsed,
                "rejected": refused,
                "rows_per_s": round(parsed / seconds),
            }
        )
        importing = (
            "from wastewatch.main import main\n"
            f"assert main(['lab', 'import', '--config', {str(path)!r}, {str(lab_file)!r}, "
            "'--kind', 'routine', '--by', 'bench']) == 0\n"
        )
        seconds, peak, _, _ = measured(importing)
        counts = _counts(config)
        emit(
            {
                "figure": "lab_import_s",
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak),
                "results_per_s": round(results / seconds),
                **counts,
            }
        )
        again, again_peak, _, _ = measured(importing)
        emit(
            {
                "figure": "lab_import_again_s",
                "seconds": round(again, 2),
                "peak_rss_mb": round(again_peak),
                "unchanged": _counts(config) == counts,
            }
        )
        after, after_peak, _, after_runs = report(path, out, args.runs)
        samples = out / f"samples-{MONTH}.csv"
        emit(
            {
                "figure": "report_s",
                "before_s": round(before, 2),
                "before_runs": before_runs,
                "before_peak_rss_mb": round(before_peak),
                "with_samples_s": round(after, 2),
                "with_samples_runs": after_runs,
                "with_samples_peak_rss_mb": round(after_peak),
                "ratio": round(after / before, 2),
                "month_result_rows": sum(1 for _ in samples.open(encoding="utf-8-sig")) - 1,
            }
        )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _counts(config) -> dict:
    """What the state holds after the import: samples, results, alerts and orders they made."""
    from wastewatch.store.state import connect

    db = connect(config.state_url)
    try:
        one = lambda sql: db.execute(sql).scalar()  # noqa: E731
        return {
            "samples": one("SELECT COUNT(*) FROM samples"),
            "results": one("SELECT COUNT(*) FROM sample_results"),
            "comparisons": one("SELECT COUNT(*) FROM lab_comparisons"),
            "lab_alerts": one("SELECT COUNT(*) FROM alerts WHERE rule = 'lab_exceedance'"),
            "work_orders": one("SELECT COUNT(*) FROM work_orders"),
        }
    finally:
        db.close()


if __name__ == "__main__":
    main()
