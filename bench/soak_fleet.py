"""The soak's simulated fleet, in accelerated time, and its record of what was acknowledged.

Sites report every STEP simulated seconds; simulated time runs `speed` times faster than the
wall clock and ends near now, so every reading lies in the past and inside the backfill
horizon. A value is a function of (site, metric, time): a reading sent twice (a logger whose
clock went back an hour, a resend after a lost reply) carries the same value both times.

Live sites report in real time, every LIVE_STEP seconds, with conditions that come and go
(COD over its limit for a while, a pump in alarm): the sample rules judge a series from the
service's first sight of it, so these are what open and resolve alerts, and send emails, over
and over; the accelerated sites' history feeds the days, the daily rule and the report.

MQTT sites publish JSON at QoS 1 through paho, which queues while the broker is away and
resends after a reconnect; a message counts as acknowledged once paho has its PUBACK. HJ 212
loggers speak TCP to the service's listener and count a frame acknowledged when its reply
(sent only after the commit) arrives; without one in REPLY_S they reconnect and send it again,
as loggers do. The "broken" site sends malformed input, each piece marked with a nonce
(`bad0000042`) or, for clock faults, a unique timestamp, which its rejection record must quote.
"""

import hashlib
import json
import random
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt

from wastewatch.ingest.hj212 import frame, upload
from wastewatch.ingest.topics import readings_topic

TZ = ZoneInfo("Asia/Shanghai")
STEP = 300  # simulated seconds between a site's readings
LIVE_STEP = 2  # real seconds between a live site's readings
REPLY_S = 8.0
PW = "123456"
EPOCH_2000 = int(datetime(2000, 1, 1, tzinfo=TZ).timestamp())


@dataclass(frozen=True)
class Plan:
    """Which site is which: MQTT JSON or an HJ 212 logger, and what its readings say."""

    sites: int
    exceeding: frozenset  # COD steadily over every limit
    pump_fault: frozenset  # pump_state 4 (alarm) throughout
    live: int  # sites reporting in real time

    @classmethod
    def of(cls, sites: int) -> "Plan":
        some = set(range(sites))
        return cls(sites, frozenset({1, 6} & some), frozenset({2} & some), max(1, sites // 3))

    @staticmethod
    def live_id(n: int) -> str:
        return f"live{n:02d}"

    @staticmethod
    def live_values(n: int, ts: int) -> dict[str, float]:
        """COD over every limit in some 10-second blocks, and in others for two readings only
        (one short of the rule's three); the pump in alarm in some 20-second blocks. Drawn
        from (site, block), so a resend carries the same values."""
        k = ts // LIVE_STEP
        cod = _draw(n, "cod", k // 5)
        over = cod < 2 or (cod == 2 and k % 5 < 2)
        return {
            "flow": round(1.5 + k % 6 * 0.1, 2),
            "cod": (150.0 if over else 30.0) + k % 7,
            "ph": round(7.0 + k % 5 / 10, 1),
            "pump_state": 4.0 if _draw(n, "pump", k // 10) == 0 else 1.0,
        }

    @staticmethod
    def site_id(s: int) -> str:
        return f"s{s:04d}"

    @staticmethod
    def logger(s: int) -> bool:
        return s % 4 == 3

    @staticmethod
    def mn(s: int) -> str:
        return f"{s:024d}"

    def metrics(self, s: int) -> tuple[str, ...]:
        return ("flow", "cod", "ph") if self.logger(s) else ("flow", "cod", "ph", "pump_state")

    def values(self, s: int, ts: int) -> dict[str, float]:
        k = ts // STEP
        cod = (150 if s in self.exceeding else 30) + k % 9
        found = {"flow": round(1.5 + k % 6 * 0.1, 2), "cod": float(cod), "ph": round(7.0 + k % 5 / 10, 1)}
        if not self.logger(s):
            found["pump_state"] = 4.0 if s in self.pump_fault else 1.0
        return found


def _draw(n: int, what: str, block: int) -> int:
    return int.from_bytes(hashlib.blake2b(f"{n}:{what}:{block}".encode(), digest_size=4).digest()) % 6


@dataclass
class Record:
    """What was sent and whether it was acknowledged: readings (site, metric, ts, value) or the
    marks (nonces, timestamps) its rejection records must quote."""

    readings: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    info: object = None  # paho's MQTTMessageInfo
    acked: bool = False
    acked_at: float | None = None  # when the broker's PUBACK came (time.time(), as its log)

    def done(self) -> bool:
        # paho's is_published() raises for a message published while disconnected, though it
        # sends it after the reconnect: the PUBACK callback's time says it instead.
        return self.acked or self.acked_at is not None


class Fleet:
    def __init__(self, plan: Plan, broker_port: int, hj212_port: int, start: int, speed: float, seed: int):
        self.plan, self.start, self.speed = plan, start, speed
        self.random = random.Random(seed)
        self.records: list[Record] = []
        self.t0 = time.monotonic()
        self.stopping = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="soak-fleet")
        self.client.max_queued_messages_set(0)
        # PUBACK times, for telling a loss in Mosquitto's own kill -9 from one of ours. A PUBACK
        # can beat publish()'s return to the record: it waits in `early` for its record.
        self.by_mid: dict[int, Record] = {}
        self.early: dict[int, float] = {}
        self.mid_lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.reconnect_delay_set(1, 2)
        self.client.connect_async("127.0.0.1", broker_port)
        self.client.loop_start()
        self.loggers = {s: Logger(self, s, hj212_port) for s in range(plan.sites) if plan.logger(s)}
        self.next_ts = {s: start for s in range(plan.sites)}
        self.clock_site_ts = start
        self.live_ts = 0
        self.nonce = 0
        self.thread = threading.Thread(target=self._run, name="fleet", daemon=True)

    def sim_now(self) -> int:
        return int(self.start + (time.monotonic() - self.t0) * self.speed)

    def begin(self) -> None:
        # Simulated time runs from here, not from when the fleet was made: the service's start
        # comes between, and each second of it would put the readings `speed` seconds further
        # ahead (a start slowed to 4 s put them over an hour ahead, refused as from the future).
        self.t0 = time.monotonic()
        self.live_ts = int(time.time()) // LIVE_STEP * LIVE_STEP + LIVE_STEP
        for logger in self.loggers.values():
            logger.start()
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            now = self.sim_now()
            for s in range(self.plan.sites):
                while self.next_ts[s] <= now:
                    self._reading(s, self.next_ts[s])
                    self.next_ts[s] += STEP
            while self.clock_site_ts <= now:
                self._publish("clock", self.clock_site_ts, self.clock_values(self.clock_site_ts))
                self.clock_site_ts += STEP
            while self.live_ts <= time.time():
                for n in range(self.plan.live):
                    self._publish(self.plan.live_id(n), self.live_ts, self.plan.live_values(n, self.live_ts))
                self.live_ts += LIVE_STEP
            time.sleep(0.05)

    @staticmethod
    def clock_values(ts: int) -> dict[str, float]:
        return {"flow": round(1.0 + ts // STEP % 4 * 0.1, 2), "cod": 25.0 + ts // STEP % 7}

    def _reading(self, s: int, ts: int) -> None:
        values = self.plan.values(s, ts)
        site = self.plan.site_id(s)
        if s in self.loggers:
            self.loggers[s].send(ts, values)
        else:
            self._publish(site, ts, values)

    def _publish(self, site: str, ts: int, values: dict, extra: dict | None = None) -> Record:
        stamp = datetime.fromtimestamp(ts, TZ).isoformat()
        body = json.dumps({"ts": stamp, "values": values, **(extra or {})})
        record = Record(readings=[(site, m, ts, v) for m, v in values.items()])
        return self._send(site, body.encode(), record)

    def _send(self, site: str, payload: bytes, record: Record) -> Record:
        record.info = self.client.publish(readings_topic("wastewatch", site), payload, qos=1)
        self.records.append(record)
        with self.mid_lock:
            at = self.early.pop(record.info.mid, None)
            if at is None:
                self.by_mid[record.info.mid] = record
            else:
                record.acked_at = at
        return record

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        now = time.time()
        with self.mid_lock:
            record = self.by_mid.pop(mid, None)
            if record is None:
                self.early[mid] = now
            else:
                record.acked_at = now

    def mark(self) -> str:
        self.nonce += 1
        return f"bad{self.nonce:07d}"

    # The fault lane's inputs.
    def clock_jump(self) -> str:
        """A reading from a logger whose clock jumped: to 2000, to the future, or an hour
        back (which resends readings already sent, with the same values)."""
        kind = self.random.choice(("y2000", "future", "back"))
        if kind == "back":
            ts = self.clock_site_ts - 3600 - STEP
            if ts >= self.start:
                self._publish("clock", ts, self.clock_values(ts))
            return "clock_back"
        self.nonce += 1
        ts = EPOCH_2000 + self.nonce if kind == "y2000" else int(time.time()) + 2 * 86400 + self.nonce
        stamp = datetime.fromtimestamp(ts, TZ).isoformat()
        body = json.dumps({"ts": stamp, "values": {"cod": 30.0}})
        self._send("clock", body.encode(), Record(marks=[stamp]))
        if self.loggers and self.random.random() < 0.5:
            logger = self.random.choice(list(self.loggers.values()))
            logger.send_clock_fault(ts)
        return f"clock_{kind}"

    def malformed(self, count: int) -> None:
        """A burst of bad payloads from the broken site, and garbage to one HJ 212 logger."""
        for _ in range(count):
            n = self.mark()
            stamp = datetime.fromtimestamp(self.sim_now() - 600, TZ).isoformat()
            body = self.random.choice(BAD).format(n=n, ts=stamp).encode()
            if body.startswith(b"BIN"):
                body = b"\xff\xfe" + body
            elif body.startswith(b"BIG"):
                body = body + b" " * 20000
            site = "nosuch" if body.startswith(b'{"unknown') else "broken"
            self._send(site, body, Record(marks=[n]))
        if self.loggers:
            self.random.choice(list(self.loggers.values())).send_garbage(self.mark(), self.mark())

    def pending(self) -> int:
        """Messages still waiting for the broker's PUBACK, and frames for their reply."""
        mqtt_waiting = sum(r.info is not None and not r.done() for r in self.records)
        return mqtt_waiting + sum(len(g.queue) for g in self.loggers.values())

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()

    def close(self) -> None:
        for logger in self.loggers.values():
            logger.close()
        self.client.loop_stop()
        self.client.disconnect()


# Malformed payloads; {n} is the nonce its rejection must quote, {ts} a plausible time.
BAD = (
    '{{"ts": "{ts}", "values": {{"cod": 41 {n}',  # cut short
    '{{"ts": "{ts}", "values": {{"cod": 1, "cod": 999}}, "bad": "{n}"}}',  # a key twice
    "BIN {n}",  # not UTF-8
    '{{"ts": "{ts}", "values": {{"nitrate": 1}}, "bad": "{n}"}}',  # unknown metric
    '{{"ts": "{ts}", "values": {{"cod": "high"}}, "bad": "{n}"}}',
    '{{"ts": "{ts}", "values": {{"cod": 40}}, "flags": {{"cod": "Q"}}, "bad": "{n}"}}',
    '{{"values": {{"cod": 40}}, "bad": "{n}"}}',  # no time
    '{{"ts": "1970-01-01T00:00:00+00:00", "values": {{"cod": 40}}, "bad": "{n}"}}',  # dead clock battery
    '{{"ts": "0001-01-01T00:00:00", "values": {{"cod": 40}}, "bad": "{n}"}}',
    '["{n}"]',
    '{{"ts": "{ts}", "values": {{"cod": 1e400}}, "bad": "{n}"}}',  # infinite
    '{{"bad": "{n}", "x": ' + "[" * 5000 + "]" * 5000 + "}}",  # nested too deep
    'BIG {{"bad": "{n}"}}',  # over max_payload_bytes
    '{{"site": "s0000", "ts": "{ts}", "values": {{"cod": 40}}, "bad": "{n}"}}',  # not the topic's site
    '{{"unknown": "{n}", "ts": "{ts}", "values": {{"cod": 40}}}}',  # to a site nobody registered
    " {n} ",  # a bare word
)


class Logger(threading.Thread):
    """One HJ 212 logger on TCP: sends its frames in order, each until its reply arrives."""

    def __init__(self, fleet: Fleet, s: int, port: int):
        super().__init__(name=f"logger-{s}", daemon=True)
        self.fleet, self.s, self.port = fleet, s, port
        self.mn = fleet.plan.mn(s)
        self.queue: deque = deque()  # (wire bytes, Record or None when no reply is asked)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def send(self, ts: int, values: dict) -> None:
        when = datetime.fromtimestamp(ts, TZ)
        cp = f"w00000-Rtd={values['flow'] / 3.6:.6f},w00000-Flag=N;w01018-Rtd={values['cod']},w01018-Flag=N;"
        cp += f"w01001-Rtd={values['ph']},w01001-Flag=N"
        wire = frame(upload(when, "2011", self.mn, PW, cp))
        flow = float(f"{values['flow'] / 3.6:.6f}")
        site = self.fleet.plan.site_id(self.s)
        readings = [
            (site, "flow", ts, round(flow * 3.6, 6)),
            (site, "cod", ts, values["cod"]),
            (site, "ph", ts, values["ph"]),
        ]
        self._put(wire, Record(readings=readings))

    def send_clock_fault(self, ts: int) -> None:
        when = datetime.fromtimestamp(ts, TZ)
        self._put(
            frame(upload(when, "2011", self.mn, PW, "w01018-Rtd=30,w01018-Flag=N")),
            Record(marks=[f"DataTime={when:%Y%m%d%H%M%S}"]),
        )

    def send_garbage(self, first: str, second: str) -> None:
        good = frame(upload(datetime.now(TZ), "2011", self.mn, PW, f"w01018-Rtd=30;x{second}-Rtd=1"))
        # Its CRC spoiled. Not to a fixed value: HJ 212's CRC is weak, and 0000 is the right one
        # for about one body in 200 of this shape (the soak found it so).
        broken = good[:-6] + b"%04X\r\n" % (int(good[-6:-2], 16) ^ 0x5A5A)
        self._put(b"garbage " + first.encode() + b"\r\n" + broken, Record(marks=[first, second]), reply=False)

    def _put(self, wire: bytes, record: Record, reply: bool = True) -> None:
        self.fleet.records.append(record)
        self.queue.append((wire, record, reply))

    def run(self) -> None:
        carried: list[Record] = []  # garbage sent before the frame whose reply proves it was read
        while not self.fleet.stopping.is_set() or self.queue:
            if not self.queue:
                time.sleep(0.02)
                continue
            wire, record, reply = self.queue[0]
            try:
                self._connect()
                self.sock.sendall(wire)
                if reply:
                    self._await_reply(wire[wire.index(b"QN=") : wire.index(b";", wire.index(b"QN="))])
            except OSError:
                carried.clear()  # read or not, nobody can say: no longer counted as acknowledged
                self._drop()
                time.sleep(0.5)
                continue
            self.queue.popleft()
            if reply:
                for done in (*carried, record):
                    done.acked = True
                carried.clear()
            else:
                carried.append(record)

    def _connect(self) -> None:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=REPLY_S)
            self.buffer = b""

    def _await_reply(self, qn: bytes) -> None:
        """Until the reply that quotes this frame's QN, as loggers match them."""
        while True:
            while b"\r\n" not in self.buffer:
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise ConnectionError("closed by the service")
                self.buffer += chunk
            end = self.buffer.index(b"\r\n") + 2
            answer, self.buffer = self.buffer[:end], self.buffer[end:]
            if qn + b";" in answer:
                return

    def _drop(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def close(self) -> None:
        self.join(30)
        self._drop()
