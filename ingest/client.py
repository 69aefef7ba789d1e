"""The MQTT ingestor: paho wiring, batching and acknowledge-after-commit.

paho's network thread only queues messages. The feeder thread hands a batch to the writer
process (`writer.py`), which decodes it and commits its readings and rejection records in one
transaction; only then does the feeder send PUBACK for each message. A crash anywhere before
the commit leaves the messages unacknowledged, so the broker delivers them again to the
persistent session; the store ignores the duplicates.
"""

import logging
import queue
import threading
import time
from typing import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from config import Config

from .topics import readings_filter
from .writer import WriterProcess

log = logging.getLogger("wastewatch.ingest")


# A received message travels as a plain tuple (connection, mid, qos, topic, payload): building
# it runs on paho's network thread, the ingest bottleneck. `connection` says which connection
# delivered it, because an acknowledgement only makes sense on that one.
Received = tuple[int, int, int, str, bytes]


class Counters:
    def __init__(self):
        self.messages = self.readings = self.duplicates = self.rejections = 0
        self.failed_commits = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


class Ingestor:
    """Receives readings and has the writer process commit them; the store is at config.database_path."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.time):
        self.config = config
        self.clock = clock
        self.writer = WriterProcess(config.path)
        self.counters = Counters()
        self.connected = threading.Event()
        self._prefix = config.mqtt.topic_prefix
        self._queue: queue.Queue[Received] = queue.Queue()
        self._connection = 0
        self._stopping = threading.Event()
        self._feeder = threading.Thread(target=self._feed_loop, name="ingest-feeder", daemon=True)
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        cfg = self.config.mqtt
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=cfg.client_id,
                             protocol=mqtt.MQTTv5, manual_ack=True)
        if cfg.username:
            client.username_pw_set(cfg.username, cfg.password)
        if cfg.tls.enabled:
            client.tls_set(ca_certs=_str(cfg.tls.ca_file), certfile=_str(cfg.tls.cert_file),
                           keyfile=_str(cfg.tls.key_file))
            client.tls_insecure_set(cfg.tls.insecure)
        client.reconnect_delay_set(cfg.reconnect_min_s, cfg.reconnect_max_s)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def start(self) -> None:
        cfg = self.config.mqtt
        props = Properties(PacketTypes.CONNECT)
        # Without a session expiry an MQTT 5 session ends at disconnect and the broker would
        # drop everything published while we are down.
        props.SessionExpiryInterval = cfg.session_expiry_s
        # Receive Maximum caps unacknowledged deliveries (Mosquitto's default is 20, which
        # would starve a consumer that acknowledges only after committing).
        props.ReceiveMaximum = self.config.ingest.max_inflight
        self.writer.start()
        self._feeder.start()
        self.client.connect_async(cfg.host, cfg.port, keepalive=cfg.keepalive_s,
                                  clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self, timeout: float = 30.0) -> None:
        """Commit and acknowledge what has arrived, then disconnect."""
        self._stopping.set()
        self._feeder.join(timeout)
        self.client.disconnect()
        self.client.loop_stop()
        self.writer.stop()
        log.info("ingest stopped: %s", self.counters.as_dict())

    # paho callbacks, on the network thread: keep them short.
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error("broker %s:%s refused the connection: %s", self.config.mqtt.host,
                      self.config.mqtt.port, reason_code)
            return
        log.info("connected to %s:%s (session present: %s)", self.config.mqtt.host,
                 self.config.mqtt.port, flags.session_present)
        # Subscribing on every connect renews the subscription even if the broker lost the session.
        client.subscribe(readings_filter(self._prefix), qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        # Ready only once the broker confirms: before SUBACK a first-time session gets nothing.
        if any(code.is_failure for code in reason_codes):
            log.error("broker refused the subscription to %s: %s", readings_filter(self._prefix), reason_codes)
            return
        log.info("subscribed to %s", readings_filter(self._prefix))
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connection += 1
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("disconnected from broker (%s); reconnecting with back-off", reason_code)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        self._queue.put((self._connection, message.mid, message.qos, message.topic, message.payload))

    # the feeder thread
    def _feed_loop(self) -> None:
        cfg = self.config.ingest
        wait_s = cfg.commit_interval_ms / 1000
        last_report = time.monotonic()
        while not (self._stopping.is_set() and self._queue.empty()):
            try:
                batch = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            deadline = time.monotonic() + wait_s
            while len(batch) < cfg.max_batch:
                try:
                    remaining = deadline - time.monotonic()
                    if remaining > 0 and not self._stopping.is_set():
                        batch.append(self._queue.get(timeout=remaining))
                    else:
                        batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)
            if time.monotonic() - last_report > 60:
                last_report = time.monotonic()
                log.info("ingest totals: %s", self.counters.as_dict())

    def _commit(self, batch: list[Received]) -> None:
        now = self.clock()
        messages = [(topic, payload) for _, _, _, topic, payload in batch]
        delay = 0.5
        while True:
            try:
                result = self.writer.write(now, messages)
                break
            except Exception:
                # Not acknowledged, so not lost: keep trying; at shutdown the broker keeps them.
                self.counters.failed_commits += 1
                log.exception("could not commit %d messages; retrying in %.1f s", len(batch), delay)
                if self._stopping.wait(delay):
                    return
                delay = min(delay * 2, 30)
        current = self._connection
        for connection, mid, qos, _, _ in batch:
            if connection == current:
                self.client.ack(mid, qos)
        c = self.counters
        c.messages += len(batch)
        c.readings += result.inserted
        c.duplicates += result.duplicates
        c.rejections += result.rejections


def _str(path) -> str | None:
    return None if path is None else str(path)
