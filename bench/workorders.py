"""Work orders at county scale: the SLA sweep per scheduler cycle, and the overdue listing.

1,000 sites (design capacities spread over the three size bands) and one year of generated
history in the state database: alerts, work orders of every kind and origin with their
transitions and links; most closed, a few hundred still in play, about half of those overdue
(already escalated by the sweeps of the past: the history is of a system that was running).
The generator writes rows directly (the history is the input, not what is measured), with a
fixed seed, so runs are comparable.

Measured, with the clock passed in:
- the sweeps at a period boundary: every site's routine order for the new period is due to
  open (an order, an email, two links each), ROUTINE_PER_RUN a run, plus the reminders and
  escalations due; each run is timed until all have opened;
- a steady sweep: the cycles after, where nothing new is due (median of --cycles);
- a sweep at 08:00: the same plus every contractor's digest;
- listing the overdue orders (median of 20), and the first page of every order in play.

With --state postgresql the state database is a PostgreSQL database on the local server.

Prints one JSON line per figure. Usage: .venv/bin/python bench/workorders.py [--sites N]
[--state sqlite|postgresql]
"""

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent

import fleet  # noqa: E402  (bench/fleet.py)

from wastewatch.alerts.context import Context  # noqa: E402
from wastewatch.config import load_config  # noqa: E402
from wastewatch.maintenance import work_orders  # noqa: E402
from wastewatch.maintenance.sla import Sweep  # noqa: E402
from wastewatch.store.state import connect, transaction  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
# The benchmark's "now": a fortnight boundary of the shipped calendar (anchor 2026-01-05), so
# the first sweep opens a routine inspection at every site in the 20–100 m³/d band.
NOW = int(datetime(2026, 10, 19, 0, 0, 30, tzinfo=TZ).timestamp())
CONTRACTORS = 10
KINDS = ("fault_repair", "comms_restore", "exceedance_investigation", "operator_request")
RULE_OF = {
    "fault_repair": "equipment:pump_state",
    "comms_restore": "comms_loss:",
    "exceedance_investigation": "daily_exceedance:nh3n",
    "operator_request": "",
}


def write_config(folder: Path, sites: int, database: str = "") -> Path:
    head = '[service]\ndata_dir = "data"\n[bureau]\nemails = ["bureau@example.cn"]\n' + database
    return fleet.write_config(
        folder,
        head,
        sites,
        ("flow", "cod", "pump_state"),
        capacities=(10.0, 30.0, 50.0, 80.0, 150.0),
        contractors=CONTRACTORS,
    )


def generate(config, rng: random.Random) -> dict:
    """One year of history, written as rows."""
    db = connect(config.state_url)
    alerts, orders, transitions, links = [], [], [], []
    counts = {"alerts": 0, "work_orders": 0, "in_play": 0, "overdue": 0}
    year_ago = NOW - 365 * 86400
    serial: dict[str, int] = {}

    def order_id(at: int) -> str:
        prefix = datetime.fromtimestamp(at, TZ).strftime("WO-%Y%m-")
        serial[prefix] = serial.get(prefix, 0) + 1
        return f"{prefix}{serial[prefix]:04d}"

    events = []
    for site in config.sites:
        # Routine visits of the past year, every one done and closed.
        for k in range(1, 27):
            events.append((NOW - k * 14 * 86400 - 7 * 86400, site, "routine_inspection", "schedule"))
        for k in range(1, 5):
            events.append((NOW - k * 91 * 86400 - 21 * 86400, site, "effluent_sampling", "schedule"))
        for _ in range(rng.randint(4, 16)):  # faults found by the rules or by operators
            kind = rng.choice(KINDS)
            events.append(
                (
                    rng.randint(year_ago, NOW - 3600),
                    site,
                    kind,
                    "manual" if kind == "operator_request" else "alert",
                )
            )
    events.sort(key=lambda e: e[0])
    alert_id = 0
    for opened, site, kind, origin in events:
        oid = order_id(opened)
        repair_h = {"exceedance_investigation": 168, "routine_inspection": 168, "effluent_sampling": 336}.get(
            kind, 72
        )
        ack_by, repair_by = opened + 24 * 3600, opened + repair_h * 3600
        fault, linked = RULE_OF.get(kind, ""), None
        if origin == "alert":
            alert_id += 1
            rule, _, metric = fault.partition(":")
            resolved = min(opened + rng.randint(3600, 5 * 86400), NOW - 60)
            alerts.append(
                (
                    alert_id,
                    site.id,
                    rule,
                    metric,
                    "operations",
                    "critical",
                    "resolved",
                    opened,
                    opened,
                    resolved,
                    resolved,
                    resolved,
                    opened,
                )
            )
            linked = alert_id
        age = NOW - opened
        in_play = age < 10 * 86400 and rng.random() < 0.7
        if in_play:
            state = rng.choice(("open", "acknowledged", "acknowledged", "resolved"))
        else:
            state = "closed" if rng.random() < 0.97 else "cancelled"
        acked = opened + rng.randint(600, 30 * 3600) if state != "open" else None
        done = acked + rng.randint(3600, 80 * 3600) if acked and state in ("resolved", "closed") else None
        closed = done + rng.randint(3600, 48 * 3600) if done and state == "closed" else None
        cancelled = opened + 7200 if state == "cancelled" else None
        orders.append(
            (
                oid,
                site.id,
                kind,
                origin,
                "normal",
                site.contractor,
                linked,
                state,
                f"{kind} at {site.id}",
                opened,
                ack_by,
                repair_by,
                closed,
                fault,
                opened,
                acked,
                done,
                cancelled,
                opened + 18 * 3600 if age > 18 * 3600 else None,
                opened + 54 * 3600 if age > 54 * 3600 and state != "open" else None,
                # The sweeps of the past year escalated the deadlines that passed then.
                ack_by if ack_by < NOW - 60 and (acked is None or acked > ack_by) else None,
                repair_by if repair_by < NOW - 60 and (done is None or done > repair_by) else None,
            )
        )
        transitions.append((oid, None, "open", "opened", "rules", opened))
        for old, new, at in (
            ("open", "acknowledged", acked),
            ("acknowledged", "resolved", done),
            ("resolved", "closed", closed),
            ("open", "cancelled", cancelled),
        ):
            if at:
                transitions.append((oid, old, new, "bench", "bench", at))
        for action in ("acknowledge", "done"):
            links.append(
                (
                    f"{oid}-{action}",
                    oid,
                    action,
                    opened,
                    opened + 7 * 86400,
                    acked if action == "acknowledge" else done,
                )
            )
        counts["work_orders"] += 1
        counts["in_play"] += state in work_orders.IN_PLAY
        counts["overdue"] += state in work_orders.ACTIVE and (
            repair_by <= NOW or (state == "open" and ack_by <= NOW)
        )
    counts["alerts"] = alert_id
    today = datetime.fromtimestamp(NOW, TZ).date()
    with transaction(db):
        insert(
            db,
            "alerts",
            "id site_id rule metric kind severity state opened_at since last_seen clear_since resolved_at "
            "notified_at",
            alerts,
        )
        insert(
            db,
            "work_orders",
            "id site_id kind origin priority contractor alert_id state summary opened_at acknowledge_by "
            "repair_by closed_at fault deadlines_from acknowledged_at resolved_at cancelled_at "
            "ack_reminded_at repair_reminded_at ack_escalated_at repair_escalated_at",
            orders,
        )
        db.execute(
            "INSERT INTO work_order_alerts (work_order_id, alert_id, linked_at) "
            "SELECT id, alert_id, opened_at FROM work_orders WHERE alert_id IS NOT NULL"
        )
        insert(db, "work_order_transitions", "work_order_id old_state new_state note actor at", transitions)
        insert(db, "work_order_links", "nonce work_order_id action issued_at expires_at used_at", links)
        # Digests of the days before, so only a sweep after 08:00 sends today's.
        yesterday = (today - timedelta(days=1)).isoformat()
        insert(
            db,
            "digests",
            "contractor day orders sent_at",
            [(f"c{c}", yesterday, 0, NOW) for c in range(CONTRACTORS)],
        )
        if db.dialect == "postgresql":  # ids written by hand: the sequence continues after them
            db.execute("SELECT setval(pg_get_serial_sequence('alerts', 'id'), MAX(id)) FROM alerts")
    counts["transitions"] = len(transitions)
    db.close()
    return counts


def insert(db, table: str, columns: str, rows: list[tuple]) -> None:
    names = columns.split()
    db.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})",
        [dict(zip(names, row)) for row in rows],
    )


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--state", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ww-bench-wo-"))
    try:
        with fleet.state_databases(args.state, 1) as (url,):
            run(args, load_config(write_config(folder, args.sites, fleet.database_toml(url))))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args, config) -> None:
    """Every figure, on the state database `config` names."""
    counts = generate(config, random.Random(11))
    print(json.dumps({"sites": args.sites, "state": args.state, "history_days": 365, **counts}), flush=True)

    clock = {"now": NOW}
    ctx = Context.open(config, clock=lambda: clock["now"])
    sweep = Sweep(ctx)
    boundary, opened, k = [], 0, 0
    while True:
        clock["now"] = NOW + 60 * k
        seconds, result = timed(lambda: sweep.run(clock["now"]))
        if not result.routine and k:
            break
        boundary.append(round(seconds, 3))
        opened += len(result.routine)
        k += 1
    print(
        json.dumps(
            {
                "figure": "sweep_boundary_s",
                "seconds": max(boundary),
                "runs": boundary,
                "routine_orders": opened,
                "target_s": 1.0,
                "note": "a period boundary: every site's routine order opens, ROUTINE_PER_RUN a run",
            }
        ),
        flush=True,
    )
    steady = []
    for j in range(args.cycles):
        clock["now"] = NOW + 60 * (k + j + 1)
        seconds, result = timed(lambda: sweep.run(clock["now"]))
        steady.append(round(seconds, 3))
    print(
        json.dumps(
            {
                "figure": "sweep_cycle_s",
                "seconds": statistics.median(steady),
                "runs": steady,
                "target_s": 1.0,
            }
        ),
        flush=True,
    )
    clock["now"] = NOW + 8 * 3600
    digest_s, digest = timed(lambda: sweep.run(clock["now"]))
    print(
        json.dumps(
            {
                "figure": "sweep_with_digests_s",
                "seconds": round(digest_s, 3),
                "digests": digest.digests,
                "reminders": digest.reminders,
                "escalations": digest.escalations,
            }
        ),
        flush=True,
    )

    now = clock["now"]
    runs = []
    for _ in range(20):
        seconds, overdue = timed(lambda: work_orders.listing(ctx.db, now, overdue_only=True, limit=500))
        runs.append(seconds * 1000)
    print(
        json.dumps(
            {
                "figure": "overdue_listing_ms",
                "ms": round(statistics.median(runs), 2),
                "orders": len(overdue),
                "target_ms": 100.0,
            }
        ),
        flush=True,
    )
    runs = []
    for _ in range(20):
        seconds, page = timed(lambda: work_orders.listing(ctx.db, now, limit=100))
        runs.append(seconds * 1000)
    print(
        json.dumps(
            {
                "figure": "in_play_first_page_ms",
                "ms": round(statistics.median(runs), 2),
                "orders": len(page),
            }
        ),
        flush=True,
    )
    ctx.close()


if __name__ == "__main__":
    main()
