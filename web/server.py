"""uvicorn in a thread of `wastewatch serve`, next to the ingestor and the scheduler."""

import gc
import threading
import time
from typing import Callable

import uvicorn

from wastewatch.alerts.context import Context
from wastewatch.config import Config

from . import WebError
from .app import create_app


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
        self.ctx = Context.open(config, clock)
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
            self.server.run()
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

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.ctx.close()
