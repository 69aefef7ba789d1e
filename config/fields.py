"""The kinds of value a config file holds, checked as they are read: time zones, email
addresses, metric names, web addresses, PostgreSQL URLs, identifiers and paths; the keys that
hold secrets; and the strict base of every section."""

import ipaddress
import re
import zoneinfo
from pathlib import Path
from typing import Annotated

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


# The keys that hold secrets: each may instead be given as "<key>_file" (the loader reads the
# file), and an error about one never repeats its value (errors.py).
SECRET_KEYS = (
    (("mqtt",), "password"),
    (("smtp",), "password"),
    (("web",), "secret_key"),
    (("web",), "metrics_token"),
    (("store",), "url"),
    (("influxdb",), "token"),
)
# The same for each of the [[channels]]: a robot's address holds its key.
CHANNEL_SECRETS = ("url", "secret")


def _network(value: str) -> str:
    """An address or a network in CIDR notation (127.0.0.1, 10.0.0.0/8, ::1/128)."""
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an address or a network such as 10.0.0.0/8") from None
    return value


WEB_ADDRESS = re.compile(r"^https?://[^\s/]+(/\S*)?\Z")


def _web_address(url: str) -> str:
    if not WEB_ADDRESS.match(url):
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
    # Each key's docstring is its description: the configuration reference is written from them
    # (config/reference.py).
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, use_attribute_docstrings=True)
