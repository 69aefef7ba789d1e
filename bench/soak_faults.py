"""The soak's fault lanes: each a thread that draws its waits and choices from the seed,
injects one kind of fault, heals it, and counts it (bench/soak.py lists them)."""

import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import chaos


class Faults:
    """The fault lanes, each a thread drawing its waits and choices from the seed."""

    def __init__(self, seed: int, minutes: float, service, broker, mail, disk, database: Path, sim):
        self.seed, self.long = seed, minutes >= 30
        self.service, self.broker, self.mail, self.disk = service, broker, mail, disk
        self.database, self.fleet = database, sim
        self.counts: Counter = Counter()
        self.broker_kills: list[
            tuple[float, float]
        ] = []  # (kill, restart) in time.time(), as Mosquitto's log
        self.health: list[bool] = []  # /healthz named the full disk, per disk fault
        self.web_port = 0
        self.stopping = threading.Event()
        lanes = [self.service_lane, self.broker_lane, self.mail_lane, self.lock_lane, self.input_lane]
        if disk:
            lanes.append(self.disk_lane)
        self.threads = [
            threading.Thread(target=self._lane, args=(lane, n), name=lane.__name__, daemon=True)
            for n, lane in enumerate(lanes)
        ]

    def _lane(self, lane, n: int) -> None:
        rnd = random.Random(self.seed * 100 + n)
        while not self.stopping.wait(lane(rnd, None)):
            kind = lane(rnd, True)
            if kind:
                self.counts[kind] += 1

    # A lane called with act=None says how long to wait; with act=True it injects one fault
    # (healing it before it returns) and says which.
    def service_lane(self, rnd, act):
        if act is None:
            return rnd.uniform(6, 18)
        if rnd.random() < 0.3 and self.service.kill_writer():
            return "writer_kill9"
        self.service.kill()
        return "service_kill9"

    def broker_lane(self, rnd, act):
        if act is None:
            return rnd.uniform(8, 20)
        if rnd.random() < 0.5:
            self.broker.stop()
            kind = "broker_stop"
        else:
            self.broker._process.kill()
            self.broker._process.wait()
            killed = time.time()
            kind = "broker_kill9"
        time.sleep(rnd.uniform(1, 4))
        self.broker.start()
        if kind == "broker_kill9":
            # Until the restart, a PUBACK read by the fleet was sent by the broker before it died.
            self.broker_kills.append((killed, time.time()))
        return kind

    def mail_lane(self, rnd, act):
        if act is None:
            return rnd.uniform(2, 6)
        mode = rnd.choice(("down", "busy", "bounce", "hang"))
        hold = (
            rnd.uniform(60, 180)
            if mode == "down" and self.long and rnd.random() < 0.1
            else rnd.uniform(3, 12)
        )
        self.mail.set(mode)
        self.stopping.wait(hold)
        self.mail.set("up")
        return f"smtp_{mode}"

    def disk_lane(self, rnd, act):
        if act is None:
            return rnd.uniform(15, 35)
        self.disk.fill()
        self.stopping.wait(rnd.uniform(4, 12))
        # What a monitoring probe hears while the disk is full (the service may be restarting).
        self.health.append("disk full" in healthz(self.web_port))
        self.disk.free()
        return "disk_full"

    def lock_lane(self, rnd, act):
        if act is None:
            return rnd.uniform(15, 35)
        if not self.database.exists():
            return None
        holder = chaos.hold_lock(self.database, rnd.uniform(11, 14))
        holder.wait()
        return "database_locked"

    def input_lane(self, rnd, act):
        if act is None:
            return rnd.uniform(0.3, 1.0)
        if rnd.random() < 0.5:
            return self.fleet.clock_jump()
        self.fleet.malformed(rnd.randint(3, 10))
        return "malformed_burst"

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def healthz(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.read().decode()
    except OSError:
        return ""
