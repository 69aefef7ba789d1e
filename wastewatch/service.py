"""`wastewatch serve`: the whole service (app.py) until a stop is asked for, once the store
can be opened."""

import logging
import threading
import time

from wastewatch.config import Config
from wastewatch.store import open_store
from wastewatch.store.files import unavailable
from wastewatch.store.health import HEALTH
from wastewatch.store.state import connect

from .app import App

log = logging.getLogger("wastewatch")


def serve(config: Config, stop: threading.Event) -> None:
    if not wait_for_the_store(config, stop):
        return
    with App(config):  # built first: a mistake in the rules or standards stops us before connecting
        while not sleep_unless_stopped(stop, 3600):
            pass


def wait_for_the_store(config: Config, stop: threading.Event) -> bool:
    """Open the store and the state database until they can be opened; False when stopped first.

    A service restarted while its disk is full (or its database locked by another program)
    cannot open SQLite's journal: exiting would only have it restarted into the same wall, and
    down. It waits instead, says so once in the log (the pages, and /healthz, start after it),
    and starts when the store does; the broker keeps the readings meanwhile, and loggers
    resend. (The chaos soak found the exits.) A store that fails again in the moment between
    this check and the start is rare enough to be an exit."""
    delay = 1.0
    while True:
        try:
            open_store(config).close()
            connect(config.state_url).close()
        except Exception as exc:
            problem = unavailable(exc)
            if problem is None:
                raise
            HEALTH.failing(
                "start-up", f"cannot open the database: {problem}", "retrying; nothing is read until it opens"
            )
            if sleep_unless_stopped(stop, delay):
                return False
            delay = min(delay * 2, 30.0)
        else:
            HEALTH.recovered("start-up")
            return True


def sleep_unless_stopped(stop: threading.Event, seconds: float) -> bool:
    """stop.wait(seconds) for the main thread: True once stopped.

    It polls instead of waiting on the event, because the signal handler that sets the event
    runs on this same thread, and a signal landing inside wait(), while the event's lock is
    held, deadlocks."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        time.sleep(0.1)
    return stop.is_set()
