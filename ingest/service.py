"""`wastewatch serve`: the ingestor until a stop is asked for."""

import logging
import threading

from config import Config

from .client import Ingestor

log = logging.getLogger("wastewatch")


def serve(config: Config, stop: threading.Event) -> None:
    ingestor = Ingestor(config)
    log.info("ingesting %s/sites/+/readings from %s:%s into %s for %d sites",
             config.mqtt.topic_prefix, config.mqtt.host, config.mqtt.port,
             config.database_path, len(config.sites))
    ingestor.start()
    try:
        stop.wait()
    finally:
        ingestor.stop()
