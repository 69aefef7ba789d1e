"""`wastewatch serve`: the ingestor, the scheduled jobs and the work-order pages until a stop is
asked for."""

import logging
import threading
import time

from wastewatch.alerts.scheduler import AlertService
from wastewatch.config import Config
from wastewatch.ingest.client import Ingestor
from wastewatch.ingest.listener import Listener
from wastewatch.web.server import WebServer

log = logging.getLogger("wastewatch")


def serve(config: Config, stop: threading.Event) -> None:
    # First: a mistake in the rules or standards stops us before connecting.
    alerts = AlertService(config) if config.alerts.enabled else None
    web = WebServer(config) if config.web.enabled and config.alerts.enabled else None
    ingestor = Ingestor(config)
    loggers = Listener(config) if config.hj212.enabled else None
    log.info(
        "ingesting %s/sites/+/readings from %s:%s into %s for %d sites",
        config.mqtt.topic_prefix,
        config.mqtt.host,
        config.mqtt.port,
        config.database_path,
        len(config.sites),
    )
    if web:
        web.start()
        log.info(
            "work-order pages on http://%s:%d (links point to %s)",
            config.web.host,
            config.web.port,
            config.web.url,
        )
    try:
        ingestor.start()
        if loggers:
            loggers.start()
            log.info(
                "HJ 212 loggers: listening on %s:%d for %d registered loggers",
                config.hj212.host,
                loggers.port,
                len(config.site_by_mn),
            )
        if alerts:
            alerts.start()
        while not sleep_unless_stopped(stop, 3600):
            pass
    finally:
        if alerts:
            alerts.stop()
        if loggers:
            loggers.stop()
        ingestor.stop()
        if web:
            web.stop()


def sleep_unless_stopped(stop: threading.Event, seconds: float) -> bool:
    """stop.wait(seconds) for the main thread: True once stopped.

    It polls instead of waiting on the event, because the signal handler that sets the event
    runs on this same thread, and a signal landing inside wait(), while the event's lock is
    held, deadlocks."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        time.sleep(0.1)
    return stop.is_set()
