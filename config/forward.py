"""Forwarding each site's data to an upper platform over HJ 212 (数据转发): `[[forward]]` names
the platform, and each site's `forward` table its MN and PW there."""

from typing import Annotated, Literal

from pydantic import Field

from .fields import Identifier, Section
from .i18n import N_

KIND_CN = {"realtime": "2011", "minute": "2051", "hourly": "2061", "daily": "2031"}
KIND_LABELS = {
    "realtime": N_("Real-time data"),
    "minute": N_("Minute data"),
    "hourly": N_("Hourly data"),
    "daily": N_("Daily data"),
}
VERSION_LABELS = {"2017": "HJ 212-2017", "2005": "HJ/T 212-2005"}


class ForwardLogin(Section):
    """A site's identity on an upper platform: `forward = { city = { mn = "…", pw = "…" } }`."""

    mn: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,24}$")]
    """The site's MN on that platform (the one the platform registered, often the logger's own)."""
    pw: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,16}$")]
    """Its PW (访问密码) there."""


class Forward(Section):
    """An upper platform (the city's or the province's) that receives each site's data as HJ 212
    frames from this county platform: `[[forward]]`. Only sites whose `forward` table names it
    are sent, with the MN and PW given there."""

    id: Identifier
    """What a site's `forward` table names."""
    host: Annotated[str, Field(min_length=1)]
    """The platform's address."""
    port: int = Field(ge=1, le=65535)
    """The platform's HJ 212 port."""
    kinds: list[Literal["realtime", "minute", "hourly", "daily"]] = Field(["hourly", "daily"], min_length=1)
    """Which data it is sent: `realtime` (CN 2011, each reading), `minute` (CN 2051, each
    `minute_s` span's mean, minimum and maximum), `hourly` (CN 2061, the hour's), `daily` (CN
    2031, the day's), each from the readings stored; the flow's with its volume (`-Cou`, m³)."""
    minute_s: Literal[60, 300, 600, 900, 1800] = 600
    """The span of a minute-data frame (CN 2051), in seconds: 600, the ten minutes most water
    platforms ask for, unless this one asks otherwise."""
    version: Literal["2017", "2005"] = "2017"
    """The protocol: HJ 212-2017 (Flag with its version bits), or HJ/T 212-2005 where a platform
    still asks for it (no version bits)."""
    replies: bool = True
    """Ask for a data reply (CN 9014) to each frame; a frame is done when it comes, and is sent
    again after `reply_timeout_s`. `false`: a frame is done once written to the connection."""
    reply_timeout_s: int = Field(30, ge=1, le=600)
    """How long a frame waits for its reply before it is sent again (the connection is opened
    again first: a platform that does not answer may have lost it)."""
    rate_per_s: float = Field(20.0, gt=0, le=1000)
    """Frames a second at most, all sites together: after an outage the backlog (补发) goes at
    this pace, days of it if need be."""
    st: Annotated[str, Field(pattern=r"^[0-9]{2}$")] = "32"
    """The ST (system code) the frames carry: 32, water pollution source, unless the platform
    asks otherwise."""
    since: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None
    """The first local day sent (`2026-12-01`); unset, forwarding starts with the day it is first
    configured: what came before is not sent unless asked for."""
