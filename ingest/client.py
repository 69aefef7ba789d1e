"""The MQTT ingestor: paho wiring, batching and acknowledge-after-commit.

paho's network thread only queues messages. The feeder thread hands a batch to the writer
process (`writer.py`), which decodes it and commits its readings and rejection records in one
transaction; only then does the feeder send PUBACK for each message. A crash anywhere before
the commit leaves the messages unacknowledged, so the broker delivers them again to the
persistent session; the store ignores the duplicates.

A batch that cannot be committed is retried. When the store itself is the problem (disk full)
it waits, logging the cause once, and acknowledges nothing. When the batch may be the problem,
after `quarantine_after` attempts it is split in halves, recursively, so that the messages
that can be committed are; a single message that still fails is quarantined (kept raw with
the error, acknowledged, counted, and alerted to the site's operators by the rules), so it
can never hold up the other sites.
"""

import logging
import queue
import threading
import time
from typing import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from wastewatch.config import Config
from wastewatch.config.text import printable
from wastewatch.store.health import HEALTH

from .topics import hj212_filter, readings_filter
from .writer import WriterError, WriterProcess

log = logging.getLogger("wastewatch.ingest")


# A received message travels as a plain tuple (connection, mid, qos, topic, payload): building
# it runs on paho's network thread, the ingest bottleneck. `connection` says which connection
# delivered it, because an acknowledgement only makes sense on that one.
Received = tuple[int, int, int, str, bytes | bytearray]  # paho hands the payload as either


class Counters:
    def __init__(self):
        self.received = 0  # delivered by the broker (counted on the network thread)
        self.messages = self.readings = self.duplicates = self.rejections = 0
        self.failed_commits = self.quarantined = 0
        self.rejections_by_kind: dict[str, int] = {}  # store.base.REJECTION_KINDS
        # The writer's commits that succeeded: how many, their seconds and messages in all.
        self.commits = self.committed_messages = 0
        self.commit_seconds = 0.0
        # Committed, but delivered on a connection that has since dropped: not acknowledged
        # (their packet ids meant nothing on the new one), so the broker delivers them again.
        self.stale = 0

    def as_dict(self) -> dict[str, object]:
        return dict(vars(self))


class Ingestor:
    """Receives readings and has the writer process commit them; [store] names the store."""

    def __init__(self, config: Config, clock: Callable[[], float] = time.time, rescue: str | None = None):
        """rescue: the client id of another instance that is down, whose session this one is to
        empty (ingest/rescue.py): connect as it, unsubscribe at once so the broker sends only
        what it had queued, store that; stop(end_session=True) then ends the session."""
        self.config = config
        self.clock = clock
        self.rescue = rescue
        self.client_id = rescue or config.mqtt.client_id
        self.unsubscribed = threading.Event()
        self.ended = threading.Event()
        self.writer = WriterProcess(config.path)
        self.counters = Counters()
        self.connected = threading.Event()
        self._prefix = config.mqtt.topic_prefix
        # JSON readings and raw HJ 212 frames, in the one persistent session.
        self._filters = [readings_filter(self._prefix), hj212_filter(self._prefix)]
        if config.mqtt.share_group:  # one of several instances: each message to one of them
            self._filters = [f"$share/{config.mqtt.share_group}/{f}" for f in self._filters]
        self._queue: queue.Queue[Received] = queue.Queue()
        self._connection = 0
        self._stopping = threading.Event()
        self._failing: str | None = None  # the cause of the current run of failed commits
        self._feeder = threading.Thread(target=self._feed_loop, name="ingest-feeder", daemon=True)
        self.client = self._make_client()

    def _make_client(self) -> mqtt.Client:
        cfg = self.config.mqtt
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        if cfg.username:
            client.username_pw_set(cfg.username, cfg.password)
        if cfg.tls.enabled:
            client.tls_set(
                ca_certs=_str(cfg.tls.ca_file),
                certfile=_str(cfg.tls.cert_file),
                keyfile=_str(cfg.tls.key_file),
            )
            client.tls_insecure_set(cfg.tls.insecure)
        client.reconnect_delay_set(cfg.reconnect_min_s, cfg.reconnect_max_s)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_unsubscribe = self._on_unsubscribe
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
        self.client.connect_async(
            cfg.host, cfg.port, keepalive=cfg.keepalive_s, clean_start=False, properties=props
        )
        self.client.loop_start()

    def stop(self, timeout: float = 30.0, end_session: bool = False) -> None:
        """Commit and acknowledge what has arrived, then disconnect; end_session: and have the
        broker forget the session (a rescue that emptied it)."""
        self._stopping.set()
        self._feeder.join(timeout)
        if end_session:
            props = Properties(PacketTypes.DISCONNECT)
            props.SessionExpiryInterval = 0
            self.client.disconnect(properties=props)
        else:
            self.client.disconnect()
        self.client.loop_stop()
        self.writer.stop()
        log.info("ingest stopped: %s", self.counters.as_dict())

    # paho callbacks, on the network thread: keep them short.
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.error(
                "broker %s:%s refused the connection: %s",
                self.config.mqtt.host,
                self.config.mqtt.port,
                reason_code,
            )
            return
        log.info(
            "connected to %s:%s (session present: %s)",
            self.config.mqtt.host,
            self.config.mqtt.port,
            flags.session_present,
        )
        if self.rescue:
            # What the broker had queued comes all the same; nothing new is routed here after.
            client.unsubscribe(self._filters)
            return
        # Subscribing on every connect renews the subscription even if the broker lost the session.
        client.subscribe([(f, 1) for f in self._filters])

    def _on_unsubscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self.unsubscribed.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        # Ready only once the broker confirms: before SUBACK a first-time session gets nothing.
        if any(code.is_failure for code in reason_codes):
            log.error("broker refused the subscription to %s: %s", " and ".join(self._filters), reason_codes)
            return
        log.info("subscribed to %s", " and ".join(self._filters))
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connection += 1
        self.connected.clear()
        if self.rescue:
            # Taken over (the member came back) or cut off: the session is its owner's again,
            # with whatever was not acknowledged here. No reconnecting.
            self.ended.set()
            client.disconnect()
            return
        if not self._stopping.is_set():
            log.warning("disconnected from broker (%s); reconnecting with back-off", reason_code)

    def empty(self, quiet_s: float, timeout: float, abort: threading.Event) -> bool:
        """In a rescue: wait until the session's queue has come and everything received is
        committed and acknowledged, nothing more for quiet_s; whether that happened (rather
        than the timeout, an abort, or the session being taken back)."""
        deadline = time.monotonic() + timeout
        while not self.unsubscribed.wait(0.2):
            if time.monotonic() > deadline or abort.is_set() or self.ended.is_set():
                return False
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline and not self.ended.is_set() and not abort.is_set():
            c = self.counters
            if c.received != seen or c.messages + c.stale != c.received:
                seen, since = c.received, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return c.stale == 0
            time.sleep(0.1)
        return False

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        self.counters.received += 1
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
                remaining = deadline - time.monotonic()
                try:
                    if remaining > 0 and not self._stopping.is_set():
                        # In short waits: a stop asked for meanwhile commits the batch now,
                        # not after a long commit interval (and after stop() gave up waiting).
                        batch.append(self._queue.get(timeout=min(remaining, 0.2)))
                    else:
                        batch.append(self._queue.get_nowait())
                except queue.Empty:
                    if remaining <= 0 or self._stopping.is_set():
                        break
            self._commit(batch)
            if time.monotonic() - last_report > 60:
                last_report = time.monotonic()
                log.info("ingest totals: %s", self.counters.as_dict())

    def _commit(self, batch: list[Received]) -> None:
        now = self.clock()
        totals = self._settle(now, [(topic, payload) for _, _, _, topic, payload in batch])
        if totals is None:
            return  # stopping: nothing acknowledged, the broker keeps it all
        current = self._connection
        for connection, mid, qos, _, _ in batch:
            if connection == current:
                self.client.ack(mid, qos)
            else:
                self.counters.stale += 1
        c = self.counters
        c.messages += len(batch)
        c.readings += totals[0]
        c.duplicates += totals[1]
        c.rejections += totals[2]
        for kind, n in totals[3]:
            c.rejections_by_kind[kind] = c.rejections_by_kind.get(kind, 0) + n

    def _settle(
        self, now: float, messages: list[tuple[str, bytes | bytearray]], tries: int | None = None
    ) -> list | None:
        """Commit `messages`, isolating and quarantining what cannot be committed; returns
        (inserted, duplicates, rejections, rejections by kind) summed, or None when stopping
        first.

        A batch and a single message get `quarantine_after` tries; the halves of a failed
        batch one each, since the batch's tries already covered a passing hiccup."""
        tries = self.config.ingest.quarantine_after if tries is None else tries
        attempts, delay = 0, 0.5
        while True:
            try:
                started = time.monotonic()
                result = self.writer.write(now, messages)
                c = self.counters
                c.commits, c.committed_messages = c.commits + 1, c.committed_messages + len(messages)
                c.commit_seconds += time.monotonic() - started
                self._recovered()
                return list(result)
            except WriterError as exc:
                self.counters.failed_commits += 1
                self._failed(exc, len(messages))
                if not exc.unavailable:
                    attempts += 1
                    if attempts >= tries:
                        return self._isolate(now, messages, exc)
                    delay = 0.1  # likely the data, not the disk: no long back-off
            paused = self._pause(delay)
            if paused is None:
                return None
            delay = paused

    def _isolate(
        self, now: float, messages: list[tuple[str, bytes | bytearray]], exc: WriterError
    ) -> list | None:
        if len(messages) > 1:
            half = len(messages) // 2
            totals: list = [0, 0, 0, ()]
            for part in (messages[:half], messages[half:]):
                done = self._settle(now, part, None if len(part) == 1 else 1)
                if done is None:
                    return None
                totals = [a + b for a, b in zip(totals, done)]
            return totals
        ((topic, payload),) = messages
        error = str(exc)
        delay = 0.5
        while True:
            try:
                qid = self.writer.quarantine(now, topic, payload, error)
                break
            except WriterError as problem:
                self._failed(problem, 1)
                paused = self._pause(delay)
                if paused is None:
                    return None
                delay = paused
        self.counters.quarantined += 1
        log.error(
            "quarantined message %d from %s after %d failed commits: %s",
            qid,
            printable(topic),
            self.config.ingest.quarantine_after,
            printable(error),
        )
        return [0, 0, 0, ()]

    def _pause(self, delay: float) -> float | None:
        """Wait `delay` s before another try; the next, doubled delay (at most 30 s), or None
        when the ingestor is stopping (what is not acknowledged stays with the broker)."""
        return None if self._stopping.wait(delay) else min(delay * 2, 30)

    def _failed(self, exc: WriterError, size: int) -> None:
        if exc.unavailable:
            HEALTH.failing(COMPONENT, f"cannot commit: {exc}", "nothing is acknowledged; the broker keeps it")
            return
        # Once per change of cause: the line must say what is wrong, not what it broke.
        cause = str(exc)
        if cause != self._failing:
            self._failing = cause
            log.error("could not commit %d messages, retrying: %s", size, printable(cause))

    def _recovered(self) -> None:
        HEALTH.recovered(COMPONENT)
        if self._failing is not None:
            log.warning("commits succeed again (last error: %s)", printable(self._failing))
            self._failing = None


COMPONENT = "MQTT ingest"


def _str(path) -> str | None:
    return None if path is None else str(path)
