"""The InfluxDB mirror: sends the store's queue (store/mirror_queue.py) to an InfluxDB 2.x bucket.

It claims a chunk of queued lines (batch_size of them), hands the chunk to influxdb-client's
batching WriteApi as one record, and deletes it from the queue when the client's success
callback names that chunk; on its error callback (after the client's own retries) the chunk is
claimable again after a backoff that doubles up to retry_max_s. A chunk is one batch (the
WriteApi's batch_size is 1 record), so a callback's data is exactly one chunk's body and the
queue rows it confirms are known. A few chunks are in flight at once.

Nothing is lost to an InfluxDB outage: the lines stay queued until InfluxDB has taken them.
A chunk sent whose confirmation was lost (the process killed between InfluxDB's answer and the
delete) is sent again after its lease: the same points again, which InfluxDB stores once.
"""

import logging
import threading
import time
from collections import defaultdict

from .health import HEALTH

log = logging.getLogger("wastewatch.mirror")
COMPONENT = "InfluxDB mirror"
IN_FLIGHT = 4
POLL_S = 1.0
BACKLOG_S = 5.0


class Mirror:
    def __init__(self, config, store, clock=time.time):
        """config: the service's Config ([influxdb]); store: a store opened with the mirror on,
        for this thread's use."""
        from influxdb_client import InfluxDBClient, WriteOptions, WritePrecision
        from reactivex.scheduler import ThreadPoolScheduler

        self.settings, self.store, self.clock = config.influxdb, store, clock
        self._seconds = WritePrecision.S
        settings = self.settings
        self.client = InfluxDBClient(
            url=settings.url, token=settings.token, org=settings.org, timeout=int(settings.timeout_s * 1000)
        )
        # The client retries a failed request twice itself (a brief hiccup); a longer outage
        # is the queue's to wait out, so its chunks do not pile up in memory.
        self.write_api = self.client.write_api(
            write_options=WriteOptions(
                batch_size=1,
                flush_interval=100,
                retry_interval=1_000,
                max_retries=2,
                max_retry_delay=4_000,
                max_retry_time=int(3 * settings.timeout_s * 1000 + 10_000),
                max_close_wait=int(3 * settings.timeout_s * 1000 + 5_000),
                write_scheduler=ThreadPoolScheduler(max_workers=1),
            ),
            success_callback=self._sent,
            error_callback=self._refused,
        )
        # The lease covers a chunk's request with the client's retries, with room to spare.
        self.lease_s = int(4 * settings.timeout_s + 60)
        self._changed = threading.Condition()
        self._in_flight: dict[bytes, list[list[int]]] = defaultdict(list)
        self._backoff = 0
        self._paused_until = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = self.refused = 0  # chunks, for the log and the tests
        self.last_error: str | None = None
        # For /metrics and /readyz: lines waiting (counted at most every BACKLOG_S), and when
        # InfluxDB last took a chunk (or the mirror started).
        self.backlog = 0
        self.last_taken = self.clock()
        self._counted = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="influxdb-mirror", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread:
            self._thread.join(30)
        self.write_api.close()  # waits for the requests under way, up to their timeouts
        with self._changed:
            left = [row for chunks in self._in_flight.values() for chunk in chunks for row in chunk]
            self._in_flight.clear()
        if left:  # unconfirmed: claimable again at once by the next start
            self.store.mirror_release(left, 0)
        self.client.close()
        self.store.close()
        HEALTH.recovered(COMPONENT)  # stopped, it fails nothing any more

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if time.monotonic() - self._counted >= BACKLOG_S:
                    self.backlog, self._counted = self.store.mirror_backlog()[0], time.monotonic()
                if not self.send_some():
                    with self._changed:
                        self._changed.wait(POLL_S)
            except Exception:  # noqa: BLE001 — the store away, say: try again, never stop ingest
                log.exception("InfluxDB mirror: reading the queue failed; retrying")
                self._stop.wait(5)

    def send_some(self) -> bool:
        """Claim and send one chunk if there is room and no backoff; whether one was sent."""
        with self._changed:
            busy = sum(len(chunks) for chunks in self._in_flight.values()) >= IN_FLIGHT
            if busy or self.clock() < self._paused_until:
                return False
        rows = self.store.mirror_claim(self.settings.batch_size, int(self.clock()), self.lease_s)
        if not rows:
            return False
        body = "\n".join(line for _, line in rows).encode()
        with self._changed:
            self._in_flight[body].append([row_id for row_id, _ in rows])
        self.write_api.write(self.settings.bucket, self.settings.org, body, write_precision=self._seconds)  # type: ignore[arg-type]  # its members are str
        return True

    def _take(self, data: bytes) -> list[int] | None:
        with self._changed:
            chunks = self._in_flight.get(data)
            if not chunks:
                return None
            ids = chunks.pop(0)
            if not chunks:
                del self._in_flight[data]
            self._changed.notify_all()
            return ids

    def _sent(self, conf, data: bytes) -> None:
        ids = self._take(data)
        if ids is None:
            return
        self.store.mirror_done(ids)
        self.sent += 1
        self.last_taken = self.clock()
        self._backoff = 0
        self.last_error = None
        HEALTH.recovered(COMPONENT)

    def _refused(self, conf, data: bytes, exception) -> None:
        ids = self._take(data)
        if ids is None:
            return
        s = self.settings
        self._backoff = min(max(self._backoff * 2, s.retry_min_s), s.retry_max_s)
        self._paused_until = self.clock() + self._backoff
        self.store.mirror_release(ids, int(self._paused_until))
        self.refused += 1
        self.last_error = f"{type(exception).__name__}: {exception}"
        # Once in the log and on /healthz while it lasts, not once per chunk.
        HEALTH.failing(
            COMPONENT,
            f"{s.url} does not take readings: {self.last_error}",
            "they stay queued and go when it does",
        )
        log.debug("InfluxDB mirror: %d readings back in the queue, next try in %d s", len(ids), self._backoff)

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing is in flight (the tests, and a clean stop); whether it got there."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True
