"""The one assembly of the service (wastewatch/app.py): every part built from the config,
started in order, stopped in reverse; the same parts whether `serve`, the demo or a test runs it."""

import socket
import time
from datetime import datetime, timezone

import httpx
import pytest

from tests.hj212 import LOGGER_SITE, hj212_section
from tests.support import wait_until
from wastewatch.app import App
from wastewatch.config import load_config
from wastewatch.ingest.broker import free_port
from wastewatch.store import open_store


def test_the_whole_service_runs_in_process_stores_what_it_is_sent_and_stops_every_part(
    write_config, broker, publisher, app
):
    path = write_config(broker, site=LOGGER_SITE, extra=hj212_section(free_port()))
    running = app(path)
    assert [name for name, _ in running.parts()] == [
        "pages",
        "ingestor",
        "HJ 212 listener",
        "scheduled jobs",
    ]
    config = running.config
    assert httpx.get(f"http://127.0.0.1:{config.web.port}/healthz").status_code == 200
    assert running.ingestor.connected.wait(10), "the ingestor subscribes"
    ts = int(time.time()) - 60
    stamp = datetime.fromtimestamp(ts, timezone.utc).isoformat()
    publisher.send("helin", {"ts": stamp, "values": {"flow": 3.2}})
    store = open_store(config)
    wait_until(lambda: store.scan("helin", "flow", ts, ts + 1), what="the reading stored")
    running.stop()
    for port in (config.web.port, running.loggers.port):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not running.alerts.scheduler.running
    store.close()


def test_a_part_that_cannot_start_stops_those_started_before_it(write_config, broker):
    """The HJ 212 port is taken: the pages and the ingestor, started before the listener,
    are stopped again and the error goes on; nothing is left listening."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    path = write_config(broker, site=LOGGER_SITE, extra=hj212_section(taken.getsockname()[1]))
    service = App(load_config(path))
    with pytest.raises(RuntimeError, match="the HJ 212 listener did not start"):
        service.start()
    taken.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", service.config.web.port), timeout=1).close()
    assert not service.ingestor.connected.is_set()
    assert not service.alerts.scheduler.running
