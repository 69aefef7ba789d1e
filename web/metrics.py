"""/metrics for Prometheus, and /readyz for a load balancer or a probe.

/metrics is the text exposition of prometheus-client, named by its rules: the `wastewatch_`
prefix, base units (seconds, bytes), counters ending in `_total`. Every figure is read when
Prometheus asks: the ingest counters from the running parts, the open alerts, orders and
outbox from the state database through their owners. Only addresses in `[web] metrics_from`
(this machine by default) or a request bearing `[web] metrics_token` may read it: the counts
say how a county's plants are doing.

/readyz says whether this instance can do its work, each check by name: the broker connected,
the database answering, the scheduler running, the outbox not behind, and any problem a part
reported (`/healthz` says only whether the process is alive and well).
"""

import hmac
import ipaddress
import time
from datetime import datetime, timezone

import httpx
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from wastewatch.access import sessions
from wastewatch.alerts import lifecycle
from wastewatch.alerts.context import Context
from wastewatch.config import Config
from wastewatch.jobs import forward_state
from wastewatch.maintenance import work_orders
from wastewatch.notify import forward_progress, outbox
from wastewatch.store.base import REJECTION_KINDS
from wastewatch.store.health import HEALTH
from wastewatch.store.state import answers

# The outbox is behind when a message due this long ago is still pending: the sender runs every
# few seconds and a retry is scheduled ahead, so this means it is not sending at all.
OUTBOX_BEHIND_S = 15 * 60
# The InfluxDB mirror is behind when readings wait and none were taken for this long.
MIRROR_BEHIND_S = 15 * 60


# (metric, what it counts, the part's counter): the ingestors' own counters, as they stand.
MQTT_COUNTERS = (
    ("wastewatch_mqtt_messages_received", "MQTT messages the broker delivered", "received"),
    ("wastewatch_mqtt_messages_ingested", "MQTT messages committed and acknowledged", "messages"),
    ("wastewatch_mqtt_readings_ingested", "Readings stored from MQTT", "readings"),
    ("wastewatch_mqtt_readings_duplicate", "Readings from MQTT already stored", "duplicates"),
    ("wastewatch_mqtt_commit_failures", "Batches the store could not commit", "failed_commits"),
    ("wastewatch_mqtt_quarantined", "Messages quarantined after repeated failures", "quarantined"),
)
HJ212_COUNTERS = (
    ("wastewatch_hj212_connections", "HJ 212 connections accepted", "connections"),
    ("wastewatch_hj212_connections_refused", "HJ 212 connections refused", "refused"),
    ("wastewatch_hj212_frames", "HJ 212 frames received", "frames"),
    ("wastewatch_hj212_replies", "HJ 212 replies sent", "replies"),
    ("wastewatch_hj212_readings_ingested", "Readings stored from HJ 212", "readings"),
)


class Probes:
    """The running parts the endpoints look at, handed in by the service's assembly (any may
    be None: the part is not running in this process)."""

    def __init__(self, ingestor=None, listener=None, alerts=None, mirror=None, forwarders=()):
        self.ingestor, self.listener, self.alerts, self.mirror = ingestor, listener, alerts, mirror
        self.forwarders = list(forwarders)

    def forwarding(self) -> list[dict]:
        """Each forwarder's connection as it stands (the forwarding page's, in any process)."""
        return [
            {"target": f.target.id, "leads": f.leads(), "connected": f.connected, "last_error": f.last_error}
            for f in self.forwarders
        ]


class Figures:
    """The collector: every figure, read at scrape time."""

    def __init__(self, ctx: Context, probes: Probes):
        self.ctx, self.probes = ctx, probes

    def collect(self):
        yield from self._ingest()
        yield from self._hj212()
        yield from self._state()
        yield from self._jobs()
        yield from self._mirror()
        yield from self._forward()
        problems = GaugeMetricFamily("wastewatch_health_problems", "Problems a part reports now (/healthz)")
        problems.add_metric([], len(HEALTH.problems()))
        yield problems

    def _ingest(self):
        ingestor = self.probes.ingestor
        if ingestor is None:
            return
        c = ingestor.counters
        yield from _counters(MQTT_COUNTERS, c)
        yield _by_kind("wastewatch_mqtt_rejections", "Messages and readings from MQTT rejected", c)
        yield SummaryMetricFamily(
            "wastewatch_mqtt_commit_seconds",
            "The ingest writer's commits and the seconds they took",
            count_value=c.commits,
            sum_value=c.commit_seconds,
        )
        yield SummaryMetricFamily(
            "wastewatch_mqtt_batch_messages",
            "The ingest writer's commits and the messages they held",
            count_value=c.commits,
            sum_value=c.committed_messages,
        )
        yield _gauge(
            "wastewatch_mqtt_unacknowledged",
            "Messages received and not yet committed and acknowledged",
            max(0, c.received - c.messages - c.stale),
        )
        yield _gauge(
            "wastewatch_mqtt_connected", "1 while connected to the broker", ingestor.connected.is_set()
        )

    def _hj212(self):
        listener = self.probes.listener
        if listener is None:
            return
        yield _gauge(
            "wastewatch_hj212_connections_open", "HJ 212 loggers connected now", listener.counters.open
        )
        yield from _counters(HJ212_COUNTERS, listener.counters)
        yield _by_kind(
            "wastewatch_hj212_rejections", "HJ 212 frames and readings rejected", listener.counters
        )

    def _state(self):
        db, now = self.ctx.db, int(self.ctx.now())
        alerts = GaugeMetricFamily(
            "wastewatch_alerts_open", "Alerts not resolved, by severity", labels=["severity"]
        )
        totals: dict[str, int] = {}
        for by_severity in lifecycle.open_by_site(db).values():
            for severity, n in by_severity.items():
                totals[severity] = totals.get(severity, 0) + n
        for severity in ("critical", "warning", "info"):
            alerts.add_metric([severity], totals.pop(severity, 0))
        for severity, n in sorted(totals.items()):
            alerts.add_metric([severity], n)
        yield alerts
        in_play, overdue = work_orders.in_play_totals(db, now)
        yield _gauge(
            "wastewatch_work_orders_in_play",
            "Work orders open, acknowledged or done, not yet verified",
            in_play,
        )
        yield _gauge("wastewatch_work_orders_overdue", "Work orders in play past a deadline", overdue)
        messages = GaugeMetricFamily(
            "wastewatch_outbox_messages",
            "Outbox messages by channel and status",
            labels=["channel", "status"],
        )
        counts = outbox.by_status(db)
        for status in ("pending", "failed"):
            counts.setdefault(("email", status), 0)
        for (channel, status), n in sorted(counts.items()):
            messages.add_metric([channel, status], n)
        yield messages
        web = self.ctx.config.web
        live = sessions.live(db, now, web.session_idle_min * 60, web.session_max_h * 3600)
        yield _gauge("wastewatch_console_sessions", "Console sessions signed in and not expired", live)

    def _jobs(self):
        alerts = self.probes.alerts
        if alerts is None:
            return
        took = GaugeMetricFamily(
            "wastewatch_job_last_run_seconds", "How long each job's last run took", labels=["job"]
        )
        ended = GaugeMetricFamily(
            "wastewatch_job_last_run_timestamp_seconds", "When each job's last run ended", labels=["job"]
        )
        for job, (seconds, at) in sorted(alerts.timings.items()):
            took.add_metric([job], seconds)
            ended.add_metric([job], at)
        yield took
        yield ended
        yield _gauge(
            "wastewatch_leader", "1 while this instance runs the scheduled jobs", alerts.leadership.leads()
        )
        sent = SummaryMetricFamily(
            "wastewatch_outbox_send_seconds",
            "Messages delivered and the seconds delivery took, by channel",
            labels=["channel"],
        )
        timings = dict(alerts.sender.send_seconds)
        timings.setdefault("email", (0, 0.0))
        for channel, (count, seconds) in sorted(timings.items()):
            sent.add_metric([channel], count_value=count, sum_value=seconds)
        yield sent

    def _forward(self):
        if not self.probes.forwarders:
            return
        for name, text, attribute in (
            ("wastewatch_forward_frames_sent", "HJ 212 frames sent to upper platforms", "sent"),
            ("wastewatch_forward_frames_answered", "Frames an upper platform answered", "answered"),
            ("wastewatch_forward_frames_resent", "Frames sent again, unanswered the first time", "resent"),
        ):
            family = CounterMetricFamily(name, text, labels=["target"])
            for forwarder in self.probes.forwarders:
                family.add_metric([forwarder.target.id], getattr(forwarder, attribute))
            yield family
        behind = GaugeMetricFamily(
            "wastewatch_forward_behind_seconds",
            "How long the oldest period not yet sent has been due, by upper platform and kind",
            labels=["target", "kind"],
        )
        now, targets = self.ctx.now(), {f.target.id: f.target for f in self.probes.forwarders}
        for (target, kind), through in sorted(forward_progress.oldest(self.ctx.db).items()):
            if target in targets:
                seconds = forward_state.behind(targets[target], kind, through, now, self.ctx.config.tz)
                behind.add_metric([target, kind], seconds)
        yield behind
        up = GaugeMetricFamily(
            "wastewatch_forward_connected", "1 while connected to the upper platform", labels=["target"]
        )
        for forwarder in self.probes.forwarders:
            up.add_metric([forwarder.target.id], forwarder.connected)
        yield up

    def _mirror(self):
        mirror = self.probes.mirror
        if mirror is None:
            return
        yield _gauge(
            "wastewatch_mirror_queue_lines", "Readings waiting to be copied to InfluxDB", mirror.backlog
        )


def _by_kind(name: str, text: str, counters) -> CounterMetricFamily:
    """A part's rejections by kind (store.base.REJECTION_KINDS), every kind present."""
    family = CounterMetricFamily(name, text, labels=["kind"])
    for kind in REJECTION_KINDS:
        family.add_metric([kind], counters.rejections_by_kind.get(kind, 0))
    return family


def _counters(table, counters):
    for name, text, attribute in table:
        yield CounterMetricFamily(name, text, value=getattr(counters, attribute))


def _utc(seconds: float) -> str:
    return f"{datetime.fromtimestamp(seconds, timezone.utc):%FT%TZ}"


def _gauge(name: str, text: str, value) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, value=float(value))


class Endpoints:
    """/metrics, /readyz and /healthz. In a worker process (`ops` given: web/ops.py) the figures,
    checks and problems are the service's process's, with the worker's own problems added."""

    def __init__(self, config: Config, ctx: Context, probes: Probes, ops=None):
        self.config, self.ctx, self.probes, self.ops = config, ctx, probes, ops
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(Figures(ctx, probes))
        self.allowed = [ipaddress.ip_network(n, strict=False) for n in config.web.metrics_from]

    async def metrics(self, request: Request) -> Response:
        if not self._may_read(request):
            return PlainTextResponse(
                "metrics: this address is not in [web] metrics_from and no token was given\n", status_code=403
            )
        if self.ops is not None:
            try:
                figures = (await self.ops.get("/metrics")).content
            except httpx.HTTPError as exc:
                return PlainTextResponse(f"metrics: the service does not answer ({exc})\n", status_code=503)
            return Response(figures, media_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    def _may_read(self, request: Request) -> bool:
        token = self.config.web.metrics_token
        given = request.headers.get("authorization", "")
        if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
        try:
            address = ipaddress.ip_address(request.client.host if request.client else "")
        except ValueError:
            return False
        return any(address in network for network in self.allowed)

    async def healthz(self, request: Request) -> PlainTextResponse:
        """For a monitoring probe: 200 "ok", or 503 with one line per problem the service has now
        (the disk is full, the database is locked or unreachable) and since when."""
        problems = HEALTH.problems()
        if self.ops is not None:
            try:
                problems = (await self.ops.get("/problems")).json() + problems
            except httpx.HTTPError as exc:
                problems.append(
                    {"component": "service", "problem": f"does not answer ({exc})", "since": time.time()}
                )
        if not problems:
            return PlainTextResponse("ok")
        lines = [f"{p['component']}: {p['problem']} (since {_utc(p['since'])})" for p in problems]
        return PlainTextResponse("failing\n" + "\n".join(lines) + "\n", status_code=503)

    async def readyz(self, request: Request) -> PlainTextResponse:
        checks = await self.all_checks()
        failing = [f"{name}: {problem}" for name, problem in checks.items() if problem]
        lines = [f"{name}: {problem or 'ok'}" for name, problem in checks.items()]
        status = 503 if failing else 200
        return PlainTextResponse(
            ("failing\n" if failing else "ready\n") + "\n".join(lines) + "\n", status_code=status
        )

    async def all_checks(self) -> dict[str, str | None]:
        """checks(), where they are made: the service's process's, and a worker's own problems."""
        if self.ops is None:
            return self.checks()
        try:
            found = (await self.ops.get("/checks")).json()
        except httpx.HTTPError as exc:
            found = {"service": f"does not answer ({exc.__class__.__name__})"}
        for problem in HEALTH.problems():
            found[problem["component"]] = problem["problem"]
        return found

    def checks(self) -> dict[str, str | None]:
        """{check: None when it passes, else what is wrong}, in a stable order."""
        probes, found = self.probes, {}
        if probes.ingestor is not None:
            found["broker"] = None if probes.ingestor.connected.is_set() else "not connected to the broker"
        try:
            answers(self.ctx.db)
            found["database"] = None
        except Exception as exc:  # noqa: BLE001 — whatever it is, the database does not answer
            found["database"] = f"does not answer ({exc.__class__.__name__})"
        if probes.alerts is not None:
            found["scheduler"] = None if probes.alerts.scheduler.running else "not running"
        now = int(time.time())
        due = outbox.overdue_since(self.ctx.db, now)
        behind = due is not None and now - due > OUTBOX_BEHIND_S
        found["outbox"] = (
            f"a message due {(now - due) // 60} minutes ago is still waiting" if behind else None
        )
        mirror = probes.mirror
        if mirror is not None:
            stuck = mirror.backlog and now - mirror.last_taken > MIRROR_BEHIND_S
            found["mirror"] = (
                f"{mirror.backlog} readings waiting and none taken by InfluxDB for "
                f"{int(now - mirror.last_taken) // 60} minutes"
                if stuck
                else None
            )
        for problem in HEALTH.problems():
            found[problem["component"]] = problem["problem"]
        return found
