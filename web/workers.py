"""The pages in worker processes of their own (`[web] workers`): the console, the contractors'
links and the API, served by N processes that share nothing with each other or with the
service's process but the databases.

Why processes: a page is Python work (queries, a template, SVG charts) and one interpreter runs
one thread at a time, so pages on the service's event loop wait for each other and take their
time from the ingest. Each worker is a uvicorn server with its own database connection on a
listening socket the service's process binds and hands down, so the kernel spreads the
connections among them; the address and port stay the config's.

What one worker cannot know is asked of the service's process (web/ops.py): the running parts'
figures and connections. What workers must agree on is in the databases: sessions, sign-in
failures (counted in one locked transaction, access/sessions.py), the API's calls per token
(the audit log), a link's single use. Anything a worker keeps in memory is either fixed at
start (templates, the guide) or a figure allowed to be up to a minute old.

A worker that dies is started again; stopping the service stops them (SIGTERM: uvicorn lets the
requests in progress finish)."""

import gc
import logging
import multiprocessing
import os
import secrets
import socket
import threading
import time
from typing import Callable

import uvicorn

from wastewatch.alerts.context import Context
from wastewatch.config import Config, logs

from . import WebError
from .ops import Ops

log = logging.getLogger("wastewatch.web")
# Spawned, not forked: the service's process runs threads (the ingestor's, the scheduler's)
# whose locks a fork would copy mid-use.
SPAWN = multiprocessing.get_context("spawn")
# Workers run at the lowest priority there is (nice 19, and SCHED_IDLE where Linux has it:
# CPU time only when no other process wants it): while a backlog drains, the ingest, the
# writer and the broker have the cores and the pages wait. bench/console.py, a 100,000-message
# drain under 50 people's load against quiet ones: at nice 5, 1.36 and 1.51 times as long; at
# nice 19, 1.07 and 1.13; with SCHED_IDLE, 1.08, within the spread of the quiet drains.
NICE = 19


def idle() -> None:
    """This process's CPU time only when no other process wants it (Linux SCHED_IDLE)."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux: nice alone
        pass


class _Server(uvicorn.Server):
    """uvicorn, telling its parent when it is listening."""

    def __init__(self, config: uvicorn.Config, ready):
        super().__init__(config)
        self.ready = ready

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        self.ready.set()


def serve(config: Config, clock, session_clock, sock: socket.socket, ops: Ops, ready) -> None:
    """A worker process: the app on its own context, on the shared socket, until SIGTERM."""
    os.nice(NICE)
    idle()
    logs.configure(config)
    from .app import create_app  # the app's modules load in the worker, not in its parent

    ctx = Context.open(config, clock)
    try:
        app = create_app(config, ctx, session_clock, ops=ops)
        server = _Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"),
            ready,
        )
        gc.freeze()  # what start-up built lives as long as the process (see web/server.py)
        threading.Thread(target=_orphaned, args=(server,), name="wastewatch-parent", daemon=True).start()
        server.run(sockets=[sock])
    finally:
        ctx.close()


def _orphaned(server: uvicorn.Server) -> None:
    """Ends the worker when the service's process is gone (killed, say): a worker left behind
    would go on answering on the service's port with nobody running the service."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    parent.join()  # returns when the parent's end of the pipe between them closes
    log.error("web worker %d: the service's process is gone; stopping", os.getpid())
    server.should_exit = True


class Workers:
    """N worker processes on one listening socket, started again when one dies."""

    def __init__(self, config: Config, clock: Callable[[], float], session_clock, ops_url: str, secret: str):
        self.config, self.clock, self.session_clock = config, clock, session_clock
        self.ops = Ops(ops_url, secret)
        self.sock: socket.socket | None = None
        self.processes: list = []
        self._stopping = threading.Event()
        self._watch = threading.Thread(target=self._watching, name="wastewatch-web-workers", daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        web = self.config.web
        try:
            self.sock = listening(web.host, web.port)
        except OSError as exc:
            raise WebError(
                f"the pages cannot listen on {web.host}:{web.port} ({exc.strerror}; is the port taken? "
                "set [web] port, or [web] enabled = false)"
            ) from None
        try:
            readies = [self._spawn(n) for n in range(web.workers)]
            deadline = time.monotonic() + timeout
            for n, ready in enumerate(readies):
                while not ready.wait(0.1):
                    if not self.processes[n].is_alive() or time.monotonic() > deadline:
                        raise WebError(
                            f"web worker {n + 1} of {web.workers} did not start (see the log above: "
                            "the config, the database?)"
                        )
        except BaseException:
            self.stop()
            raise
        self._watch.start()
        pids = [p.pid for p in self.processes]
        log.info("pages served by %d worker processes (pids %s)", web.workers, pids)

    def _spawn(self, n: int):
        ready = SPAWN.Event()
        process = SPAWN.Process(
            target=serve,
            args=(self.config, self.clock, self.session_clock, self.sock, self.ops, ready),
            name=f"wastewatch-web-{n + 1}",
            daemon=True,
        )
        process.start()
        if n < len(self.processes):
            self.processes[n] = process
        else:
            self.processes.append(process)
        return ready

    def _watching(self) -> None:
        while not self._stopping.wait(1.0):
            for n, process in enumerate(self.processes):
                if not process.is_alive() and not self._stopping.is_set():
                    log.error(
                        "web worker %d (pid %s) ended with exit code %s; starting it again",
                        n + 1,
                        process.pid,
                        process.exitcode,
                    )
                    self._spawn(n)

    def stop(self) -> None:
        self._stopping.set()
        if self._watch.is_alive():
            self._watch.join(5)
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in progress
        for process in self.processes:
            process.join(15)
            if process.is_alive():
                process.kill()
                process.join(5)
        if self.sock is not None:
            self.sock.close()


def listening(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port, made as asyncio makes its own: with the protocol
    named, so that asyncio sets TCP_NODELAY on every connection it accepts (without it, a
    response in two writes waits for the client's delayed ACK: 40 ms a request, measured)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def ops_secret() -> str:
    """The secret a start's workers show the service's process (web/ops.py)."""
    return secrets.token_urlsafe(32)
