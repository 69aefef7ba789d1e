"""The one assembly of the service: every part built from the config, started in order and
stopped in the reverse order. `serve`, the demo, the benchmarks and the tests' in-process
service all run this."""

import logging
import time
from typing import Callable, Protocol

from wastewatch.config import Config
from wastewatch.ingest.client import Ingestor
from wastewatch.ingest.listener import Listener
from wastewatch.ingest.rescue import Rescue
from wastewatch.jobs.forwarder import Forwarder
from wastewatch.jobs.scheduler import AlertService
from wastewatch.store import open_store
from wastewatch.store.members import Membership
from wastewatch.store.mirror import Mirror
from wastewatch.web.metrics import Probes
from wastewatch.web.server import WebServer

log = logging.getLogger("wastewatch")


class Part(Protocol):
    def start(self) -> object: ...

    def stop(self) -> object: ...


class _Member:
    """This instance's membership of a shared group (store/members.py), as a part: it joins
    first, so the rescue knows who is away, and leaves last."""

    def __init__(self, membership: Membership):
        self.membership = membership

    def start(self) -> None:
        self.membership.join()

    def stop(self) -> None:
        self.membership.close()


class App:
    """The service's parts, in start order:

    1. the membership of a shared group (several instances), joined first;
    2. the pages (the console, the contractors' links, /healthz);
    3. the InfluxDB mirror, before the ingest that feeds it, and stopped after it;
    4. the MQTT ingestor, 5. the rescue of an absent member's share, 6. the HJ 212 listener;
    7. the scheduled jobs, last: they judge what the others stored.

    Built before anything starts: a mistake in the rules or standards surfaces before a
    connection is made."""

    def __init__(
        self,
        config: Config,
        clock: Callable[[], float] = time.time,
        session_clock: Callable[[], float] | None = None,
    ):
        self.config = config
        self.alerts = AlertService(config, clock) if config.alerts.enabled else None
        probes = Probes(alerts=self.alerts)
        self.web = (
            WebServer(config, clock, session_clock, probes)
            if config.web.enabled and config.alerts.enabled
            else None
        )
        self.ingestor = Ingestor(config)
        self.loggers = Listener(config) if config.hj212.enabled else None
        probes.ingestor, probes.listener = self.ingestor, self.loggers
        self.mirror = Mirror(config, open_store(config)) if config.mirror_measurement else None
        probes.mirror = self.mirror
        # The upper platforms: the leader forwards (the scheduled work's instance).
        leads = self.alerts.leadership.leads if self.alerts else (lambda: False)
        self.forwarders = (
            [Forwarder(config, target, leads) for target in config.file.forward] if self.alerts else []
        )
        probes.forwarders = self.forwarders
        self.membership = self.rescue = None
        if config.mqtt.share_group:  # one of several instances: see ingest/rescue.py
            self.membership = Membership(config.readings_url, config.mqtt.client_id, config.mqtt.share_group)
            self.rescue = Rescue(config, self.membership)
        self._started: list[Part] = []

    def parts(self) -> list[tuple[str, Part]]:
        named = [
            ("membership", _Member(self.membership) if self.membership else None),
            ("pages", self.web),
            ("mirror", self.mirror),
            ("ingestor", self.ingestor),
            ("rescue", self.rescue),
            ("HJ 212 listener", self.loggers),
            ("scheduled jobs", self.alerts),
            *((f"forwarding to {f.target.id}", f) for f in self.forwarders),
        ]
        return [(name, part) for name, part in named if part is not None]

    def start(self) -> "App":
        """Every part in order; when one fails to start, those already started are stopped
        (in reverse) and the error goes on."""
        try:
            for name, part in self.parts():
                part.start()
                self._started.append(part)
                self._say(name)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """What was started, in reverse order; a part that fails to stop is logged and the
        others are still stopped."""
        while self._started:
            part = self._started.pop()
            try:
                part.stop()
            except Exception:  # noqa: BLE001 — the rest must still stop
                log.exception("stopping %s failed", type(part).__name__)

    def __enter__(self) -> "App":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _say(self, name: str) -> None:
        config = self.config
        if name == "pages":
            log.info(
                "work-order pages on http://%s:%d (links point to %s)",
                config.web.host,
                config.web.port,
                config.web.url,
            )
        elif name == "ingestor":
            log.info(
                "ingesting %s/sites/+/readings from %s:%s into %s for %d sites",
                config.mqtt.topic_prefix,
                config.mqtt.host,
                config.mqtt.port,
                config.store_location,
                len(config.sites),
            )
        elif name == "HJ 212 listener" and self.loggers:
            log.info(
                "HJ 212 loggers: listening on %s:%d for %d registered loggers",
                config.hj212.host,
                self.loggers.port,
                len(config.site_by_mn),
            )
        elif name == "mirror":
            log.info(
                "copying every stored reading to InfluxDB at %s (bucket %s)",
                config.influxdb.url,
                config.influxdb.bucket,
            )
