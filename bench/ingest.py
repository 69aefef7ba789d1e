"""Backlog drain: how fast the service stores a queue that built up while it was down.

With the service stopped, a publisher puts N messages (one timestamp, six metrics each) at
QoS 1 into the service's persistent session on a private Mosquitto. Then `wastewatch serve`
starts, and the clock runs until the last message's reading is committed. Messages are
delivered and committed in order, so the last one stored means all are; the count is checked
afterwards, and a takeover of the service's session proves nothing was left unacknowledged.
The same backlog is then drained by a bare paho subscriber that only counts: MQTT 5 like the
service (the ratio), and MQTT 3.1.1 for reference.

Each drain runs --repeat times on a fresh broker and the best run of each kind counts: single
runs vary by up to 40 % here. Prints one JSON line. With --store postgresql the service
stores into a PostgreSQL database made for the run (readings by COPY, store/postgres.py); with
--store both, the same backlog is drained into each, in the same run, one JSON line each.
Usage: .venv/bin/python bench/ingest.py [--messages N] [--sites S] [--repeat R] [--store KIND]
"""

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

ROOT = Path(__file__).resolve().parent.parent

import fleet  # noqa: E402  (bench/fleet.py)

from wastewatch.ingest.broker import PrivateBroker  # noqa: E402
from wastewatch.ingest.topics import readings_topic  # noqa: E402

METRICS = ("flow", "cod", "nh3n", "tp", "ph", "pump_state")
START = datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=8)))


def write_config(folder: Path, port: int, sites: int, url: str | None = None, extra: str = "") -> Path:
    head = extra + (
        f'[service]\ndata_dir = "data"\nlog_level = "INFO"\n[mqtt]\nport = {port}\n'
        'client_id = "bench-service"\n[alerts]\nenabled = false\n'
    )
    if url:
        head += f'[database]\nurl = "{url}"\n[store]\nbackend = "postgresql"\n'
    return fleet.write_config(folder, head, sites, METRICS)


class Reader:
    """Whether a reading is stored yet, and how many are, in either backend."""

    def __init__(self, database: Path, url: str | None):
        if url:
            import psycopg

            self.db, self.mark = psycopg.connect(url.replace("+psycopg", ""), autocommit=True), "%s"
            self.prefix = "store."
        else:
            self.db, self.mark, self.prefix = sqlite3.connect(database), "?", ""

    def has(self, site: str, ts: int) -> bool:
        p, m = self.prefix, self.mark
        return bool(
            self.db.execute(
                f"SELECT 1 FROM {p}readings r JOIN {p}series s ON s.id = r.series "
                f"WHERE s.site_id = {m} AND s.metric = 'cod' AND r.ts = {m}",
                (site, ts),
            ).fetchone()
        )

    def count(self) -> int:
        return self.db.execute(f"SELECT COUNT(*) FROM {self.prefix}readings").fetchone()[0]


def message(n: int, sites: int) -> tuple[str, str]:
    site = f"s{n % sites:04d}"
    ts = (START + timedelta(minutes=5 * (n // sites))).isoformat()
    values = {"flow": 2.5 + n % 7, "cod": 40.0 + n % 11, "nh3n": 5.1, "tp": 0.8, "ph": 7.2, "pump_state": 1}
    return site, json.dumps({"ts": ts, "values": values})


def publish_backlog(port: int, count: int, sites: int, window: int = 5000) -> float:
    return publish_messages(
        port,
        ((readings_topic("wastewatch", s), b) for s, b in (message(n, sites) for n in range(count))),
        window,
    )


def publish_messages(port: int, messages, window: int = 5000) -> float:
    """Publish (topic, body) pairs at QoS 1; seconds until the broker has them all."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-publisher")
    client.max_inflight_messages_set(window)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started = time.perf_counter()
    pending = []
    for topic, body in messages:
        pending.append(client.publish(topic, body, qos=1))
        if len(pending) >= window:  # paho loses track beyond 65,535 awaiting acknowledgement
            for info in pending:
                info.wait_for_publish(60)
            pending.clear()
    for info in pending:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()
    return time.perf_counter() - started


class Counter:
    """A bare MQTT 5 subscriber with a persistent session that only counts (auto-ack)."""

    def __init__(self, port: int, client_id: str, receive_maximum: int = 10000, v311: bool = False):
        self.count = 0
        self.done = threading.Event()
        self.target = None
        self.subscribed = threading.Event()
        if v311:
            self.client = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False
            )
        else:
            self.client = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
            )
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_connect = lambda c, *a: c.subscribe("wastewatch/sites/+/readings", qos=1)
        if v311:
            self.client.connect("127.0.0.1", port)
        else:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 3600
            props.ReceiveMaximum = receive_maximum
            self.client.connect("127.0.0.1", port, clean_start=False, properties=props)

    def _on_message(self, client, userdata, msg):
        self.count += 1
        if self.target is not None and self.count >= self.target:
            self.done.set()

    def run(self):
        self.client.loop_start()
        return self

    def stop(self):
        self.client.disconnect()
        self.client.loop_stop()


def peak_rss_mb_of(pid: int) -> float:
    """Peak resident memory of a process and its children (the writer), summed, from /proc."""

    def hwm(p: int) -> int:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return (hwm(pid) + sum(hwm(int(c)) for c in children)) / 1024


def service_drain(
    folder: Path, broker: PrivateBroker, count: int, sites: int, url: str | None = None, extra: str = ""
) -> dict:
    """extra: TOML sections to add to the service's config."""
    folder.mkdir(parents=True)
    config = write_config(folder, broker.port, sites, url, extra)
    db = folder / "data" / "wastewatch.db"
    log = open(folder / "service.log", "w")
    command = [sys.executable, "-m", "wastewatch", "serve", "--config", str(config)]

    def start() -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return process

    # First start creates the persistent session (and the database), then the service stops.
    process = start()
    while "subscribed" not in (folder / "service.log").read_text():
        time.sleep(0.1)
    process.terminate()
    process.wait()
    publish_backlog(broker.port, count, sites)

    last_site, last_body = message(count - 1, sites)
    last_ts = int(datetime.fromisoformat(json.loads(last_body)["ts"]).timestamp())
    reader = Reader(db, url)
    started = time.perf_counter()
    process = start()
    while not reader.has(last_site, last_ts):
        time.sleep(0.02)
    drain_s = time.perf_counter() - started
    rss = peak_rss_mb_of(process.pid)
    process.terminate()
    process.wait()
    stored = reader.count()
    reader.db.close()

    # Take over the service's session: anything it left unacknowledged would arrive now.
    leftover = Counter(broker.port, "bench-service").run()
    time.sleep(2)
    leftover.stop()
    if process.returncode != 0:
        raise SystemExit(f"the service exited with {process.returncode}; see {folder / 'service.log'}")
    return {"drain_s": drain_s, "stored": stored, "peak_rss_mb": rss, "unacknowledged_left": leftover.count}


def bare_drain(broker: PrivateBroker, count: int, sites: int, v311: bool = False) -> float:
    client_id = "bench-bare-v311" if v311 else "bench-bare"
    counter = Counter(broker.port, client_id, v311=v311)
    counter.run()
    counter.subscribed.wait(10)
    counter.stop()
    publish_backlog(broker.port, count, sites)
    counter = Counter(broker.port, client_id, v311=v311)
    counter.target = count
    started = time.perf_counter()
    counter.run()
    counter.done.wait(600)
    elapsed = time.perf_counter() - started
    counter.stop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="drains of each kind; the best counts (single runs vary by up to 40 %%)",
    )
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgresql", "both"),
        default="sqlite",
        help="where the service stores the readings (both: the same backlog into each)",
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    drains: dict[str, list] = {kind: [] for kind in kinds}
    bare, bare_v311 = [], []
    with tempfile.TemporaryDirectory(prefix="ww-bench-") as tmp:
        folder = Path(tmp)
        # A fresh broker for each drain, so no run inherits another's queue or persistence file.
        for run in range(args.repeat):
            for kind in kinds:
                with (
                    PrivateBroker(folder / f"broker-{kind}-{run}") as broker,
                    fleet.state_databases(kind, 1) as (url,),
                ):
                    drains[kind].append(
                        service_drain(
                            folder / f"service-{kind}-{run}", broker, args.messages, args.sites, url
                        )
                    )
            with PrivateBroker(folder / f"broker-bare-{run}") as broker:
                bare.append(bare_drain(broker, args.messages, args.sites))
            with PrivateBroker(folder / f"broker-bare-v311-{run}") as broker:
                bare_v311.append(bare_drain(broker, args.messages, args.sites, v311=True))
    bare_s, bare_v311_s = min(bare), min(bare_v311)
    readings = args.messages * len(METRICS)
    for kind, services in drains.items():
        service = min(services, key=lambda s: s["drain_s"])
        result = {
            "bench": "ingest_backlog_drain",
            "store": kind,
            "messages": args.messages,
            "readings": readings,
            "runs": args.repeat,
            "stored_readings": min(s["stored"] for s in services),
            "service_messages_per_s": round(args.messages / service["drain_s"]),
            "service_readings_per_s": round(readings / service["drain_s"]),
            # The ratio compares like with like: a bare MQTT 5 paho subscriber, the protocol the
            # service speaks. MQTT 3.1.1 parses faster in paho, shown for reference.
            "bare_messages_per_s": round(args.messages / bare_s),
            "ratio": round(bare_s / service["drain_s"], 3),
            "bare_v311_messages_per_s": round(args.messages / bare_v311_s),
            "ratio_to_v311": round(bare_v311_s / service["drain_s"], 3),
            "service_peak_rss_mb": round(max(s["peak_rss_mb"] for s in services), 1),
            "unacknowledged_left": sum(s["unacknowledged_left"] for s in services),
            "service_runs_messages_per_s": [round(args.messages / s["drain_s"]) for s in services],
            "bare_runs_messages_per_s": [round(args.messages / b) for b in bare],
            "bare_v311_runs_messages_per_s": [round(args.messages / b) for b in bare_v311],
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
