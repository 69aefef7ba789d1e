"""`wastewatch serve`: the ingestor, the scheduled jobs and the work-order pages until a stop is
asked for."""

import logging
import threading
import time

from wastewatch.config import Config
from wastewatch.ingest.client import Ingestor
from wastewatch.ingest.listener import Listener
from wastewatch.ingest.rescue import Rescue
from wastewatch.jobs.scheduler import AlertService
from wastewatch.store import open_store
from wastewatch.store.files import unavailable
from wastewatch.store.health import HEALTH
from wastewatch.store.members import Membership
from wastewatch.store.mirror import Mirror
from wastewatch.store.state import connect
from wastewatch.web.server import WebServer

log = logging.getLogger("wastewatch")


def serve(config: Config, stop: threading.Event) -> None:
    if not wait_for_the_store(config, stop):
        return
    # First: a mistake in the rules or standards stops us before connecting.
    alerts = AlertService(config) if config.alerts.enabled else None
    web = WebServer(config) if config.web.enabled and config.alerts.enabled else None
    ingestor = Ingestor(config)
    loggers = Listener(config) if config.hj212.enabled else None
    mirror = Mirror(config, open_store(config)) if config.mirror_measurement else None
    membership = rescue = None
    if config.mqtt.share_group:  # one of several instances: see ingest/rescue.py
        membership = Membership(config.readings_url, config.mqtt.client_id, config.mqtt.share_group)
        membership.join()
        rescue = Rescue(config, membership)
    log.info(
        "ingesting %s/sites/+/readings from %s:%s into %s for %d sites",
        config.mqtt.topic_prefix,
        config.mqtt.host,
        config.mqtt.port,
        config.store_location,
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
        if rescue:
            rescue.start()
        if loggers:
            loggers.start()
            log.info(
                "HJ 212 loggers: listening on %s:%d for %d registered loggers",
                config.hj212.host,
                loggers.port,
                len(config.site_by_mn),
            )
        if mirror:
            mirror.start()
            log.info(
                "copying every stored reading to InfluxDB at %s (bucket %s)",
                config.influxdb.url,
                config.influxdb.bucket,
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
        if rescue:
            rescue.stop()
        ingestor.stop()
        if membership:
            membership.close()
        if mirror:
            mirror.stop()
        if web:
            web.stop()


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
