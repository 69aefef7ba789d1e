"""The monthly scorecards' visits: every routine visit of the month judged by its check-in.

--sites sites (default 2,000, a province's size), two routine visits each in October 2026, made
through the service's own functions (the input, not what is measured): each site's plate
issued; nine visits in ten checked in near the plant (one in twenty with another site's plate,
one in twenty far away), each reported done with two photos, a fifth of the reports made
offline; the rest reported without a check-in.

Measured, in one run on the same rows, the median of --runs: the visits judged as the
scorecards judge them now (`visit.of_orders`, a statement each for the check-ins, plates,
photos and report times of them all) and one order at a time as before (`visit.of_order` per
order, three statements for each checked-in visit); the verdicts are compared, and must agree.

Prints one JSON line per figure. Usage: .venv/bin/python bench/visits.py [--sites N]
[--state sqlite|postgresql] [--runs N]
"""

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import fleet  # noqa: E402  (bench/fleet.py)

from wastewatch.alerts.context import Context  # noqa: E402
from wastewatch.config import load_config  # noqa: E402
from wastewatch.maintenance import work_orders  # noqa: E402
from wastewatch.maintenance.reaction import changing  # noqa: E402
from wastewatch.maintenance.report import order_figures  # noqa: E402
from wastewatch.maintenance.visits import checkins, plates, visit  # noqa: E402
from wastewatch.maintenance.visits.checkins import Position  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
START = int(datetime(2026, 10, 1, tzinfo=TZ).timestamp())
END = int(datetime(2026, 11, 1, tzinfo=TZ).timestamp())
DAY, HOUR = 86400, 3600


def where(s: int) -> tuple[float, float]:
    return 102.5 + (s % 100) * 0.01, 29.8 + (s // 100) * 0.01


def write_config(folder: Path, sites: int, database: str) -> Path:
    head = '[service]\ndata_dir = "data"\n[bureau]\nemails = ["bureau@example.cn"]\n' + database
    return fleet.write_config(
        folder,
        head,
        sites,
        ("flow", "cod"),
        contractors=10,
        site_extra=lambda s: "location = [{}, {}]\n".format(*where(s)),
    )


def generate(ctx) -> Counter:
    sites = [s.id for s in ctx.config.sites]
    with changing(ctx):
        issued = {p.site_id: p for p in plates.issue(ctx.db, sites, "bench", START)}
    made: Counter = Counter()
    for visit_no in range(2):
        for s, site_id in enumerate(sites):
            n = visit_no * len(sites) + s
            opened = START + visit_no * 14 * DAY + 8 * HOUR + s
            with changing(ctx):
                order = work_orders.open_order(
                    ctx, site_id, "routine_inspection", "schedule", "巡检", opened, "schedule"
                )
                arrived = opened + HOUR
                if n % 10 != 9:
                    lon, lat = where(s)
                    if n % 20 == 3:
                        lon += 0.05  # five kilometres away
                    plate = issued[sites[(s + 1) % len(sites)] if n % 20 == 7 else site_id]
                    checkins.record(
                        ctx.db, ctx.config, order, "c", plate.code, Position(lon, lat, 12.0), arrived, arrived
                    )
                    made["checked_in"] += 1
                reported = arrived + 40 * 60
                for k in range(2):
                    work_orders.attach_photo(
                        ctx.db, order["id"], f"p/{n}-{k}.jpg", "p.jpg", "image/jpeg", 1000, "0" * 64, "c",
                        reported, taken_at=arrived + 10 * 60 + k,
                    )  # fmt: skip
                if n % 5 == 0:
                    work_orders.submitted(ctx.db, f"key-{n}", order["id"], "done", reported - 60, reported)
                    made["made_offline"] += 1
                work_orders.done(ctx, order["id"], "c", "", reported, visited_at=arrived, checklist={})
                made["visits"] += 1
    return made


def said(judged) -> tuple:
    return judged.verdict, tuple((f.name, f.state, str(f.why)) for f in judged.flags)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--state", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ww-bench-visits-"))
    try:
        with fleet.state_databases(args.state, 1) as (url,):
            config = load_config(write_config(folder, args.sites, fleet.database_toml(url)))
            ctx = Context.open(config, clock=lambda: START)
            made = generate(ctx)
            print(json.dumps({"sites": args.sites, "state": args.state, **made}), flush=True)
            orders = order_figures.routine_reported(ctx.db, START, END)
            figures = {}
            for way, judge in (
                ("at_once", lambda: visit.of_orders(ctx.db, config, orders)),
                ("per_order", lambda: {o["id"]: visit.of_order(ctx.db, config, o) for o in orders}),
            ):
                runs = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    judged = judge()
                    runs.append(round(time.perf_counter() - started, 4))
                figures[way] = (statistics.median(runs), runs, judged)
            at_once, per_order = figures["at_once"][2], figures["per_order"][2]
            if {k: said(v) for k, v in at_once.items()} != {k: said(v) for k, v in per_order.items()}:
                raise SystemExit("the two ways judged the visits differently")
            verdicts = Counter(v.verdict for v in at_once.values())
            for way, (seconds, runs, _) in figures.items():
                print(
                    json.dumps(
                        {
                            "figure": f"scorecard_visits_{way}_s",
                            "state": args.state,
                            "visits": len(orders),
                            "seconds": seconds,
                            "runs": runs,
                            "verdicts": dict(sorted(verdicts.items())),
                        }
                    ),
                    flush=True,
                )
            print(
                json.dumps(
                    {
                        "figure": "scorecard_visits_speedup",
                        "state": args.state,
                        "ratio": round(figures["per_order"][0] / figures["at_once"][0], 1),
                    }
                ),
                flush=True,
            )
            ctx.db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
