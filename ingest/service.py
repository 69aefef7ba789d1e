"""`wastewatch serve`: the ingestor and the alerting jobs until a stop is asked for."""

import logging
import threading

from alerts.scheduler import AlertService
from config import Config

from .client import Ingestor

log = logging.getLogger("wastewatch")


def serve(config: Config, stop: threading.Event) -> None:
    alerts = AlertService(config)  # first: a mistake in rules or standards stops us before connecting
    ingestor = Ingestor(config)
    log.info("ingesting %s/sites/+/readings from %s:%s into %s for %d sites",
             config.mqtt.topic_prefix, config.mqtt.host, config.mqtt.port,
             config.database_path, len(config.sites))
    ingestor.start()
    alerts.start()
    try:
        stop.wait()
    finally:
        alerts.stop()
        ingestor.stop()
