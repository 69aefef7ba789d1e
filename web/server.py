"""uvicorn in a thread of `wastewatch serve`, next to the ingestor and the scheduler: the pages
themselves, or, with `[web] workers`, the answers the worker processes ask of this process
(web/workers.py, web/ops.py) while they serve the pages."""

import gc
import pickle
import socket
import threading
import time
from typing import Callable

import uvicorn

from wastewatch.alerts.context import Context
from wastewatch.config import Config
from wastewatch.maintenance import links

from . import WebError
from .app import create_app
from .metrics import Endpoints, Probes
from .ops import ops_app
from .workers import Workers, listening, ops_secret


class WebServer:
    def __init__(
        self,
        config: Config,
        clock: Callable[[], float] = time.time,
        session_clock: Callable[[], float] | None = None,
        probes=None,
    ):
        """`session_clock`: what console sessions expire by, when not `clock` (the demo's
        simulated clock races a day a minute; people sign in on the real one)."""
        self.config = config
        if config.web.workers:
            try:
                pickle.dumps((clock, session_clock))
            except (pickle.PicklingError, AttributeError, TypeError) as exc:
                raise WebError(
                    f"[web] workers = {config.web.workers}: this clock cannot be handed to a worker "
                    f"process ({exc}); set [web] workers = 0"
                ) from None
        self.ctx = Context.open(config, clock)
        self.workers: Workers | None = None
        self.ops_socket: socket.socket | None = None
        if config.web.workers:
            # This process answers its workers on a loopback port of its own.
            probes = probes or Probes()
            secret = ops_secret()
            app = ops_app(Endpoints(config, self.ctx, probes), probes, secret)
            self.ops_socket = listening("127.0.0.1", 0)
            url = f"http://127.0.0.1:{self.ops_socket.getsockname()[1]}"
            self.workers = Workers(config, clock, session_clock, url, secret)
        else:
            app = create_app(config, self.ctx, session_clock, probes)
        # uvicorn installs no signal handlers off the main thread: `serve` keeps its own.
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=config.web.host,
                port=config.web.port,
                log_level="warning",
                access_log=False,
                lifespan="off",
            )
        )
        self.thread = threading.Thread(target=self._run, name="wastewatch-web", daemon=True)
        self.failure: BaseException | None = None

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.ops_socket] if self.ops_socket else None)
        except BaseException as exc:  # noqa: BLE001 — uvicorn exits the thread with SystemExit on bind errors
            self.failure = exc

    def start(self, timeout: float = 10.0) -> None:
        # What start-up built (the config's sites, the standards, templates) lives as long as
        # the process: frozen out of the collector's sweeps, which otherwise walk it all again
        # in the middle of requests (measured: a long tail on the 1,000-site board).
        gc.freeze()
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.ctx.close()
                raise WebError(
                    f"the work-order pages cannot listen on {self.config.web.host}:{self.config.web.port} "
                    "(is the port taken? set [web] port, or [web] enabled = false)"
                )
            time.sleep(0.02)
        if self.workers is not None:
            links.secret_key(self.config)  # made once here, not by two workers at once
            try:
                self.workers.start()
            except BaseException:
                self._stop_server()
                raise

    def stop(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        self._stop_server()

    def _stop_server(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.ctx.close()
