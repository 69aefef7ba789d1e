"""Read a config file, validate it strictly and resolve what it points to.

Every mistake becomes a `ConfigError` naming the file, the key and what is allowed, because
the person reading it is a county operator editing TOML or a spreadsheet export, not us.
"""

import csv
import re
import tomllib
import zoneinfo
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ConfigError, as_config_error
from .fields import CHANNEL_SECRETS, SECRET_KEYS
from .references import check_references
from .schema import Channel, ConfigFile, Contractor, Route, Site
from .villages import Village, read_villages

# The inventory's columns; those after "metrics" may be left empty (as may "village").
SITE_CSV_COLUMNS = (
    "id",
    "name",
    "town",
    "village",
    "capacity_m3d",
    "receiving_water",
    "key_control_area",
    "catering",
    "contractor",
    "operators",
    "metrics",
    "hj212_mn",
    "hj212_pw",
    "hj212_series",
    "hj212_equipment",
    "timezone",
    "commissioned",
    "built_year",
    "location",
)
CONTRACTOR_CSV_COLUMNS = ("id", "name", "email")
OPTIONAL_CSV_COLUMNS = ("village", *SITE_CSV_COLUMNS[SITE_CSV_COLUMNS.index("metrics") + 1 :])
SHIPPED = Path(__file__).resolve().parent  # rules.toml and standards/ as released
_YES = {"true", "yes", "1", "y", "是"}
_NO = {"false", "no", "0", "n", "否", ""}


@dataclass(frozen=True)
class Config:
    path: Path
    file: ConfigFile
    sites: tuple[Site, ...]
    site_sources: dict[str, str] = field(default_factory=dict)
    # The county's administrative villages (inventory.villages_csv), or None without a list.
    villages: tuple[Village, ...] | None = None

    @property
    def service(self):
        return self.file.service

    @property
    def mqtt(self):
        return self.file.mqtt

    @property
    def ingest(self):
        return self.file.ingest

    @property
    def store(self):
        return self.file.store

    @property
    def database(self):
        return self.file.database

    @property
    def influxdb(self):
        return self.file.influxdb

    @property
    def alerts(self):
        return self.file.alerts

    @property
    def smtp(self):
        return self.file.smtp

    @property
    def bureau(self):
        return self.file.bureau

    @property
    def web(self):
        return self.file.web

    @property
    def api(self):
        return self.file.api

    @property
    def report(self):
        return self.file.report

    @property
    def visits(self):
        return self.file.visits

    @property
    def contractors(self) -> list[Contractor]:
        return self.file.contractors

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.service.timezone)

    @cached_property
    def contractor_by_id(self) -> dict[str, Contractor]:
        return {c.id: c for c in self.contractors}

    @cached_property
    def channel_by_id(self) -> dict[str, Channel]:
        return {c.id: c for c in self.file.channels}

    @property
    def routes(self) -> list[Route]:
        return self.file.routes

    @cached_property
    def site_by_id(self) -> dict[str, Site]:
        return {site.id: site for site in self.sites}

    @cached_property
    def towns(self) -> tuple[str, ...]:
        """The towns of the sites in the inventory's order: as the village list names them
        first, then as the sites do. Lists and pickers use it, never the code points' order."""
        listed = [v.town for v in self.villages or ()] + [s.town for s in self.sites]
        served = {s.town for s in self.sites}
        return tuple(town for town in dict.fromkeys(listed) if town in served)

    @property
    def retention(self):
        return self.file.retention

    @property
    def backup(self):
        return self.file.backup

    @property
    def hj212(self):
        return self.file.hj212

    @cached_property
    def site_by_mn(self) -> dict[str, Site]:
        """Sites by their HJ 212 logger's MN (hj212_mn)."""
        return {site.hj212_mn: site for site in self.sites if site.hj212_mn}

    @property
    def data_dir(self) -> Path:
        return self.service.data_dir

    @property
    def database_path(self) -> Path:
        return self.store.path or self.data_dir / "wastewatch.db"

    @property
    def readings_url(self) -> str | None:
        """The PostgreSQL URL of the readings ([store] backend "postgresql"), else None."""
        return (self.store.url or self.database.url) if self.store.backend == "postgresql" else None

    @property
    def mirror_measurement(self) -> str | None:
        """The InfluxDB measurement the store queues every reading for, or None."""
        return self.influxdb.measurement if self.influxdb.mode == "mirror" else None

    @property
    def store_location(self) -> str:
        """Where the readings are, for the log: the file, or the URL without its password."""
        url = self.readings_url
        return str(self.database_path) if url is None else re.sub(r"(://[^:@/]*):[^@/]*@", r"\1:***@", url)

    @property
    def state_url(self) -> str | Path:
        """Where the state database is: a PostgreSQL URL, or the embedded SQLite file."""
        return self.database.url or self.database_path


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"is not valid TOML ({exc})") from None

    base = path.resolve().parent
    _read_secrets(raw, path, base)
    try:
        parsed = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise as_config_error(path, ConfigFile, exc) from None
    parsed = _resolve_paths(parsed, base)
    if parsed.store.backend == "postgresql" and not (parsed.store.url or parsed.database.url):
        raise ConfigError(
            path, "store.url", 'backend "postgresql" needs a URL here, or database.url to share'
        )
    if parsed.influxdb.mode == "mirror":
        for key in ("url", "org", "bucket", "token"):
            if getattr(parsed.influxdb, key) is None:
                raise ConfigError(path, f"influxdb.{key}", 'the InfluxDB mirror (mode = "mirror") needs it')
    kept = parsed.retention.raw_months
    if kept * 28 <= parsed.ingest.max_backfill_days or kept <= parsed.report.amend_months:
        raise ConfigError(
            path,
            "retention.raw_months",
            f"{kept} months is shorter than what may still arrive or be amended: it must exceed "
            f"[ingest] max_backfill_days ({parsed.ingest.max_backfill_days} days, in 28-day months) and "
            f"[report] amend_months ({parsed.report.amend_months})",
        )
    if parsed.mqtt.share_group and not (parsed.database.url and parsed.store.backend == "postgresql"):
        need = 'several instances need [database] url and [store] backend "postgresql"'
        raise ConfigError(path, "mqtt.share_group", need)

    if parsed.inventory.contractors_csv:
        listed = _read_contractors_csv(parsed.inventory.contractors_csv)
        parsed = parsed.model_copy(update={"contractors": [*parsed.contractors, *listed]})
    sites = list(parsed.sites)
    sources = {site.id: str(path) for site in sites}
    if parsed.inventory.sites_csv:
        for site in _read_sites_csv(parsed.inventory.sites_csv):
            if site.id in sources:
                raise ConfigError(
                    parsed.inventory.sites_csv,
                    f"site {site.id}",
                    f"duplicate site id, already defined in {sources[site.id]}",
                )
            sources[site.id] = str(parsed.inventory.sites_csv)
            sites.append(site)
    check_references(path, parsed, sites, sources)
    villages = read_villages(parsed.inventory.villages_csv) if parsed.inventory.villages_csv else None
    return Config(path=path, file=parsed, sites=tuple(sites), site_sources=sources, villages=villages)


def _read_secrets(raw: dict, path: Path, base: Path) -> None:
    for section_path, key in SECRET_KEYS:
        section = raw
        for name in section_path:
            section = section.get(name, {}) if isinstance(section, dict) else {}
        _read_secret(section, key, ".".join((*section_path, f"{key}_file")), path, base)
    channels = raw.get("channels")
    for index, channel in enumerate(channels if isinstance(channels, list) else []):
        for key in CHANNEL_SECRETS:
            _read_secret(channel, key, f"channels[{index}].{key}_file", path, base)


def _read_secret(section, key: str, dotted: str, path: Path, base: Path) -> None:
    """`<key>_file` in `section` replaced by `<key>`, the file's content."""
    if not isinstance(section, dict) or f"{key}_file" not in section:
        return
    if key in section:
        raise ConfigError(path, dotted, f"give either {key} or {key}_file, not both")
    secret_path = section.pop(f"{key}_file")
    if not isinstance(secret_path, str):
        raise ConfigError(path, dotted, "must be a path (a string)")
    try:
        section[key] = (base / secret_path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(path, dotted, f"cannot read {secret_path!r} ({exc.strerror})") from None


def _resolve_paths(parsed: ConfigFile, base: Path) -> ConfigFile:
    def absolute(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else (base / p).resolve())

    tls = parsed.mqtt.tls
    return parsed.model_copy(
        update={
            "service": parsed.service.model_copy(update={"data_dir": absolute(parsed.service.data_dir)}),
            "store": parsed.store.model_copy(update={"path": absolute(parsed.store.path)}),
            "inventory": parsed.inventory.model_copy(
                update={
                    "sites_csv": absolute(parsed.inventory.sites_csv),
                    "villages_csv": absolute(parsed.inventory.villages_csv),
                    "contractors_csv": absolute(parsed.inventory.contractors_csv),
                }
            ),
            "smtp": parsed.smtp.model_copy(update={"ca_file": absolute(parsed.smtp.ca_file)}),
            "backup": parsed.backup.model_copy(update={"to": absolute(parsed.backup.to)}),
            "alerts": parsed.alerts.model_copy(
                update={
                    "rules_file": absolute(parsed.alerts.rules_file) or SHIPPED / "rules.toml",
                    "standards_dir": absolute(parsed.alerts.standards_dir) or SHIPPED / "standards",
                }
            ),
            "mqtt": parsed.mqtt.model_copy(
                update={
                    "tls": tls.model_copy(
                        update={
                            "ca_file": absolute(tls.ca_file),
                            "cert_file": absolute(tls.cert_file),
                            "key_file": absolute(tls.key_file),
                        }
                    )
                }
            ),
        }
    )


def _csv(csv_path: Path, key: str) -> tuple[list[str], list[dict]]:
    """(header, rows) of an inventory CSV named by `inventory.<key>`."""
    try:
        # utf-8-sig: spreadsheets exported on Windows start with a byte-order mark.
        with open(csv_path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            return list(reader.fieldnames or []), list(reader)
    except FileNotFoundError:
        raise ConfigError(csv_path, "", f"file not found (named by inventory.{key})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(csv_path, "", f"cannot be read as UTF-8 CSV ({exc})") from None


def _read_sites_csv(csv_path: Path) -> list[Site]:
    header, rows = _csv(csv_path, "sites_csv")
    if header:
        unknown = [c for c in header if c not in SITE_CSV_COLUMNS]
        if unknown:
            raise ConfigError(
                csv_path, "header", f"unknown column {unknown[0]!r}; allowed: {', '.join(SITE_CSV_COLUMNS)}"
            )
    sites = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        key = f"row {number}"
        if None in row:
            raise ConfigError(csv_path, key, "has more cells than the header has columns")
        data: dict[str, Any] = {k: v.strip() for k, v in row.items() if v is not None}
        for flag in ("key_control_area", "catering"):
            if flag in data:
                word = data[flag].lower()
                if word not in _YES | _NO:
                    raise ConfigError(
                        csv_path, f"{key}, {flag}", f"must be true or false (got {data[flag]!r})"
                    )
                data[flag] = word in _YES
        data["operators"] = [a.strip() for a in data.get("operators", "").split(";") if a.strip()]
        data["metrics"] = _parse_metrics_cell(csv_path, key, data.get("metrics", ""))
        if data.get("location"):
            data["location"] = [p for p in re.split(r"[,;\s]+", data["location"]) if p]
        if data.get("hj212_equipment"):
            data["hj212_equipment"] = _parse_pairs(csv_path, key, "hj212_equipment", data["hj212_equipment"])
        for optional in OPTIONAL_CSV_COLUMNS:
            if not data.get(optional):
                data.pop(optional, None)
        try:
            sites.append(Site.model_validate(data, strict=False))
        except ValidationError as exc:
            raise as_config_error(csv_path, Site, exc, prefix=f"{key}, ") from None
    return sites


def _read_contractors_csv(csv_path: Path) -> list[Contractor]:
    header, rows = _csv(csv_path, "contractors_csv")
    if sorted(header) != sorted(CONTRACTOR_CSV_COLUMNS):
        raise ConfigError(csv_path, "header", f"the columns are {','.join(CONTRACTOR_CSV_COLUMNS)}")
    contractors = []
    for number, row in enumerate(rows, start=2):
        if None in row:
            raise ConfigError(csv_path, f"row {number}", "has more cells than the header has columns")
        try:
            contractors.append(Contractor.model_validate({k: v.strip() for k, v in row.items()}))
        except ValidationError as exc:
            raise as_config_error(csv_path, Contractor, exc, prefix=f"row {number}, ") from None
    return contractors


def _parse_metrics_cell(csv_path: Path, key: str, cell: str) -> dict[str, int]:
    """`flow=300;cod=3600`: metric name and expected interval in seconds."""
    metrics = {}
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        name, _, interval = part.partition("=")
        if not interval.strip().isdigit():
            raise ConfigError(
                csv_path, f"{key}, metrics", f"{part!r} must be metric=interval_seconds, e.g. 'cod=3600'"
            )
        metrics[name.strip()] = int(interval)
    return metrics


def _parse_pairs(csv_path: Path, key: str, column: str, cell: str) -> dict[str, str]:
    """`SB1=pump_state;SB2=blower_state`: the equipment number and the metric it reports."""
    pairs = {}
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        name, equals, value = part.partition("=")
        if not equals or not name.strip() or not value.strip():
            raise ConfigError(
                csv_path, f"{key}, {column}", f"{part!r} must be SBn=metric, e.g. 'SB1=pump_state'"
            )
        pairs[name.strip()] = value.strip()
    return pairs
