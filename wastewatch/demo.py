"""`wastewatch demo`: the whole service on embedded defaults, with a simulated fleet.

A private Mosquitto, SQLite, a local mail server that saves every email as an .eml file, and
12 sites in Tianquan's towns publishing in accelerated time (a simulated day per real minute,
starting two days back, until simulated time catches up with the clock): nine publish JSON on
MQTT, three are HJ 212 data loggers sending frames to the TCP listener. Faults are injected
so that every alert kind and a work order appear within two minutes. The config it writes is a
real one: every other command works on the demo's data.
"""

import json
import logging
import math
import random
import socket
import threading
import time
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import paho.mqtt.client as mqtt

from wastewatch.access import accounts, audit
from wastewatch.access.roles import ROLES
from wastewatch.alerts import lifecycle
from wastewatch.config import load_config
from wastewatch.config.hj212 import codes, default_equipment
from wastewatch.config.loader import SHIPPED
from wastewatch.ingest.broker import BrokerError, PrivateBroker, free_port, port_open
from wastewatch.ingest.hj212 import frame, upload
from wastewatch.ingest.topics import readings_topic
from wastewatch.maintenance import work_orders
from wastewatch.service import sleep_unless_stopped, wait_for_the_store
from wastewatch.store import open_store
from wastewatch.store.state import connect, transaction

from .app import App
from .mailbox import Mailbox

# Illustrative sites named after Tianquan's towns (docs/domain.md §8), not an inventory.
TOWNS = {"城厢镇": "cx", "始阳镇": "sy", "小河镇": "xh", "思经镇": "sj", "仁义镇": "ry", "喇叭河镇": "lb"}
VILLAGES = ["一村", "二村"]
METRICS = {"flow": 300, "cod": 300, "nh3n": 300, "tp": 300, "ph": 300, "water_temp": 300, "pump_state": 300}
SIM_STEP_S = 300  # one publish per site per simulated five minutes
SPEEDUP = 1440  # a simulated day per real minute
HOUR = 3600
DEMO_MARK = "# Written by 'wastewatch demo'."
# Injected faults: site index → (fault, simulated hours after the start it begins, hours it lasts).
FAULTS = {
    0: ("cod_high", 1, 40),  # sample exceedance, then a daily-mean exceedance and its work order
    1: ("silent", 3, 30),  # comms loss, then a comms-restore work order after 24 h
    2: ("pump_alarm", 4, 2),  # equipment alarm and a repair work order
    3: ("pump_stopped", 6, 10),  # pump off: equipment stopped and zero flow
    4: ("overload", 0, 48),  # hydraulic overload when the day closes
    5: ("stuck_nh3n", 1, 12),  # a stuck sensor (data quality)
    6: ("ph_out_of_range", 5, 1),  # an impossible pH (data quality)
}


class SimClock:
    """Simulated time: SPEEDUP × real time from `start`, never past the real clock."""

    def __init__(self, start: float):
        self.start, self.real_start = start, time.time()

    def __call__(self) -> float:
        return min(self.start + (time.time() - self.real_start) * SPEEDUP, time.time())


# The last sites are HJ 212 data loggers on TCP, as most plants' monitoring is: their MN and PW.
LOGGERS = 3
PW = "123456"


def logger_mn(n: int) -> str:
    return f"5118250000000000000{n:05d}"


@cache
def wire_names() -> dict[str, tuple[str, float]]:
    """Canonical metric → (the CP field a logger sends it as, factor from our unit to the
    wire's), from the code table: its 2017 rows come first, and SBn-RS as the default machines."""
    names: dict[str, tuple[str, float]] = {}
    for entry in codes().values():
        names.setdefault(entry.metric, (f"{entry.code}-Rtd", 1 / entry.factor))
    for number, metric in default_equipment().items():
        names[metric] = (f"{number}-RS", 1)
    return names


def demo_config(data_dir: Path, port: int, smtp_port: int, web_port: int, hj212_port: int) -> Path:
    rules = (SHIPPED / "rules.toml").read_text(encoding="utf-8")
    # A simulated day per minute would re-send critical alerts every 10 s; twice a simulated day is enough.
    (data_dir / "rules.toml").write_text(
        rules.replace("renotify_after_s = 14400", "renotify_after_s = 43200"), encoding="utf-8"
    )
    lines = [
        DEMO_MARK,
        "[service]",
        'data_dir = "."',
        "",
        "[mqtt]",
        'host = "127.0.0.1"',
        f"port = {port}",
        'client_id = "wastewatch-demo"',
        "",
        "[alerts]",
        "check_interval_s = 1",
        "day_close_interval_s = 5",
        "outbox_interval_s = 1",
        'rules_file = "rules.toml"',
        "",
        "[smtp]",
        f"port = {smtp_port}",
        'sender = "wastewatch@tqhb.example.cn"',
        "",
        "[bureau]",
        'name = "天全县生态环境局"',
        'emails = ["ducha@tqhb.example.cn"]',
        "",
        "[web]",
        f"port = {web_port}",
        "",
        "[hj212]",
        "enabled = true",
        'host = "127.0.0.1"',
        f"port = {hj212_port}",
        "",
        "[inventory]",
        'villages_csv = "villages.csv"',
        "",
        "[[contractors]]",
        'id = "tq-om"',
        'name = "天全县清源环保运维有限公司（演示）"',
        'email = "dispatch@qingyuan.example.cn"',
        "",
    ]
    metrics = ", ".join(f"{m} = {s}" for m, s in METRICS.items())
    count = len(TOWNS) * len(VILLAGES)
    for n, (town, code) in enumerate((t, c) for t, c in TOWNS.items() for _ in VILLAGES):
        village = VILLAGES[n % 2]
        capacity = [15.0, 30.0, 60.0, 120.0][n % 4]
        lines += [
            "[[sites]]",
            f'id = "{code}-{n % 2 + 1:02d}"',
            f'name = "{town}{village}污水处理站"',
            f'town = "{town}"',
            f'village = "{village}"',
            f"capacity_m3d = {capacity}",
            f'receiving_water = "{["III", "IV", "none"][n % 3]}"',
            "key_control_area = true",
            'contractor = "tq-om"',
            'operators = ["jianguan@tqhb.example.cn"]',
            f"metrics = {{ {metrics} }}",
        ]
        if n >= count - LOGGERS:
            lines += [f'hj212_mn = "{logger_mn(n)}"', f'hj212_pw = "{PW}"']
        lines.append("")
    # Each town's third village has no facility of its own; 城厢镇's is piped to the county plant.
    villages = ["乡镇,行政村,其他治理方式"] + [
        f"{town},{village},{'纳入县城污水处理厂' if (town, village) == ('城厢镇', '三村') else ''}"
        for town in TOWNS
        for village in VILLAGES + ["三村"]
    ]
    (data_dir / "villages.csv").write_text("\n".join(villages) + "\n", encoding="utf-8")
    path = data_dir / "wastewatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def reading(
    ts: float, rng: random.Random, capacity: float, fault: str | None, cod_limit: float
) -> dict | None:
    hour = (ts / 3600 + 8) % 24
    diurnal = 1 + 0.6 * math.sin((hour - 8) / 24 * 2 * math.pi)
    values = {
        "flow": round(max(0.0, capacity / 24 * diurnal * rng.uniform(0.8, 1.1)), 2),
        "cod": round(rng.gauss(0.55 * cod_limit, 4), 1),
        "nh3n": round(abs(rng.gauss(5, 1.5)), 2),
        "tp": round(abs(rng.gauss(0.9, 0.2)), 2),
        "ph": round(rng.gauss(7.2, 0.2), 2),
        "water_temp": round(14 + 4 * math.sin(hour / 24 * 2 * math.pi), 1),
        "pump_state": 1,
    }
    if fault == "silent":
        return None
    if fault == "cod_high":
        values["cod"] = round(rng.gauss(1.4 * cod_limit, 5), 1)
    elif fault == "pump_alarm":
        values["pump_state"] = 4
    elif fault == "pump_stopped":
        values["pump_state"], values["flow"] = 0, 0.0
    elif fault == "overload":
        values["flow"] = round(values["flow"] * 1.6, 2)
    elif fault == "stuck_nh3n":
        values["nh3n"] = 4.2
    elif fault == "ph_out_of_range":
        values["ph"] = 15.5
    return values


def hj212_frame(site, sim: float, values: dict, tz, pw: str = PW) -> bytes:
    """One real-time upload (CN 2011) as the site's logger writes it, asking for a reply."""
    names = wire_names()
    items = ";".join(f"{names[m][0]}={round(v * names[m][1], 3)}" for m, v in values.items() if m in names)
    return frame(
        upload(datetime.fromtimestamp(sim, tz).replace(microsecond=0), "2011", site.hj212_mn, pw, items)
    )


class Fleet(threading.Thread):
    """Publishes each site's readings at QoS 1 on the simulated clock; the sites with an HJ 212
    logger send frames over TCP instead."""

    def __init__(self, config, clock: SimClock, cod_limits: dict, stop: threading.Event, hj212_port: int):
        super().__init__(name="demo-fleet", daemon=True)
        self.config, self.clock, self.cod_limits, self.stop = config, clock, cod_limits, stop
        self.published = 0
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="demo-fleet")
        self.client.connect(config.mqtt.host, config.mqtt.port)
        self.client.loop_start()
        self.loggers = {}
        for site in config.sites:
            if site.hj212_mn:
                sock = socket.create_connection(("127.0.0.1", hj212_port), timeout=10)
                sock.setblocking(False)  # the replies are read and dropped as they come
                self.loggers[site.id] = sock

    def run(self) -> None:
        rng = random.Random(2026)
        prefix = self.config.mqtt.topic_prefix
        sim = self.clock.start
        while not self.stop.is_set():
            while sim + SIM_STEP_S <= self.clock() and not self.stop.is_set():
                sim += SIM_STEP_S
                self._publish(sim, rng, prefix)
            self.stop.wait(0.05)
        self.client.loop_stop()
        self.client.disconnect()
        for sock in self.loggers.values():
            sock.close()

    def _publish(self, sim: float, rng: random.Random, prefix: str) -> None:
        stamp = datetime.fromtimestamp(sim, self.config.tz).isoformat()
        elapsed_h = (sim - self.clock.start) / HOUR
        for n, site in enumerate(self.config.sites):
            fault, begins, lasts = FAULTS.get(n, (None, 0, 0))
            active = fault if begins <= elapsed_h < begins + lasts else None
            values = reading(sim, rng, site.capacity_m3d, active, self.cod_limits[site.id])
            if values is None:
                continue
            if site.id in self.loggers:
                self._send_frame(site, sim, values)
                continue
            self.client.publish(
                readings_topic(prefix, site.id), json.dumps({"ts": stamp, "values": values}), qos=1
            )
            self.published += 1
            if self.published % 500 == 0:
                # A logger with a broken firmware: shows what a rejection looks like.
                self.client.publish(
                    readings_topic(prefix, site.id), '{"ts": "yesterday", "values": {"cod": "high"}}', qos=1
                )

    def _send_frame(self, site, sim: float, values: dict) -> None:
        sock = self.loggers[site.id]
        # Now and then a frame with a PW that is not the registered one: a rejection to look at.
        wrong = self.published % 499 == 0
        try:
            sock.sendall(hj212_frame(site, sim, values, self.config.tz, "000000" if wrong else PW))
            sock.recv(65536)
        except BlockingIOError:
            pass
        except OSError:
            return  # the listener closed the connection (the demo is stopping)
        self.published += 1


def _start_afresh(data_dir: Path) -> None:
    """A demo run replays the same two simulated days: yesterday's run would hide its alerts.
    Only a folder the demo wrote itself (its config says so) is cleared."""
    config = data_dir / "wastewatch.toml"
    if not config.exists() or not config.read_text(encoding="utf-8").startswith(DEMO_MARK):
        return
    for path in [*data_dir.glob("wastewatch.db*"), *(data_dir / "mail").glob("*.eml")]:
        path.unlink()
    print(f"demo: starting afresh (the previous demo's data in {data_dir} removed)")


# The demo's people, named in the console's language.
DEMO_NAMES = {
    "admin": "演示管理员",
    "operator": "演示监管员",
    "regulator": "演示监管部门",
    "contractor": "演示运维单位",
}


def _demo_users(db, config, now: int) -> list[tuple[str, str, str]]:
    """One console account per role, with a fresh password each run: (username, password, role)."""
    made = []
    with transaction(db):
        for role in ROLES:
            contractor = config.contractors[0].id if role == "contractor" else None
            password = accounts.new_password()
            accounts.add(db, config, role, DEMO_NAMES[role], role, password, now, contractor)
            audit.record(db, "demo", "user.add", now, target=role)
            made.append((role, password, role + (f" of {contractor}" if contractor else "")))
    return made


def run_demo(data_dir: Path, duration: float | None, stop: threading.Event) -> None:
    # Warnings only from the service: the demo prints its own lines.
    logging.basicConfig(level=logging.ERROR, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _start_afresh(data_dir)
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
    mailbox = Mailbox(data_dir / "mail", free_port()).start()
    print(f"demo: mail server on 127.0.0.1:{mailbox.port}; every email is saved under {mailbox.folder}")
    web_port = 8080 if not port_open("127.0.0.1", 8080) else free_port()
    hj212_port = 9212 if not port_open("127.0.0.1", 9212) else free_port()
    config = load_config(demo_config(data_dir, port, mailbox.port, web_port, hj212_port))
    # Start at local midnight two days back: the first simulated day closes after a minute.
    midnight = datetime.now(config.tz).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    clock = SimClock(midnight.timestamp())
    if not wait_for_the_store(config, stop):  # as `serve` does: a full disk is waited out
        mailbox.stop()
        if broker:
            broker.stop()
        return
    store = open_store(config)  # for the status line; the ingestor writes from its own process
    state = connect(config.state_url)
    # The service as `serve` runs it, on the simulated clock; console sessions on the real one.
    app = App(config, clock, session_clock=time.time).start()
    ingestor, loggers, alerts = app.ingestor, app.loggers, app.alerts
    ingestor.connected.wait(10)
    print(f"demo: HJ 212 listener on 127.0.0.1:{loggers.port}; {LOGGERS} sites' loggers send frames to it")
    cod_limits = {
        site.id: alerts.evaluate_ctx.standard(site.id).limit("cod", None).high for site in config.sites
    }
    print(f"demo: contractors' work-order pages on {config.web.url}; each work-order email's links open them")
    logins = _demo_users(state, config, int(clock()))
    print(f"demo: the console on {config.web.url}/ — sign in as any of:")
    for username, password, role in logins:
        print(f"      {username:<11} password {password}  ({role})")
    fleet = Fleet(config, clock, cod_limits, stop, loggers.port)
    fleet.start()
    print(
        f"demo: {len(config.sites)} sites publishing from {midnight:%Y-%m-%d %H:%M}, a simulated day "
        "per minute; "
        f"config {config.path}; Ctrl-C stops"
    )
    started = time.monotonic()
    signs = " ".join(f"{username}/{password}" for username, password, _ in logins)
    try:
        while not sleep_unless_stopped(stop, 5):
            open_alerts, orders = lifecycle.open_count(state), work_orders.count(state)
            rejected = ingestor.counters.rejections + loggers.counters.rejections
            print(
                f"demo: simulated {datetime.fromtimestamp(clock(), config.tz):%m-%d %H:%M} | "
                f"{fleet.published} published, {store.count_readings()} readings stored, "
                f"{rejected} rejected | {open_alerts} open alerts, {orders} work orders, "
                f"{mailbox.received} emails | console {config.web.url}/ sign in: {signs}",
                flush=True,
            )
            if duration and time.monotonic() - started >= duration:
                break
    finally:
        stop.set()
        fleet.join(5)
        app.stop()
        mailbox.stop()
        summary = lifecycle.counts_by_rule(state)
        state.close()
        store.close()
        if broker:
            broker.stop()
    print("demo: alerts by rule: " + (", ".join(f"{rule} {n}" for rule, n in summary) or "none"))
    print(
        f"demo: stopped. Look around: wastewatch alerts list --config {config.path}\n"
        f"      wastewatch workorders list --config {config.path}\n"
        f"      wastewatch outbox list --config {config.path}\n"
        f"      wastewatch report monthly --config {config.path} --month "
        f"{datetime.fromtimestamp(clock(), config.tz):%Y-%m} "
        f"--out {data_dir / 'report'}"
    )
