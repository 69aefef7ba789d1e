"""`wastewatch serve`: the ingestor until a stop is asked for."""

import logging
import threading

from config import Config
from store import open_store

from .client import Ingestor

log = logging.getLogger("wastewatch")


def serve(config: Config, stop: threading.Event) -> None:
    store = open_store(config)
    ingestor = Ingestor(config, store)
    log.info("ingesting %s/sites/+/readings from %s:%s into %s for %d sites",
             config.mqtt.topic_prefix, config.mqtt.host, config.mqtt.port,
             config.database_path, len(config.sites))
    ingestor.start()
    try:
        stop.wait()
    finally:
        ingestor.stop()
        store.close()
