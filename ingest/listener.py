"""The HJ 212 TCP listener: loggers connect and send frames; each frame that asked for a reply
gets it only once its readings are committed.

One asyncio loop on its own thread holds every connection; a committer on the same loop takes
what has arrived from all of them and has the writer process (`writer.py`, its own interpreter
lock) decode and commit it in one transaction, then writes the replies. A batch that cannot be
committed gets no replies, so its loggers resend (HJ 212-2017 loggers resend an unanswered
frame after their timeout); a resent frame lands on the same keys and is stored once.

Fairness: a connection with `max_pending_frames` frames waiting for their commit is not read
until some are committed, so a logger that floods (a history resend, 补发, or a broken one)
waits on its own socket while the others' frames keep arriving. A connection idle for
`idle_timeout_s` is closed, and one that has sent `max_garbage` pieces of garbage too.
"""

import asyncio
import collections
import logging
import resource
import threading
import time
from collections import deque
from typing import Callable

from wastewatch.config import Config
from wastewatch.store.health import HEALTH

from .hj212 import Framer, Garbage
from .writer import WriterError, WriterProcess

log = logging.getLogger("wastewatch.hj212")
READ_SIZE = 16384
MAX_BATCH = 5000


class Counters:
    def __init__(self):
        self.connections = self.open = self.refused = self.idle_closed = self.garbage_closed = 0
        self.frames = self.replies = self.readings = self.duplicates = self.rejections = 0
        self.rejections_by_kind: dict[str, int] = {}  # store.base.REJECTION_KINDS
        self.failed_commits = 0

    def as_dict(self) -> dict[str, object]:
        return dict(vars(self))


class _Connection:
    def __init__(self, peer: str, writer: asyncio.StreamWriter, limit: int):
        self.peer, self.writer = peer, writer
        self.pending = 0
        self.garbage = 0
        self.room = asyncio.Event()
        self.room.set()
        self.limit = limit

    def settled(self, count: int) -> None:
        self.pending -= count
        if self.pending < self.limit:
            self.room.set()


class Listener:
    def __init__(self, config: Config, clock: Callable[[], float] = time.time):
        self.config = config
        self.settings = config.hj212
        self.clock = clock
        self.writer = WriterProcess(config.path)
        self.counters = Counters()
        self.port: int | None = None
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._queue: deque = deque()
        # Made again by each run, inside its loop (an Event binds to the loop that first waits).
        self._arrived = asyncio.Event()
        self._stopping = asyncio.Event()
        self._problem: BaseException | None = None
        self._open: dict[_Connection, asyncio.Task] = {}  # each connection and its handler

    def start(self, timeout: float = 30.0) -> "Listener":
        _raise_file_limit(self.settings.max_connections + 100)
        self.writer.start()
        self._thread = threading.Thread(target=self._run, name="hj212-listener", daemon=True)
        self._thread.start()
        if not self.ready.wait(timeout) or self._problem:
            # Its writer too: left running, the process could not exit (the writer ignores
            # SIGTERM, finishing only when told to, and the exit waits for it).
            self.writer.stop()
            raise RuntimeError(f"the HJ 212 listener did not start: {self._problem!r}")
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop accepting, commit and answer what has arrived, then close every connection."""
        if self._loop and self._stopping:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread:
            self._thread.join(timeout)
        self.writer.stop()
        log.info("HJ 212 listener stopped: %s", self.counters.as_dict())

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 — reported to start(), or logged
            self._problem = exc
            self.ready.set()
            log.exception("the HJ 212 listener stopped with an error")

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._arrived, self._stopping = asyncio.Event(), asyncio.Event()
        server = await asyncio.start_server(
            self._serve, self.settings.host, self.settings.port, backlog=1024, limit=READ_SIZE * 4
        )
        self.port = server.sockets[0].getsockname()[1]
        log.info("HJ 212 listener on %s:%d", self.settings.host, self.port)
        committer = asyncio.create_task(self._commit_loop())
        self.ready.set()
        async with server:
            await self._stopping.wait()
            server.close()
            self._arrived.set()
            await committer
            # Then close the connections: their readers see the end and their handlers return.
            for connection in self._open:
                connection.writer.close()
                connection.room.set()
            if self._open:
                await asyncio.wait(self._open.values(), timeout=5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        c = self.counters
        host, port = writer.get_extra_info("peername")[:2]
        peer = f"tcp:{host}:{port}"
        if c.open >= self.settings.max_connections:
            c.refused += 1
            if c.refused == 1 or c.refused % 1000 == 0:
                log.warning("HJ 212: %d connections refused (max_connections %d)", c.refused, c.open)
            writer.close()
            return
        c.connections += 1
        c.open += 1
        connection = _Connection(peer, writer, self.settings.max_pending_frames)
        framer = Framer()
        task = asyncio.current_task()
        assert task is not None  # a connection's handler runs as a task of the server
        self._open[connection] = task
        try:
            while not self._stopping.is_set():
                await connection.room.wait()
                try:
                    async with asyncio.timeout(self.settings.idle_timeout_s):
                        chunk = await reader.read(READ_SIZE)
                except TimeoutError:
                    c.idle_closed += 1
                    break
                if not chunk:
                    break
                items = framer.feed(chunk)
                for item in items:
                    self._queue.append((connection, item))
                    if isinstance(item, Garbage):
                        connection.garbage += 1
                connection.pending += len(items)
                if connection.pending >= connection.limit:
                    connection.room.clear()
                if items:
                    self._arrived.set()
                if connection.garbage >= self.settings.max_garbage:
                    c.garbage_closed += 1
                    log.warning("HJ 212: closed %s after %d pieces of garbage", peer, connection.garbage)
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            c.open -= 1
            del self._open[connection]
            writer.close()

    async def _commit_loop(self) -> None:
        delay = 0.1
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            tries = 0
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(len(self._queue), MAX_BATCH))]
                if await self._commit(batch):
                    delay, tries = 0.1, 0
                    self._settle(batch)
                    continue
                # Nothing answered. The batch goes back to the head of the queue for a few more
                # tries (a writer killed mid-commit is back within a second): a logger resends an
                # unanswered frame, but nobody resends the bytes that were no frame, and those
                # owe a rejection record. Past RETRIES the loggers' resending is all there is.
                # Wait before each try, so a store that is down is not hammered.
                tries += 1
                if tries <= RETRIES:
                    self._queue.extendleft(reversed(batch))
                else:
                    self._settle(batch)
                    tries = 0
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            if self._stopping.is_set() and not self._queue:
                return

    async def _commit(self, batch: list) -> bool:
        items = [(connection.peer, item) for connection, item in batch]
        try:
            result, replies = await asyncio.get_running_loop().run_in_executor(
                None, self.writer.frames, self.clock(), items
            )
        except WriterError as exc:
            self.counters.failed_commits += 1
            if exc.unavailable:
                HEALTH.failing(COMPONENT, f"cannot commit: {exc}", "no frame is answered; the loggers resend")
            else:
                log.error(
                    "HJ 212: could not commit %d frames, none answered (their loggers resend): %s",
                    len(batch),
                    exc,
                )
            ok = False
        else:
            HEALTH.recovered(COMPONENT)
            c = self.counters
            c.frames += len(batch)
            c.readings += result.inserted
            c.duplicates += result.duplicates
            c.rejections += result.rejections
            for kind, n in result.kinds:
                c.rejections_by_kind[kind] = c.rejections_by_kind.get(kind, 0) + n
            for (connection, _), answer in zip(batch, replies):
                if answer is not None and not connection.writer.is_closing():
                    connection.writer.write(answer)
                    c.replies += 1
            ok = True
        return ok

    def _settle(self, batch: list) -> None:
        """The batch is done with (committed, or given up): its connections may send more."""
        for connection, count in collections.Counter(connection for connection, _ in batch).items():
            connection.settled(count)


COMPONENT = "HJ 212 listener"
RETRIES = 4  # more tries of a batch whose commit failed (0.1 + 0.2 + 0.4 + 0.8 s), then dropped


def _raise_file_limit(wanted: int) -> None:
    """Each logger holds a socket open: lift the soft descriptor limit (often 1024) as far as
    the hard one allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
