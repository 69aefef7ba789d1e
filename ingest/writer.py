"""The ingest writer process: decodes and commits batches under its own interpreter lock.

paho's network thread is the ingest bottleneck (MQTT 5 parsing in Python); decoding and
committing in the same process took the interpreter lock from it about 40 % of the time. Here
they run in a child process: the parent sends a batch of (topic, payload) over a pipe, the
child commits it and answers with the counts, and only then does the parent acknowledge.
A child that dies takes nothing with it: its batch was not acknowledged, and is sent again.

An answer says whether a failure was the store's (`unavailable`: disk full, locked; the same
batch will go through later) or possibly the batch's own (`failed`: any other error, or the
process died), which the ingestor isolates and, for a message that keeps failing, quarantines.
"""

import logging
import multiprocessing
import signal
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from wastewatch.config.text import printable
from wastewatch.store import StoreUnavailable, WriteResult

from .hj212_data import Decoded
from .topics import site_of

log = logging.getLogger("wastewatch.ingest")


class WriterError(RuntimeError):
    """The batch was not committed (store error, or the writer process died). `unavailable`:
    the store refused everything (disk full...), not this batch in particular."""

    def __init__(self, message: str, unavailable: bool = False):
        super().__init__(message)
        self.unavailable = unavailable


def _serve(config_path: str, connection: Connection) -> None:
    # The parent decides when this process stops (it closes the pipe); a Ctrl-C on the
    # terminal reaches the whole process group and must not interrupt a commit here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from wastewatch.config import load_config
    from wastewatch.store import open_store

    from .hj212_data import LoggerDecoder
    from .messages import Messages

    config = load_config(config_path)
    logging.basicConfig(
        level=config.service.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    store = open_store(config)
    decoders = Messages(config), LoggerDecoder(config)
    try:
        while True:
            try:
                request = connection.recv()
            except EOFError:
                return  # the parent is gone
            if request is None:
                return
            try:
                answer = _handle(request, store, *decoders)
            except StoreUnavailable as exc:  # reported to the parent, which retries
                answer = ("error", True, f"{exc.__class__.__name__}: {exc}")
            except Exception as exc:  # noqa: BLE001 — likewise; the parent isolates the cause
                answer = ("error", False, f"{exc.__class__.__name__}: {exc}")
            try:
                connection.send(answer)
            except (BrokenPipeError, ConnectionResetError):
                return  # the parent was killed meanwhile; what was committed stays committed
    finally:
        store.close()


def _handle(request, store, messages, frames) -> tuple:
    if request[0] == "quarantine":
        _, now, topic, payload, error = request
        site = site_of(messages.prefix, topic) or ""
        return "ok", store.quarantine(
            "mqtt", topic, site if site in messages.json.config.site_by_id else "", payload, error, int(now)
        )
    if request[0] == "frames":
        # From the HJ 212 listener: (origin, data segment or Garbage) pairs; the replies go back
        # in the same order, to be sent only now that the frames are committed.
        _, now, items = request
        out = Decoded()
        replies = [frames.item(item, origin, None, now, out) for origin, item in items]
        result = _write(store, out, now)
        frames.committed(out)
        return "ok", (tuple(result), replies)
    _, now, batch = request
    out = messages.decode(batch, now)
    result = _write(store, out, now)
    messages.committed(out)
    return "ok", tuple(result)


def _write(store, out, now: float) -> WriteResult:
    result = store.write(out.readings, out.rejections, received_at=int(now), logger_values=out.values)
    kinds: dict[str, int] = {}
    for bad in out.rejections:
        log.warning("rejected from %s: %s", printable(bad.topic or bad.source), printable(bad.reason))
        kinds[bad.kind] = kinds.get(bad.kind, 0) + 1
    return WriteResult(result.inserted, result.duplicates, result.rejections, tuple(sorted(kinds.items())))


class WriterProcess:
    def __init__(self, config_path: Path):
        self.config_path = str(config_path)
        # spawn, not fork: the parent runs paho's threads, and forking a threaded process
        # copies locks in whatever state they were.
        self._context = multiprocessing.get_context("spawn")
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    def start(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(self.config_path, child), name="wastewatch-writer", daemon=True
        )
        process.start()
        self._process = process
        child.close()
        self._connection = parent

    def write(self, now: float, batch: list[tuple[str, bytes | bytearray]]) -> WriteResult:
        """Decode and commit the batch's readings and rejection records in one transaction."""
        return WriteResult(*self._ask(("write", now, batch)))

    def frames(self, now: float, items: list) -> tuple[WriteResult, list[bytes | None]]:
        """Decode and commit HJ 212 frames from the listener; the counts and each frame's reply."""
        counts, replies = self._ask(("frames", now, items))
        return WriteResult(*counts), replies

    def quarantine(self, now: float, topic: str, payload: bytes | bytearray, error: str) -> int:
        """Keep one message raw with the error that stopped it; returns the quarantine id."""
        return self._ask(("quarantine", now, topic, payload, error))

    def _ask(self, request: tuple):
        if self._process is None or not self._process.is_alive():
            if self._process is not None:
                log.warning(
                    "the writer process ended (exit code %s); starting another", self._process.exitcode
                )
            self.start()
        process, connection = self._process, self._connection
        assert process is not None and connection is not None  # started just above
        try:
            connection.send(request)
            answer = connection.recv()
        except (EOFError, OSError) as exc:
            process.join(1)
            code = process.exitcode
            self._process = None
            raise WriterError(f"the writer process ended (exit code {code}): {exc!r}") from None
        if answer[0] == "error":
            raise WriterError(answer[2], unavailable=answer[1])
        return answer[1]

    def stop(self, timeout: float = 10.0) -> None:
        process, connection = self._process, self._connection
        if process is None or connection is None:
            return
        try:
            connection.send(None)
        except OSError:
            pass
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
        connection.close()
        self._process = None
