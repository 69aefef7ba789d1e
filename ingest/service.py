"""`wastewatch serve`: the ingestor and the alerting jobs until a stop is asked for."""

import logging
import threading
import time

from alerts.scheduler import AlertService
from config import Config

from .client import Ingestor

log = logging.getLogger("wastewatch")


def serve(config: Config, stop: threading.Event) -> None:
    # First: a mistake in the rules or standards stops us before connecting.
    alerts = AlertService(config) if config.alerts.enabled else None
    ingestor = Ingestor(config)
    log.info("ingesting %s/sites/+/readings from %s:%s into %s for %d sites",
             config.mqtt.topic_prefix, config.mqtt.host, config.mqtt.port,
             config.database_path, len(config.sites))
    ingestor.start()
    if alerts:
        alerts.start()
    try:
        # Poll rather than stop.wait(): the SIGTERM handler calls stop.set(), and a signal
        # landing while this thread is inside wait() holding the event's lock deadlocks.
        while not stop.is_set():
            time.sleep(0.2)
    finally:
        if alerts:
            alerts.stop()
        ingestor.stop()
