"""Alert evaluation: cycle time at 1,000 sites, and publish-to-email latency.

1. A store with 1,000 sites × 6 metrics × 24 h of 5-minute readings (1.7 M readings, ending
   now). One evaluation cycle is timed cold (first start: every series read back over the
   rules' longest window) and then steady (one new reading per series since the last cycle,
   the median of --cycles). The day-close job is timed too: its first run (7 closed days per
   site judged) and a later one (only counting readings, to find late data).
2. `wastewatch serve` runs on that store with a 10 s check interval, a private Mosquitto and a
   real SMTP server (aiosmtpd) in this process. Over-limit COD readings are published to
   random sites at random moments; the latency is from publish to the email's DATA being
   accepted. The rules are the shipped ones with `consecutive = 1`, so one reading opens an
   alert.

With --state postgresql the state database (alerts, rule memory, outbox) is a PostgreSQL
database on the local server instead of the SQLite file; the readings stay in SQLite.

Prints one JSON line. Usage: .venv/bin/python bench/evaluate.py [--sites N] [--events N]
[--state sqlite|postgresql]
"""

import argparse
import dataclasses
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parent.parent

import fleet  # noqa: E402  (bench/fleet.py)

from tests.support import MailServer  # noqa: E402
from wastewatch.alerts.context import Context  # noqa: E402
from wastewatch.config import load_config  # noqa: E402
from wastewatch.config.loader import SHIPPED  # noqa: E402
from wastewatch.ingest.broker import PrivateBroker  # noqa: E402
from wastewatch.ingest.topics import readings_topic  # noqa: E402
from wastewatch.jobs.cycles import DayClose, Evaluation  # noqa: E402
from wastewatch.store.base import Reading  # noqa: E402

METRICS = ("flow", "cod", "nh3n", "ph", "pump_state", "water_temp")
STEP = 300


def write_config(folder: Path, sites: int, broker_port: int, smtp_port: int, database: str = "") -> Path:
    rules = (SHIPPED / "rules.toml").read_text().replace("consecutive = 3", "consecutive = 1")
    (folder / "rules.toml").write_text(rules)
    head = (
        f'[service]\ndata_dir = "data"\n[mqtt]\nport = {broker_port}\nclient_id = "bench-eval"\n'
        f'[alerts]\ncheck_interval_s = 10\nrules_file = "rules.toml"\n'
        f'[smtp]\nport = {smtp_port}\nsender = "ww@example.cn"\n[web]\nenabled = false\n' + database
    )
    return fleet.write_config(folder, head, sites, METRICS, STEP)


def values(rng: random.Random) -> dict[str, float]:
    return {
        "flow": round(rng.uniform(1.5, 3.0), 2),
        "cod": round(rng.uniform(20, 45), 1),
        "nh3n": round(rng.uniform(2, 6), 2),
        "ph": round(rng.uniform(6.8, 7.6), 2),
        "pump_state": 1.0,
        "water_temp": round(rng.uniform(13, 18), 1),
    }


def fill(config, end: int) -> int:
    from wastewatch.store import open_store

    store, rng, total = open_store(config), random.Random(7), 0
    start = end - 86400
    for site in config.sites:
        rows = []
        for ts in range(start, end, STEP):
            rows += [Reading(site.id, m, ts, v) for m, v in values(rng).items()]
        store.write(rows)
        total += len(rows)
    store.close()
    return total


def cycles(config, now: int, count: int) -> tuple[float, list[float]]:
    ctx = Context.open(config, clock=lambda: now)
    evaluator = Evaluation(ctx)
    started = time.perf_counter()
    evaluator.run(now)
    cold = time.perf_counter() - started
    rng, steady = random.Random(8), []
    for n in range(1, count + 1):
        at = now + n * STEP
        ctx.store.write(
            [Reading(site.id, m, at - 1, v) for site in config.sites for m, v in values(rng).items()]
        )
        started = time.perf_counter()
        evaluator.run(at)
        steady.append(time.perf_counter() - started)
    closer, closes = DayClose(ctx), []
    for _ in range(2):  # the first judges 7 closed days per site; later ones look for late data
        started = time.perf_counter()
        closer.run(now + count * STEP)
        closes.append(time.perf_counter() - started)
    ctx.close()
    return cold, steady, closes


def latency(config_path: Path, config, broker, mail, events: int) -> list[float]:
    log = open(config_path.parent / "serve.log", "w")
    service = subprocess.Popen(
        [sys.executable, "-m", "wastewatch", "serve", "--config", str(config_path)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-logger")
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        # Let start-up work (the first cycle over 24 h of data, the day-close pass) finish first.
        deadline = time.time() + 300
        while time.time() < deadline and "day close in" not in (config_path.parent / "serve.log").read_text():
            time.sleep(0.5)
        while (
            time.time() < deadline
            and (config_path.parent / "serve.log").read_text().count("evaluation in") < 1
        ):
            time.sleep(0.5)
        time.sleep(2)
        mail.messages.clear()
        rng = random.Random(9)
        sites = rng.sample([s.id for s in config.sites], events)
        published: dict[str, float] = {}
        for site in sites:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
            body = json.dumps({"ts": stamp, "values": {"cod": 150.0}})
            published[f"o{int(site[1:])}@example.cn"] = time.time()
            client.publish(readings_topic("wastewatch", site), body, qos=1).wait_for_publish(10)
            time.sleep(rng.uniform(0.5, 3.0))
        deadline = time.time() + 60
        while time.time() < deadline and len(_arrivals(mail, published)) < events:
            time.sleep(0.2)
        arrivals = _arrivals(mail, published)
        return [arrivals[to] - published[to] for to in published if to in arrivals]
    finally:
        client.loop_stop()
        service.terminate()
        service.wait(60)
        log.close()


def _arrivals(mail, published) -> dict[str, float]:
    seen = {}
    for (recipients, message), at in zip(mail.messages, mail.arrived):
        if re.search("COD|化学需氧量", str(message["Subject"])) and recipients[0] in published:
            seen.setdefault(recipients[0], at)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--state", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        PrivateBroker(Path(tmp) / "broker") as broker,
        fleet.state_databases(args.state, 2) as (timed_state, served_state),
    ):
        mail = MailServer().start()
        path = write_config(Path(tmp), args.sites, broker.port, mail.port, fleet.database_toml(served_state))
        config = load_config(path)
        now = int(time.time()) // STEP * STEP - 2 * STEP
        readings = fill(config, now)
        # Timed on a copy: the latency run below needs the store as it was.
        copy = Path(tmp) / "copy"
        copy.mkdir()
        shutil.copy(config.database_path, copy / "wastewatch.db")
        copied = dataclasses.replace(
            config,
            file=config.file.model_copy(
                update={"store": config.file.store.model_copy(update={"path": copy / "wastewatch.db"})}
            ),
        )
        copied = fleet.with_database(copied, timed_state)
        cold, steady, closes = cycles(copied, now, args.cycles)
        waits = latency(path, config, broker, mail, args.events)
        mail.stop()
    waits.sort()
    p95 = waits[max(0, int(round(0.95 * len(waits))) - 1)] if waits else None
    print(
        json.dumps(
            {
                "sites": args.sites,
                "state": args.state,
                "metrics": len(METRICS),
                "stored_readings": readings,
                "cold_cycle_s": round(cold, 3),
                "steady_cycle_s": round(statistics.median(steady), 3),
                "steady_cycles_s": [round(s, 3) for s in steady],
                "target_cycle_s": 2.0,
                "day_close_first_s": round(closes[0], 2),
                "day_close_again_s": round(closes[1], 2),
                "check_interval_s": 10,
                "events": args.events,
                "emails_received": len(waits),
                "latency_p95_s": p95 and round(p95, 2),
                "latency_max_s": waits and round(waits[-1], 2),
                "latency_median_s": waits and round(statistics.median(waits), 2),
                "target_latency_p95_s": 15.0,
            }
        )
    )


if __name__ == "__main__":
    main()
