"""`wastewatch demo`: the ingestor on embedded defaults with a simulated fleet.

Writes a real config file into the data folder, so every other command works on the demo's
data (`wastewatch readings --config demo-data/wastewatch.toml ...`).
"""

import json
import logging
import math
import random
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from config import load_config
from ingest.broker import BrokerError, PrivateBroker, port_open
from ingest.client import Ingestor
from ingest.topics import readings_topic
from store import open_store

# Illustrative sites named after Tianquan's towns (shared/domain.md §8), not an inventory.
TOWNS = {"城厢镇": "cx", "始阳镇": "sy", "小河镇": "xh", "思经镇": "sj", "仁义镇": "ry", "喇叭河镇": "lb"}
VILLAGES = ["一村", "二村"]
METRICS = {"flow": 300, "cod": 300, "nh3n": 300, "tp": 300, "ph": 300, "water_temp": 300, "pump_state": 300}
SIM_STEP_S = 300  # one publish per site per simulated five minutes
SPEEDUP = 300  # simulated seconds per real second


def demo_config(data_dir: Path, port: int) -> Path:
    lines = [
        "# Written by 'wastewatch demo'.",
        "[service]", 'data_dir = "."', "",
        "[mqtt]", 'host = "127.0.0.1"', f"port = {port}", 'client_id = "wastewatch-demo"', "",
        "[[contractors]]", 'id = "tq-om"', 'name = "天全县清源环保运维有限公司（演示）"',
        'email = "dispatch@qingyuan.example.cn"', "",
    ]
    metrics = ", ".join(f"{m} = {s}" for m, s in METRICS.items())
    for n, (town, code) in enumerate((t, c) for t, c in TOWNS.items() for _ in VILLAGES):
        village = VILLAGES[n % 2]
        capacity = [15.0, 30.0, 60.0, 120.0][n % 4]
        lines += ["[[sites]]", f'id = "{code}-{n % 2 + 1:02d}"', f'name = "{town}{village}污水处理站"',
                  f'town = "{town}"', f'village = "{village}"', f"capacity_m3d = {capacity}",
                  f'receiving_water = "{["III", "IV", "none"][n % 3]}"', "key_control_area = true",
                  'contractor = "tq-om"', 'operators = ["jianguan@tqhb.example.cn"]',
                  f"metrics = {{ {metrics} }}", ""]
    path = data_dir / "wastewatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def reading(ts: float, rng: random.Random, capacity: float) -> dict[str, float]:
    hour = (ts / 3600 + 8) % 24
    diurnal = 1 + 0.6 * math.sin((hour - 8) / 24 * 2 * math.pi)
    return {
        "flow": round(max(0.0, capacity / 24 * diurnal * rng.uniform(0.8, 1.2)), 2),
        "cod": round(rng.gauss(38, 6), 1), "nh3n": round(abs(rng.gauss(5, 1.5)), 2),
        "tp": round(abs(rng.gauss(0.9, 0.2)), 2), "ph": round(rng.gauss(7.2, 0.2), 2),
        "water_temp": round(14 + 4 * math.sin(hour / 24 * 2 * math.pi), 1), "pump_state": 1,
    }


class Fleet(threading.Thread):
    """Publishes each site's readings at QoS 1, simulated time running SPEEDUP times faster."""

    def __init__(self, config, stop: threading.Event):
        super().__init__(name="demo-fleet", daemon=True)
        self.config, self.stop = config, stop
        self.published = 0
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="demo-fleet")
        self.client.connect(config.mqtt.host, config.mqtt.port)
        self.client.loop_start()

    def run(self) -> None:
        rng = random.Random(2026)
        sim = time.time() - 86400  # start a day back, so accelerated time stays in the past
        prefix = self.config.mqtt.topic_prefix
        while not self.stop.is_set():
            sim = min(sim + SIM_STEP_S, time.time())
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(sim + 8 * 3600))
            for site in self.config.sites:
                body = {"ts": stamp, "values": reading(sim, rng, site.capacity_m3d)}
                self.client.publish(readings_topic(prefix, site.id), json.dumps(body), qos=1)
                self.published += 1
            if self.published % (len(self.config.sites) * 10) == 0:
                # A logger with a broken firmware: shows what a rejection looks like.
                self.client.publish(readings_topic(prefix, self.config.sites[0].id),
                                    '{"ts": "yesterday", "values": {"cod": "high"}}', qos=1)
            self.stop.wait(SIM_STEP_S / SPEEDUP)
        self.client.loop_stop()
        self.client.disconnect()


def run_demo(data_dir: Path, duration: float | None, stop: threading.Event) -> None:
    # Warnings only: the demo shows each rejection as it happens, not routine connection news.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    broker = None
    if PrivateBroker.available():
        broker = PrivateBroker(data_dir / "broker").start()
        port = broker.port
        print(f"demo: private Mosquitto on 127.0.0.1:{port}")
    elif port_open("127.0.0.1", 1883):
        port = 1883
        print("demo: Mosquitto is not installed here; using the broker on 127.0.0.1:1883")
    else:
        raise BrokerError("the demo needs Mosquitto: install it with 'apt-get install mosquitto'")
    config = load_config(demo_config(data_dir, port))
    store = open_store(config)  # for the status line; the ingestor writes from its own process
    ingestor = Ingestor(config)
    ingestor.start()
    ingestor.connected.wait(10)
    fleet = Fleet(config, stop)
    fleet.start()
    print(f"demo: {len(config.sites)} sites publishing; config {config.path}; Ctrl-C stops")
    started = time.monotonic()
    try:
        while not stop.wait(5):
            c = ingestor.counters
            print(f"demo: {fleet.published} messages published, {c.messages} committed, "
                  f"{store.count_readings()} readings stored, {c.rejections} rejected", flush=True)
            if duration and time.monotonic() - started >= duration:
                break
    finally:
        stop.set()
        fleet.join(5)
        ingestor.stop()
        store.close()
        if broker:
            broker.stop()
    print(f"demo: stopped. Look at the data: wastewatch readings --config {config.path} "
          f"--site {config.sites[0].id} --metric cod")
