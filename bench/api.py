"""The read API at county scale: a site's readings over 30 days and the monthly figures of 500
sites, each against the floor of what it reads, in one run.

1,000 sites × 6 metrics with 30 days of 5-minute readings in the embedded store (51.8 M
readings, written directly as bench/report.py writes them), and a version of October's report
sent for 500 of them (its CSV files written by the report's own code, its row recorded as the
monthly job records one: the input, not what is measured). The service's pages run in a
process of their own (uvicorn, as `serve` runs them) with the clock at the readings' end; the
benchmark calls over HTTP with a token and times each call at the client, on the same machine,
so the figures include HTTP over loopback and the JSON.

Figures (p95 of --requests calls each, after two warm-up calls; another site each call):
- readings_ms: /sites/{id}/readings over 30 days, all six metrics (6 × 8,640 readings; target
  ≤ 200 ms); beside it, floor_ms: the store's own scan of the same six series in this process;
- report_ms: /reports/2026-10, the figures of 500 sites (target ≤ 500 ms); floor_ms: reading its
  two CSV files with the csv module;
- sites_ms: /sites with 500 sites a page, each with its live state (no target).

Prints one JSON line per figure. Usage: .venv/bin/python bench/api.py [--sites N] [--keep DIR]
[--requests N]
"""

import argparse
import csv
import json
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import console  # noqa: E402  (bench/console.py: the county, its readings and the server)
import httpx
import report  # noqa: E402  (bench/report.py: the readings generator)

from wastewatch.access import accounts, tokens  # noqa: E402
from wastewatch.alerts.context import Context  # noqa: E402
from wastewatch.config import load_config  # noqa: E402
from wastewatch.maintenance.report import figures, output  # noqa: E402
from wastewatch.store.sqlite import SQLiteStore  # noqa: E402
from wastewatch.store.state import connect, transaction  # noqa: E402

NOW = console.NOW
MONTH = "2026-10"
REPORTED = 500


def generate(config, folder: Path) -> dict:
    """The readings, an account with a token (kept in the folder), and October's report for
    the first 500 sites."""
    found = {}
    if not config.database_path.exists():
        config.data_dir.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        found["readings"] = report.fill(config, config.database_path, NOW - 30 * 86400, NOW)
        found["readings_s"] = round(time.perf_counter() - began, 1)
    secret = folder / "token.txt"
    if not secret.exists():
        db = connect(config.state_url)
        with transaction(db):
            user = accounts.add(db, config, "gis", "GIS", "regulator", "bench api password", NOW)
            made, _ = tokens.create(db, user, "bench", 30, NOW, "bench")
        db.close()
        secret.write_text(made)
    if not (config.data_dir / "reports" / MONTH / "v1").exists():
        began = time.perf_counter()
        ctx = Context.open(config, clock=lambda: NOW)
        try:
            built = figures.build(ctx, MONTH, site_ids=[s.id for s in config.sites[:REPORTED]])
            folder_v1 = Path("reports") / MONTH / "v1"
            output.write(built, config.data_dir / folder_v1, formats=("csv",))
            with transaction(ctx.db):
                ctx.db.execute(
                    "INSERT INTO reports (month, version, generated_at, folder, fingerprint, changes) "
                    "VALUES (:month, 1, :now, :folder, '{}', 0)",
                    {"month": MONTH, "now": NOW, "folder": str(folder_v1)},
                )
        finally:
            ctx.close()
        found["report_s"] = round(time.perf_counter() - began, 1)
    return found


def timed(client: httpx.Client, path: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    answer = client.get(path)
    return (time.perf_counter() - started) * 1000, answer.status_code, len(answer.content)


def figure(name: str, client, paths: list[str], target: int | None, floor: list[float], **extra) -> None:
    for path in paths[:2]:
        timed(client, path)
    runs = [timed(client, path) for path in paths]
    assert all(status == 200 for _, status, _ in runs), {status for _, status, _ in runs}
    times = [ms for ms, _, _ in runs]
    print(
        json.dumps(
            {
                "figure": name,
                "p95_ms": console.p95(times),
                "median_ms": round(statistics.median(times), 1),
                "target_ms": target,
                "floor_p95_ms": console.p95(floor) if floor else None,
                "requests": len(runs),
                "kb": round(statistics.median(size for _, _, size in runs) / 1024),
                **extra,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder (and reuse it)")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ww-bench-api-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = folder / "bench.toml"
        if not path.exists():
            console.write_config(folder, args.sites)
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\n[api]\nrate_per_minute = 100000\npage_size = 500\n")
        config = load_config(path)
        made = generate(config, folder)
        print(json.dumps({"figure": "generated", "sites": len(config.sites), **made}), flush=True)
        picks = [config.sites[(k * 97) % len(config.sites)].id for k in range(args.requests)]
        start, end = NOW - 30 * 86400, NOW

        store = SQLiteStore(config.database_path, config.service.timezone)
        floor = []
        for site in picks:
            began = time.perf_counter()
            for metric in report.METRICS:
                store.scan(site, metric, start, end)
            floor.append((time.perf_counter() - began) * 1000)
        store.close()
        csv_floor = []
        files = [
            config.data_dir / "reports" / MONTH / "v1" / f"{n}-{MONTH}.csv"
            for n in ("compliance", "operations")
        ]
        for _ in range(args.requests):
            began = time.perf_counter()
            for file in files:
                with file.open(encoding="utf-8") as handle:
                    list(csv.DictReader(handle))
            csv_floor.append((time.perf_counter() - began) * 1000)

        with console.serving(path):
            client = httpx.Client(
                base_url=config.web.url + "/api/v1",
                headers={"Authorization": f"Bearer {(folder / 'token.txt').read_text().strip()}"},
                timeout=60,
            )
            zone = config.tz
            span = urlencode(
                {
                    "from": datetime.fromtimestamp(start, zone).isoformat(),
                    "until": datetime.fromtimestamp(end, zone).isoformat(),
                }
            )
            readings = client.get(f"/sites/{picks[0]}/readings?{span}").json()
            count = sum(len(s["values"]) for s in readings["series"])
            figure(
                "readings_ms",
                client,
                [f"/sites/{site}/readings?{span}" for site in picks],
                200,
                floor,
                readings=count,
                next_cursor=readings["next_cursor"],
            )
            rows = client.get(f"/reports/{MONTH}").json()
            figure(
                "report_ms",
                client,
                [f"/reports/{MONTH}"] * args.requests,
                500,
                csv_floor,
                sites=len(rows["operations"]),
                compliance_rows=len(rows["compliance"]),
            )
            figure("sites_ms", client, ["/sites?limit=500"] * args.requests, None, [], sites_a_page=500)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
