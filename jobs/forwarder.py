"""Forwarding to an upper platform (数据转发): a thread per `[[forward]]` target sends each of its
sites' periods in time order, one frame at a time, from what the store has committed.

A frame that asked for a reply is done when the platform's CN 9014 with its QN comes back;
then its period is recorded (notify/forward_progress.py) and the next one goes. Unanswered
within `reply_timeout_s`, the connection is opened again and the site rests (doubling, from
the timeout up to ten minutes) while the others go on; then the same period is sent again. A
platform that cannot be reached rests as a whole. After an outage the backlog goes in time
order at `rate_per_s`. A restart resumes after the last period answered, so a period is sent
twice only when its reply was lost, or the service stopped between the reply and its record.

Frames are built from readings already committed here: realtime frames of readings stamped up
to a minute ago, minute spans, hours and days once over (SETTLE_S later, for the late readings
of loggers that send in batches). A reading that arrives later than that is in the
hour and day frames sent after it, not in a realtime frame.
"""

import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from wastewatch.config import Config
from wastewatch.config.forward import Forward
from wastewatch.config.metrics import volume_m3
from wastewatch.ingest.hj212 import Framer, ParseError, parse
from wastewatch.notify import forward_progress
from wastewatch.store import open_store
from wastewatch.store.state import connect

from . import forward_frames

log = logging.getLogger("wastewatch.forward")
# How long after its time a period is sent: readings stamped a minute ago, minute spans two
# minutes after they end, hours ten, days an hour (for loggers that send in batches).
SETTLE_S = {"realtime": 60, "minute": 120, "hourly": 600, "daily": 3600}
WINDOW_S = 86400  # the readings read ahead for a site at a time
MAX_REST_S = 600
# A stretch without readings is recorded as done at most this often per site and kind (at the
# tip every round finds one; a write each would be thousands a minute at county scale).
RECORD_SKIP_S = 300
PERIOD_S = {"hourly": 3600, "daily": 86400}  # a day taken as 24 h (China keeps no summer time)
IDLE_S = 5.0


class Unanswered(Exception):
    pass


class Stopping(Exception):
    """The service stops while a frame waits for its reply: not the platform's failure; the
    frame goes again after the restart."""


class Forwarder:
    """One upper platform's thread. `leads()`: whether this instance runs the scheduled work
    (with several instances, only the leader forwards)."""

    def __init__(
        self, config: Config, target: Forward, leads: Callable[[], bool] = lambda: True, clock=time.time
    ):
        self.config, self.target, self.leads, self.clock = config, target, leads, clock
        self.sites = [s for s in config.sites if target.id in s.forward]
        self.sent = self.answered = self.resent = 0  # frames, for /metrics
        self.connected = False
        self.last_error: str | None = None
        self._queues: dict[tuple[str, str], deque] = {}
        # (site, kind) → the last period done, and the last recorded: this thread is the only
        # writer of its rows, so they are read once and kept here.
        self._done: dict[tuple[str, str], int] = {}
        self._recorded: dict[tuple[str, str], int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._framer = Framer()
        self._rest: dict[str, float] = {}  # site → seconds it rests after its next failure
        self._next_send = 0.0

    def start(self) -> "Forwarder":
        self._thread = threading.Thread(target=self._run, name=f"forward-{self.target.id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(self.target.reply_timeout_s + 10)
        self._close()

    def _run(self) -> None:
        db, store = connect(self.config.state_url), open_store(self.config)
        try:
            while not self._stop.is_set():
                try:
                    if not self.leads() or not self.round(db, store):
                        self._stop.wait(IDLE_S)
                except OSError as exc:  # the platform cannot be reached: all its sites wait
                    self._down(str(exc))
                except Exception:  # noqa: BLE001 — a bug costs a pause, never the thread
                    log.exception("forwarding to %s failed; trying again", self.target.id)
                    self._stop.wait(IDLE_S * 6)
        finally:
            db.close()
            store.close()

    def round(self, db, store) -> bool:
        """One frame for each site with one due, in turn; whether any was sent."""
        now = self.clock()
        resting = forward_progress.resting(db, self.target.id, int(now))
        sent = False
        for site in self.sites:
            if site.id in resting or self._stop.is_set():
                continue
            for kind in self.target.kinds:
                frame = self._next(db, store, site, kind, now)
                if frame is None:
                    continue
                self._send(db, site.id, frame)
                sent = True
                break
        return sent

    def _next(self, db, store, site, kind: str, now: float):
        """The site's next frame of a kind, or None when nothing more is due yet."""
        key = (site.id, kind)
        queue = self._queues.setdefault(key, deque())
        horizon = int(now) - SETTLE_S[kind]
        if key not in self._done:
            done = forward_progress.through(db, self.target.id, site.id, kind, self._first(now))
            self._done[key] = self._recorded[key] = done
        done = self._done[key]
        while queue and queue[0][0] <= done:
            queue.popleft()
        while not queue:
            start = done + 1
            end = min(start + WINDOW_S, horizon + 1)
            if end <= start:
                return None
            queue.extend(self._periods(store, site, kind, start, end))
            if not queue:
                done = self._done[key] = end - 1
                if done - self._recorded[key] >= RECORD_SKIP_S:
                    forward_progress.skipped(db, self.target.id, site.id, kind, done)
                    self._recorded[key] = done
        period, items = queue[0]
        # DataTime in the zone the site's logger writes (as the platform reads a logger's).
        zone = ZoneInfo(site.timezone) if site.timezone else self.config.tz
        sent = datetime.fromtimestamp(now, zone)
        return forward_frames.segment(
            site.id,
            kind,
            datetime.fromtimestamp(period, zone),
            items,
            (site.forward[self.target.id].mn, site.forward[self.target.id].pw),
            self.target.version,
            self.target.replies,
            self.target.st,
            sent,
        )

    def _periods(self, store, site, kind: str, start: int, end: int) -> list[tuple[int, list[str]]]:
        """(period start, CP items) of the site's periods starting in [start, end), in order;
        a span, an hour or a day only once it has ended before `end`."""
        if kind == "realtime":
            moments: dict[int, dict[str, tuple[float, str]]] = {}
            for metric in site.metrics:
                for ts, value, mark in store.scan(site.id, metric, start, end):
                    moments.setdefault(ts, {})[metric] = (value, mark)
            found = [
                (ts, forward_frames.realtime_items(v, site.hj212_equipment))
                for ts, v in sorted(moments.items())
            ]
            return [(ts, items) for ts, items in found if items]
        width = self._width(kind)
        stats: dict[int, dict[str, tuple[float, float, float]]] = {}
        totals: dict[int, dict[str, float]] = {}
        for metric in site.metrics:
            interval = site.metric(metric).interval_s
            for first, count, mean, low, high in self._spans(store, site.id, metric, kind, start, end):
                if first < start or first + width > end:
                    continue
                stats.setdefault(first, {})[metric] = (mean, low, high)
                if metric == "flow":
                    totals.setdefault(first, {})[metric] = volume_m3(mean * count, interval)
        found = [
            (first, forward_frames.period_items(s, totals.get(first, {})))
            for first, s in sorted(stats.items())
        ]
        return [(first, items) for first, items in found if items]

    def _spans(self, store, site_id: str, metric: str, kind: str, start: int, end: int):
        """(start, valid readings, mean, minimum, maximum) of each period of a series with a
        valid (flag N) reading: minute spans from the readings, hours and days from the store's
        local aggregates."""
        if kind == "minute":
            width = self.target.minute_s
            spans: dict[int, list[float]] = {}
            # The spans divide half an hour, so epoch-aligned spans are aligned in local time too.
            for ts, value, mark in store.scan(site_id, metric, start - start % width, end):
                if mark == "N":
                    spans.setdefault(ts - ts % width, []).append(value)
            return [(t, len(v), sum(v) / len(v), min(v), max(v)) for t, v in sorted(spans.items())]
        zone = self.config.tz
        since, until = datetime.fromtimestamp(start, zone), datetime.fromtimestamp(end, zone)
        period = "hour" if kind == "hourly" else "day"
        return [
            (int(agg.start.timestamp()), agg.valid_count, agg.mean, agg.minimum, agg.maximum)
            for agg in store.aggregate(site_id, metric, since, until, period, zone)
            if agg.mean is not None
        ]

    def _width(self, kind: str) -> int:
        return self.target.minute_s if kind == "minute" else PERIOD_S[kind]

    def _first(self, now: float) -> int:
        """Where forwarding starts for a site seen the first time: `since`, or today."""
        zone = self.config.tz
        if self.target.since:
            return int(datetime.fromisoformat(self.target.since).replace(tzinfo=zone).timestamp())
        today = datetime.fromtimestamp(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
        return int(today.timestamp())

    def _send(self, db, site_id: str, frame) -> None:
        """Write the frame at the target's pace and wait for its reply; record what came of it."""
        wait = self._next_send - time.monotonic()
        if wait > 0:
            self._stop.wait(wait)
        self._next_send = time.monotonic() + 1 / self.target.rate_per_s
        sock = self._connect()
        sock.sendall(forward_frames.frame_bytes(frame))
        self.sent += 1
        try:
            if self.target.replies:
                self._reply(sock, frame)
        except Stopping:
            self._close()
            return
        except Unanswered as exc:
            self.resent += 1
            rest = self._rest.get(site_id, float(self.target.reply_timeout_s))
            self._rest[site_id] = min(rest * 2, MAX_REST_S)
            now = self.clock()
            forward_progress.failed(
                db, self.target.id, site_id, frame.kind, str(exc), int(now), int(now + rest)
            )
            log.warning(
                "%s: %s frame of %s at %s: %s", self.target.id, frame.kind, site_id, frame.period, exc
            )
            self._close()  # the platform may have lost the connection's state
            return
        forward_progress.answered(db, self.target.id, site_id, frame.kind, frame.period, int(self.clock()))
        key = (site_id, frame.kind)
        self._done[key] = self._recorded[key] = max(self._done[key], frame.period)
        self.answered += 1  # after the record: a count seen means the period is done
        self._rest.pop(site_id, None)
        self._queues[key].popleft()

    def _reply(self, sock: socket.socket, frame) -> None:
        """Read until the CN 9014 reply with the frame's QN, or the timeout."""
        deadline = time.monotonic() + self.target.reply_timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Unanswered(
                    f"no reply within {self.target.reply_timeout_s} s (a wrong MN or PW is not answered)"
                )
            sock.settimeout(min(left, 1.0))
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                if self._stop.is_set():
                    raise Stopping from None
                continue
            if not chunk:
                raise Unanswered("the platform closed the connection before replying")
            for item in self._framer.feed(chunk):
                if isinstance(item, str):
                    try:
                        packet = parse(item)
                    except ParseError:
                        continue
                    if packet.fields.get("CN") == "9014" and packet.fields.get("QN") == frame.qn:
                        return

    def _connect(self) -> socket.socket:
        if self._socket is None:
            self._socket = socket.create_connection((self.target.host, self.target.port), timeout=10)
            self._framer = Framer()
            self.connected, self.last_error = True, None
            log.info("forwarding to %s at %s:%d", self.target.id, self.target.host, self.target.port)
        return self._socket

    def _close(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            finally:
                self._socket, self.connected = None, False

    def _down(self, error: str) -> None:
        if self.last_error != error:
            log.warning("%s cannot be reached (%s): its sites wait", self.target.id, error)
        self.last_error = error
        self._close()
        self._stop.wait(min(self.target.reply_timeout_s, 30))
