"""The shape of a Wastewatch config file, as strict pydantic models.

Strict mode: TOML already carries types, so "1883" is not accepted where a port number is
expected. Sites read from a CSV inventory are validated in lax mode instead (every CSV cell is
text). Cross-references (a site's contractor) are checked in `loader.py`, which knows the
file each site came from.
"""

import datetime
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .metrics import METRICS

_ID = r"^[A-Za-z0-9_-]{1,64}$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


def _timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Asia/Shanghai'") from None
    return name


def _email(address: str) -> str:
    if not _EMAIL.match(address):
        raise ValueError(f"{address!r} is not an email address")
    return address


def _metric_name(name: str) -> str:
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(METRICS)}")
    return name


def _web_address(url: str) -> str:
    if not re.match(r"^https?://[^\s/]+(/\S*)?\Z", url):
        raise ValueError(f"{url!r} is not a web address; use one such as 'https://ww.tqhb.example.cn'")
    return url


def _database_url(url: str) -> str:
    # The state database: PostgreSQL through psycopg 3. (The embedded SQLite file needs no URL.)
    if not re.match(r"^postgresql\+psycopg://\S+\Z", url):
        raise ValueError(
            f"{url!r} is not a PostgreSQL URL; use one such as "
            "'postgresql+psycopg://wastewatch@127.0.0.1:5432/wastewatch', or leave url out for the "
            "embedded SQLite file"
        )
    return url


Email = Annotated[str, AfterValidator(_email)]
MetricName = Annotated[str, AfterValidator(_metric_name)]
Identifier = Annotated[str, Field(pattern=_ID)]
# TOML has no path type: a path is a string, so paths alone are converted.
PathValue = Annotated[Path, Field(strict=False)]


class Section(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class ServiceConfig(Section):
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Shanghai"
    locale: Literal["zh-CN", "en"] = "zh-CN"
    data_dir: PathValue = Path("data")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The person the commands' --by defaults to (the county's duty operator), for the history.
    operator: Annotated[str, Field(min_length=1, max_length=40)] | None = None


class TLSConfig(Section):
    enabled: bool = False
    ca_file: PathValue | None = None
    cert_file: PathValue | None = None
    key_file: PathValue | None = None
    insecure: bool = False


class MQTTConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    topic_prefix: Annotated[str, Field(pattern=r"^[^#+]+$")] = "wastewatch"
    client_id: Annotated[str, Field(min_length=1, max_length=128)] = "wastewatch-ingest"
    username: str | None = None
    password: str | None = None
    keepalive_s: int = Field(60, ge=5)
    session_expiry_s: int = Field(7 * 86400, ge=3600)
    reconnect_min_s: int = Field(1, ge=1)
    reconnect_max_s: int = Field(120, ge=1)
    # Several instances sharing the stream: each subscribes as $share/<group>/…, with a
    # client_id of its own; the broker hands each message to one of them.
    share_group: Annotated[str, Field(pattern=r"^[^/#+$\s]+$")] | None = None
    # How often each of them looks for a member that is down; one found down at two checks in
    # a row has its session emptied by the one that found it (ingest/rescue.py).
    rescue_after_s: int = Field(30, ge=1, le=3600)
    tls: TLSConfig = TLSConfig()


class IngestConfig(Section):
    max_inflight: int = Field(10000, ge=1, le=65535)
    max_batch: int = Field(5000, ge=1)
    commit_interval_ms: int = Field(0, ge=0, le=60_000)
    max_payload_bytes: int = Field(256 * 1024, ge=1024)
    future_tolerance_s: int = Field(3600, ge=0)
    # Readings stamped before this date are a logger clock fault (DB51/2626-2019 is in force
    # from 2020-01-01: nothing earlier can be judged against it).
    earliest_date: datetime.date = Field(datetime.date(2020, 1, 1), ge=datetime.date(1970, 1, 1))
    # Live readings (MQTT) older than this are a clock fault too; `wastewatch import` loads
    # older history.
    max_backfill_days: int = Field(400, ge=1)
    # A message the store cannot commit this many times in a row is quarantined.
    quarantine_after: int = Field(3, ge=1, le=100)


class StoreConfig(Section):
    # The readings: the embedded SQLite file (path), or PostgreSQL (url; unset, [database] url:
    # the readings beside the state, in a schema of their own).
    backend: Literal["sqlite", "postgresql"] = "sqlite"
    path: PathValue | None = None
    url: Annotated[str, AfterValidator(_database_url)] | None = None


class DatabaseConfig(Section):
    # The state database (alerts, work orders, outbox, reports). Unset: the embedded SQLite
    # file beside the readings.
    url: Annotated[str, AfterValidator(_database_url)] | None = None


class InfluxDBConfig(Section):
    # "mirror": a copy of every stored reading in an InfluxDB 2.x bucket, for Grafana. Queued
    # with the reading in the store's transaction, sent by influxdb-client's batching writer,
    # deleted once InfluxDB has taken it (store/mirror_queue.py, store/mirror.py).
    mode: Literal["off", "mirror"] = "off"
    url: Annotated[str, Field(pattern=r"^https?://[^\s/]+")] | None = None
    org: Annotated[str, Field(min_length=1)] | None = None
    bucket: Annotated[str, Field(min_length=1)] | None = None
    token: Annotated[str, Field(min_length=1)] | None = None
    measurement: Annotated[str, Field(pattern=r"^[^#\s,][^\s,]*$")] = "readings"
    # Lines per request: InfluxDB's own advice is 5,000.
    batch_size: int = Field(5000, ge=1, le=100_000)
    timeout_s: float = Field(10.0, gt=0)
    # After a refused chunk: wait retry_min_s, doubling up to retry_max_s.
    retry_min_s: int = Field(5, ge=1)
    retry_max_s: int = Field(300, ge=1)


class InventoryConfig(Section):
    sites_csv: PathValue | None = None
    # Every administrative village (行政村) of the county, for the treatment coverage (治理率).
    villages_csv: PathValue | None = None


class Contractor(Section):
    id: Identifier
    name: Annotated[str, Field(min_length=1)]
    email: Email


class MetricSpec(Section):
    interval_s: int = Field(ge=1, le=86400)
    range: list[float] | None = Field(None, min_length=2, max_length=2)


class Permit(Section):
    """A site's own discharge permit: a grade or limits that replace the standard's."""

    grade: str | None = None
    limits: dict[MetricName, float | list[float]] = {}
    reason: Annotated[str, Field(min_length=1)]


class Site(Section):
    id: Identifier
    name: Annotated[str, Field(min_length=1)]
    town: Annotated[str, Field(min_length=1)]
    village: str = ""
    capacity_m3d: float = Field(gt=0)
    receiving_water: Literal["II", "III", "IV", "V", "none"]
    key_control_area: bool = False
    catering: bool = False
    contractor: Identifier
    operators: list[Email] = Field(min_length=1)
    metrics: dict[MetricName, Annotated[int, Field(ge=1, le=86400)] | MetricSpec] = Field(min_length=1)
    # Which temperature-conditional limit applies on a day without water temperature data:
    # "stricter" (the warm-water value) or "relaxed" (the ≤ 12 °C value).
    without_water_temp: Literal["stricter", "relaxed"] = "stricter"
    # GB 18918 sets a laxer TP limit for plants built before 2006; unknown → the stricter one.
    built_year: int | None = Field(None, ge=1950, le=2100)
    # The day the site went into service: a reading stamped before it is a logger clock fault
    # (the service-wide [ingest] earliest_date holds where it is not given).
    commissioned: datetime.date | None = Field(None, ge=datetime.date(1970, 1, 1))
    permit: Permit | None = None
    # The site's HJ 212 logger (数采仪): its MN and PW, which data kind is the reading series,
    # which equipment number (SBxxx-RS) is which machine, and the zone its DataTime is in.
    hj212_mn: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,24}$")] | None = None
    hj212_pw: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,16}$")] | None = None
    hj212_series: Literal["realtime", "minute", "hourly", "daily"] = "realtime"
    hj212_equipment: dict[Annotated[str, Field(pattern=r"^SB\d{1,3}$")], MetricName] = {}
    timezone: Annotated[str, AfterValidator(_timezone)] | None = None

    def metric(self, name: str) -> MetricSpec | None:
        spec = self.metrics.get(name)
        return MetricSpec(interval_s=spec) if isinstance(spec, int) else spec


class AlertsConfig(Section):
    # false: `serve` only ingests (run the alerting jobs in another `serve` on the same data).
    enabled: bool = True
    check_interval_s: int = Field(60, ge=1, le=86400)
    day_close_interval_s: int = Field(600, ge=1, le=86400)
    outbox_interval_s: int = Field(10, ge=1, le=3600)
    # Work-order reminders, escalations, routine orders and the daily digest.
    sla_interval_s: int = Field(60, ge=1, le=3600)
    # None: the rules and standards shipped in config/ (rules.toml, standards/).
    rules_file: PathValue | None = None
    standards_dir: PathValue | None = None


class SMTPConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    # CA that signed the server's certificate, when it is not a public one.
    ca_file: PathValue | None = None
    username: str | None = None
    password: str | None = None
    sender: Email = "wastewatch@localhost.localdomain"
    timeout_s: float = Field(30.0, gt=0)
    retry_min_s: int = Field(30, ge=1)
    retry_max_s: int = Field(3600, ge=1)


class BureauConfig(Section):
    """The county bureau (生态环境局) that supervises: missed deadlines and unplanned stops go here."""

    name: str = "县生态环境局"
    emails: list[Email] = []


class WebConfig(Section):
    """The contractors' work-order pages, served by `wastewatch serve`."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # The address contractors' phones reach (behind a reverse proxy with TLS, in production);
    # None: http://host:port.
    base_url: Annotated[str, AfterValidator(_web_address)] | None = None
    # Signs the links in work-order emails. None: a random key kept in the data folder.
    secret_key: Annotated[str, Field(min_length=16)] | None = None
    link_valid_h: int = Field(7 * 24, ge=1, le=90 * 24)
    max_photo_mb: float = Field(10, gt=0, le=100)
    max_photos: int = Field(6, ge=0, le=50)
    # The console's sessions: signed out after this long without a request, and after this
    # long in any case.
    session_idle_min: int = Field(120, ge=5, le=24 * 60)
    session_max_h: int = Field(24 * 7, ge=1, le=24 * 90)
    # Login throttling: this many failed logins for one account, or from one address, within
    # the window refuse further tries until the window has passed.
    login_failures: int = Field(5, ge=1, le=100)
    login_window_min: int = Field(15, ge=1, le=24 * 60)

    @property
    def secure(self) -> bool:
        """Cookies only over TLS when people reach the console by https."""
        return self.url.startswith("https://")

    @property
    def url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


class ReportConfig(Section):
    """The monthly compliance summary, emailed on the 1st (the figures' rules: rules.toml [report])."""

    enabled: bool = True
    # Regulators (生态环境局) who receive it; the sites' operators too, unless false.
    recipients: list[Email] = []
    include_operators: bool = True
    # Local time on the 1st when the previous month's report goes out.
    send_at: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "08:00"
    # How often to look for late readings that change a month already sent (an amended report).
    check_interval_s: int = Field(3600, ge=60, le=86400)
    # How many months back late readings still amend a report.
    amend_months: int = Field(3, ge=0, le=24)


class HJ212Config(Section):
    """The TCP listener HJ 212 loggers connect to (`[hj212]`)."""

    enabled: bool = False
    host: str = "0.0.0.0"
    port: int = Field(9212, ge=0, le=65535)
    max_connections: int = Field(5000, ge=1, le=100_000)
    # A logger that sends nothing for this long is disconnected (it reconnects when it has data).
    idle_timeout_s: int = Field(600, ge=5, le=86400)
    # Frames of one connection waiting for their commit: past this, its bytes wait in the
    # socket, so a flooding logger cannot fill the queue the others share.
    max_pending_frames: int = Field(200, ge=1, le=100_000)
    # Garbage records one connection may cause before it is closed (a device that is not an
    # HJ 212 logger must not fill the rejection table).
    max_garbage: int = Field(50, ge=1, le=100_000)


class ConfigFile(Section):
    service: ServiceConfig = ServiceConfig()
    mqtt: MQTTConfig = MQTTConfig()
    ingest: IngestConfig = IngestConfig()
    store: StoreConfig = StoreConfig()
    database: DatabaseConfig = DatabaseConfig()
    influxdb: InfluxDBConfig = InfluxDBConfig()
    inventory: InventoryConfig = InventoryConfig()
    alerts: AlertsConfig = AlertsConfig()
    smtp: SMTPConfig = SMTPConfig()
    bureau: BureauConfig = BureauConfig()
    web: WebConfig = WebConfig()
    report: ReportConfig = ReportConfig()
    hj212: HJ212Config = HJ212Config()
    contractors: list[Contractor] = []
    sites: list[Site] = []
