"""The shape of a Wastewatch config file, as strict pydantic models.

Strict mode: TOML already carries types, so "1883" is not accepted where a port number is
expected. Sites read from a CSV inventory are validated in lax mode instead (every CSV cell is
text). Cross-references (a site's contractor) are checked in `loader.py`, which knows the
file each site came from.
"""

import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .api import ApiConfig
from .channels import Channel, Route
from .fields import Email, MetricName, PathValue, Section, _database_url, _network, _timezone, _web_address
from .forward import Forward
from .site import Contractor, MetricSpec, Permit, Site
from .visits import VisitsConfig

# Where the rest of the code has always found them.
__all__ = ["Channel", "Route", "Contractor", "MetricName", "MetricSpec", "Permit", "Site"]


class ServiceConfig(Section):
    """The service as a whole: its time zone, language and data folder."""

    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Shanghai"
    """IANA zone for local days and for timestamps without an offset."""
    locale: Literal["zh-CN", "en"] = "zh-CN"
    """Language of emails, reports and pages."""
    data_dir: PathValue = Path("data")
    """Where the database and other files live."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """How much the log says."""
    log_format: Literal["text", "json"] = "text"
    """Either "text", a line for people (time in the county's zone, level, part, message), or
    "json", one JSON object a line for a log collector (`timestamp` in UTC ISO 8601, `level`,
    `logger`, `message`)."""
    operator: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    """The person the commands' `--by` defaults to (the county's duty operator), recorded in the
    histories."""


class TLSConfig(Section):
    """TLS to the broker (`[mqtt.tls]`)."""

    enabled: bool = False
    """TLS to the broker."""
    ca_file: PathValue | None = None
    """The CA that signed the broker's certificate (system CAs when unset)."""
    cert_file: PathValue | None = None
    """The service's client certificate, when the broker asks for one."""
    key_file: PathValue | None = None
    """The key of `cert_file`."""
    insecure: bool = False
    """Accept a certificate whose name does not match the host (testing only)."""


class MQTTConfig(Section):
    """The MQTT broker the site loggers publish to (see the MQTT contract)."""

    host: str = "127.0.0.1"
    """The broker."""
    port: int = Field(1883, ge=1, le=65535)
    """The broker's port."""
    topic_prefix: Annotated[str, Field(pattern=r"^[^#+]+$")] = "wastewatch"
    """First part of the readings topic, `<prefix>/sites/<site_id>/readings`."""
    client_id: Annotated[str, Field(min_length=1, max_length=128)] = "wastewatch-ingest"
    """Fixed: the broker keeps this client's session and queue."""
    username: str | None = None
    """Broker login."""
    password: str | None = None
    """Broker password (or `password_file`)."""
    keepalive_s: int = Field(60, ge=5)
    """Keep-alive interval."""
    session_expiry_s: int = Field(7 * 86400, ge=3600)
    """How long the broker keeps the session while the service is away."""
    reconnect_min_s: int = Field(1, ge=1)
    """Reconnect back-off: the first wait, doubling."""
    reconnect_max_s: int = Field(120, ge=1)
    """Reconnect back-off: the longest wait."""
    share_group: Annotated[str, Field(pattern=r"^[^/#+$\s]+$")] | None = None
    """Several instances sharing the stream: each subscribes as `$share/<group>/…` with a `client_id`
    of its own, and the broker hands each message to one of them (needs `[database] url` and `[store]
    backend = "postgresql"`; see Deployment)."""
    rescue_after_s: int = Field(30, ge=1, le=3600)
    """With `share_group`: how often each instance looks for a member that is down; one found down at
    two checks in a row has its session emptied by the instance that found it."""
    tls: TLSConfig = TLSConfig()
    """TLS to the broker: the `[mqtt.tls]` table."""


class IngestConfig(Section):
    """How readings are taken in: batching, limits, and the clock faults refused."""

    max_inflight: int = Field(10000, ge=1, le=65535)
    """Unacknowledged messages the broker may send (MQTT 5 Receive Maximum)."""
    max_batch: int = Field(5000, ge=1)
    """Most messages committed in one transaction."""
    commit_interval_ms: int = Field(0, ge=0, le=60_000)
    """Longest a message waits to be committed with others (0: as soon as the writer is free)."""
    max_payload_bytes: int = Field(256 * 1024, ge=1024)
    """Larger payloads are rejected unread."""
    future_tolerance_s: int = Field(3600, ge=0)
    """Readings stamped further ahead are rejected."""
    earliest_date: datetime.date = Field(datetime.date(2020, 1, 1), ge=datetime.date(1970, 1, 1))
    """Readings stamped earlier are rejected as a logger clock fault (a TOML date; DB51/2626-2019 is in
    force from 2020-01-01, so nothing earlier can be judged against it)."""
    max_backfill_days: int = Field(400, ge=1)
    """MQTT readings stamped further back are rejected as a clock fault (`wastewatch import` is held to
    `earliest_date` only, to load older history)."""
    quarantine_after: int = Field(3, ge=1, le=100)
    """A message the store still cannot commit after this many attempts in a row is quarantined (see
    the MQTT contract)."""


class StoreConfig(Section):
    """The readings: the embedded SQLite file, or PostgreSQL. A PostgreSQL store keeps its days
    in the time zone it was made with: a writer with another `[service] timezone` is refused with
    a message saying so."""

    backend: Literal["sqlite", "postgresql"] = "sqlite"
    """Where the readings live: the embedded SQLite file, or PostgreSQL."""
    path: PathValue | None = None
    """The SQLite file (default `<data_dir>/wastewatch.db`)."""
    url: Annotated[str, AfterValidator(_database_url)] | None = None
    """With `backend = "postgresql"`: `postgresql+psycopg://user:password@host:5432/dbname` (or
    `url_file`); unset, the readings go into the state's database (`[database] url`), schema `store`."""


class DatabaseConfig(Section):
    """The state database (alerts, work orders, outbox, report versions). Its schema is created
    or upgraded on start (Alembic migrations)."""

    url: Annotated[str, AfterValidator(_database_url)] | None = None
    """The state database (alerts, work orders, outbox, report versions) on PostgreSQL, as
    `postgresql+psycopg://user:password@host:5432/dbname` (install with `pip install '.[postgresql]'`);
    unset, the embedded SQLite file beside the readings."""


class InfluxDBConfig(Section):
    """A copy of every stored reading in an InfluxDB 2.x bucket, for Grafana (install with
    `pip install '.[influxdb]'`). Each reading is queued in the store's transaction, sent by
    influxdb-client's batching writer and deleted from the queue once InfluxDB has taken it."""

    mode: Literal["off", "mirror"] = "off"
    """`"mirror"`: queue every stored reading with it and send it to InfluxDB."""
    url: Annotated[str, Field(pattern=r"^https?://[^\s/]+")] | None = None
    """The server, e.g. `http://host:8086` (needed with `mode = "mirror"`)."""
    org: Annotated[str, Field(min_length=1)] | None = None
    """Its organisation (needed with `mode = "mirror"`)."""
    bucket: Annotated[str, Field(min_length=1)] | None = None
    """Its bucket (needed with `mode = "mirror"`)."""
    token: Annotated[str, Field(min_length=1)] | None = None
    """An API token allowed to write to the bucket, or `token_file` (needed with `mode = "mirror"`)."""
    measurement: Annotated[str, Field(pattern=r"^[^#\s,][^\s,]*$")] = "readings"
    """The measurement; tags `site` and `metric`, fields `value` and `flag`, whole seconds."""
    batch_size: int = Field(5000, ge=1, le=100_000)
    """Lines per request (InfluxDB's own advice is 5,000)."""
    timeout_s: float = Field(10.0, gt=0)
    """One request's timeout."""
    retry_min_s: int = Field(5, ge=1)
    """The wait after a refused chunk, doubling."""
    retry_max_s: int = Field(300, ge=1)
    """The longest wait after refused chunks."""


class InventoryConfig(Section):
    """The county's inventories as CSV files. `sites_csv` has the columns
    `id,name,town,village,capacity_m3d,receiving_water,key_control_area,catering,contractor,operators,metrics`
    (`operators` separated by `;`, `metrics` as `flow=300;cod=3600`, booleans `true/false/yes/no/是/否`),
    and may add `hj212_mn,hj212_pw,hj212_series,hj212_equipment,timezone` (`hj212_equipment` as
    `SB1=pump_state;SB2=blower_state`), `commissioned` (`2021-06-30`), `built_year` and `location`
    (`102.76,30.07`). Sites may come from the
    CSV, from `[[sites]]`, or both; ids must be unique across them. `villages_csv` has the columns
    `town` (乡镇), `village` (行政村) and optionally `treated_by` (其他治理方式), in any order, in
    English or Chinese; a village counts as treated when a site names it (same `town` and
    `village`) or its `treated_by` says how it is treated otherwise, e.g. `纳入场镇污水处理厂`."""

    sites_csv: PathValue | None = None
    """The county's site inventory (设施台账) as UTF-8 CSV (the columns are above)."""
    contractors_csv: PathValue | None = None
    """The contractors (运维单位) as UTF-8 CSV with the columns `id,name,email`, beside any
    `[[contractors]]` (`wastewatch init` writes it from the county's own sheet)."""
    villages_csv: PathValue | None = None
    """Every administrative village (行政村) of the county as UTF-8 CSV, for the console's treatment
    coverage (治理率); unset, the overview says the list is needed instead of showing a rate."""


class AlertsConfig(Section):
    """The scheduled jobs: evaluation, day close, the outbox and the work-order sweep."""

    enabled: bool = True
    """`false`: `serve` only ingests (run the alerting jobs in another `serve` on the same data)."""
    check_interval_s: int = Field(60, ge=1, le=86400)
    """Seconds between evaluation cycles."""
    day_close_interval_s: int = Field(600, ge=1, le=86400)
    """Seconds between day-close runs (closed days, late data)."""
    outbox_interval_s: int = Field(10, ge=1, le=3600)
    """Seconds between outbox sends; new alerts wake the sender at once."""
    sla_interval_s: int = Field(60, ge=1, le=3600)
    """Seconds between work-order sweeps (reminders, escalation, routine orders, unplanned stops, the
    daily digest)."""
    rules_file: PathValue | None = None
    """The O&M rules (default: the shipped `config/rules.toml`)."""
    standards_dir: PathValue | None = None
    """The discharge standards (default: the shipped `config/standards/`)."""


class SMTPConfig(Section):
    """The mail server every email goes through."""

    host: str = "127.0.0.1"
    """The mail server."""
    port: int = Field(25, ge=1, le=65535)
    """The mail server's port."""
    security: Literal["none", "starttls", "ssl"] = "none"
    """How the connection is protected."""
    ca_file: PathValue | None = None
    """The CA that signed the server's certificate, for a relay with a private CA (system CAs when
    unset)."""
    username: str | None = None
    """SMTP login (a refused login keeps the email queued and retried)."""
    password: str | None = None
    """SMTP password (or `password_file`)."""
    sender: Email = "wastewatch@localhost.localdomain"
    """The From address; its domain names the Message-IDs."""
    timeout_s: float = Field(30.0, gt=0)
    """A silent server fails the attempt after this."""
    retry_min_s: int = Field(30, ge=1)
    """Back-off after a failed attempt, doubling; an email is never dropped."""
    retry_max_s: int = Field(3600, ge=1)
    """The longest back-off."""


class BureauConfig(Section):
    """The county bureau (生态环境局) that supervises: missed deadlines and unplanned stops go here."""

    name: str = "县生态环境局"
    """The bureau's name, as emails say it."""
    emails: list[Email] = []
    """Who at the bureau gets escalations and unplanned-stop reports (the site's operators while this
    is empty)."""


class WebConfig(Section):
    """The contractors' work-order pages and the console, served by `wastewatch serve`."""

    enabled: bool = True
    """`false`: no pages (the links in emails then lead nowhere; use the commands)."""
    host: str = "127.0.0.1"
    """Where the pages listen; put a TLS reverse proxy in front in production."""
    port: int = Field(8080, ge=1, le=65535)
    """The pages' port."""
    workers: int = Field(0, ge=0, le=16)
    """Processes of their own that serve the console, the links' pages and the API, sharing nothing
    but the databases (0: they run on the service's event loop, in its process). Two on a two-core
    server: pages no longer wait for each other or take the ingest's time."""
    base_url: Annotated[str, AfterValidator(_web_address)] | None = None
    """The address in the links, as contractors' phones reach it (default `http://host:port`)."""
    secret_key: Annotated[str, Field(min_length=16)] | None = None
    """Signs the links (or `secret_key_file`); changing it voids every link sent. Unset: a random key
    kept in `<data_dir>/web-secret.key`."""
    link_valid_h: int = Field(7 * 24, ge=1, le=90 * 24)
    """Hours a link works (the daily digest brings fresh ones)."""
    max_photo_mb: float = Field(10, gt=0, le=100)
    """The size of each photo in a report."""
    max_photos: int = Field(6, ge=0, le=50)
    """Photos per report."""
    session_idle_min: int = Field(120, ge=5, le=24 * 60)
    """The console signs a person out after this long without a request."""
    session_max_h: int = Field(24 * 7, ge=1, le=24 * 90)
    """… and after this long in any case."""
    login_failures: int = Field(5, ge=1, le=100)
    """Failed sign-ins, per account or per address, within the window that refuse further tries until
    the window has passed."""
    login_window_min: int = Field(15, ge=1, le=24 * 60)
    """The window of `login_failures`."""
    metrics_from: list[Annotated[str, AfterValidator(_network)]] = ["127.0.0.1/32", "::1/128"]
    """Addresses (networks, CIDR) that may read `/metrics` without a token: the Prometheus server's.
    The default is this machine only."""
    metrics_token: Annotated[str, Field(min_length=16)] | None = None
    """A bearer token that reads `/metrics` from anywhere (or `metrics_token_file`), for a Prometheus
    on another machine (`authorization: {credentials: …}` in its scrape config)."""

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
    """`false`: no scheduled report (`wastewatch report monthly` still works)."""
    recipients: list[Email] = []
    """Regulators (生态环境局) who get it on the 1st."""
    include_operators: bool = True
    """Also every site's operators."""
    send_at: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "08:00"
    """Local time on the 1st when the previous month's report goes out."""
    check_interval_s: int = Field(3600, ge=60, le=86400)
    """How often the job looks for a report due, or late readings that change a month already sent."""
    amend_months: int = Field(3, ge=0, le=24)
    """How many months back late readings still amend a report."""
    attach_pdf_max_mb: float = Field(8, ge=0, le=100)
    """The printable PDF rides along in the email up to this size; a larger one (a county of
    hundreds of sites) is linked to on the console instead (0: always linked)."""


class HJ212Config(Section):
    """The TCP listener HJ 212 loggers connect to (`[hj212]`)."""

    enabled: bool = False
    """Listen for HJ 212 loggers."""
    host: str = "0.0.0.0"
    """The address to listen on."""
    port: int = Field(9212, ge=0, le=65535)
    """The port loggers connect to (open it in the firewall to the loggers' addresses)."""
    max_connections: int = Field(5000, ge=1, le=100_000)
    """Loggers connected at once."""
    idle_timeout_s: int = Field(600, ge=5, le=86400)
    """A logger that sends nothing for this long is disconnected (it reconnects when it has data)."""
    max_pending_frames: int = Field(200, ge=1, le=100_000)
    """Frames of one connection waiting for their commit: past this, its bytes wait in the socket, so a
    flooding logger cannot fill the queue the others share."""
    max_garbage: int = Field(50, ge=1, le=100_000)
    """Garbage records one connection may cause before it is closed (a device that is not an HJ 212
    logger must not fill the rejection table)."""


class BackupConfig(Section):
    """Backups taken by `wastewatch serve` once a day (`wastewatch backup` takes one at any time)."""

    to: PathValue | None = None
    """The folder backups go to, best on another disk or a mounted share; unset, no scheduled
    backup. Each is a folder `wastewatch-backup-<local time>` with a manifest of SHA-256 sums."""
    at: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "02:30"
    """Local time of the daily backup (a quiet hour: it reads the whole database)."""
    keep: int = Field(14, ge=1, le=3650)
    """Backups kept; the oldest beyond this are removed after a good one."""


class RetentionConfig(Section):
    """How long raw readings are kept; the hourly and daily sums, alerts, orders, reviews and report
    versions are kept for good."""

    raw_months: int = Field(24, ge=4, le=1200)
    """Whole local months of raw readings kept before the current one; older ones are removed each
    night, but never a month whose monthly report has not been sent. It must outlast how far back
    loggers may still send (`[ingest] max_backfill_days`) and how far back reports are amended
    (`[report] amend_months`)."""
    at: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] = "03:30"
    """Local time of the nightly pruning (after the backup)."""


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
    api: ApiConfig = ApiConfig()
    report: ReportConfig = ReportConfig()
    hj212: HJ212Config = HJ212Config()
    backup: BackupConfig = BackupConfig()
    retention: RetentionConfig = RetentionConfig()
    visits: VisitsConfig = VisitsConfig()
    contractors: list[Contractor] = []
    channels: list[Channel] = []
    routes: list[Route] = []
    forward: list[Forward] = []
    sites: list[Site] = []
