"""A treatment facility and the company that runs it, as a config file or the inventory CSV
describes them (`[[sites]]`, `[[contractors]]`)."""

import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .fields import Email, Identifier, MetricName, Section, _timezone
from .forward import ForwardLogin


def _lon_lat(value: list[float]) -> list[float]:
    if not (-180 <= value[0] <= 180 and -90 <= value[1] <= 90):
        raise ValueError("must be [longitude, latitude]: -180..180 and -90..90 degrees")
    return value


class Contractor(Section):
    """An O&M company (运维单位): `[[contractors]]`."""

    id: Identifier
    """Letters, digits, `-` and `_`; what a site's `contractor` names."""
    name: Annotated[str, Field(min_length=1)]
    """The company's name, as emails and pages show it."""
    email: Email
    """Where its work orders go."""


class MetricSpec(Section):
    """A metric of a site given as a table: its interval and the instrument's range."""

    interval_s: int = Field(ge=1, le=86400)
    """The expected interval between readings, in seconds."""
    range: list[float] | None = Field(None, min_length=2, max_length=2)
    """The instrument's range `[low, high]`: a reading outside it is not valid."""


class Permit(Section):
    """A site's own discharge permit: a grade or limits that replace the standard's."""

    grade: str | None = None
    """The grade that replaces the standard's choice."""
    limits: dict[MetricName, float | list[float]] = {}
    """Limits that replace the standard's: a number (the highest value) or `[low, high]`."""
    reason: Annotated[str, Field(min_length=1)]
    """Why (the permit's number): required, and quoted wherever the limit is."""


class Site(Section):
    """A treatment facility: `[[sites]]`, or a row of the inventory CSV."""

    id: Identifier
    """Letters, digits, `-` and `_` (it appears in the MQTT topic and is the site's broker login)."""
    name: Annotated[str, Field(min_length=1)]
    """设施名称."""
    town: Annotated[str, Field(min_length=1)]
    """乡镇."""
    village: str = ""
    """行政村."""
    capacity_m3d: float = Field(gt=0)
    """Design capacity in m³/d (chooses the discharge grade)."""
    receiving_water: Literal["II", "III", "IV", "V", "none"]
    """GB 3838 class of the receiving water, or `"none"` (a pond or ditch with no assigned function)."""
    key_control_area: bool = False
    """Inside the Minjiang/Tuojiang key control area (DB51/2626-2019 Appendix A)."""
    catering: bool = False
    """Receives rural-tourism catering wastewater (enables the oil limit)."""
    contractor: Identifier
    """A contractor's `id`."""
    operators: list[Email] = Field(min_length=1)
    """Emails of the bureau's operators for this site."""
    metrics: dict[MetricName, Annotated[int, Field(ge=1, le=86400)] | MetricSpec] = Field(min_length=1)
    """Metric → expected interval in seconds, or `{ interval_s = 3600, range = [0.0, 500.0] }` with the
    instrument range."""
    without_water_temp: Literal["stricter", "relaxed"] = "stricter"
    """Which temperature-conditional limit applies on a day without water temperature data:
    `"stricter"` (the warm-water value) or `"relaxed"` (the ≤ 12 °C value)."""
    built_year: int | None = Field(None, ge=1950, le=2100)
    """Year built; GB 18918 sets a laxer TP limit for plants built before 2006 (unknown: the stricter
    one)."""
    commissioned: datetime.date | None = Field(None, ge=datetime.date(1970, 1, 1))
    """The day it went into service (a TOML date): readings stamped earlier are rejected as a logger
    clock fault (`[ingest] earliest_date` holds where it is not given)."""
    permit: Permit | None = None
    """`{ grade = "1", limits = { cod = 50.0, ph = [6.5, 8.5] }, reason = "…" }`: the site's own
    discharge permit, replacing the standard's grade or limits."""
    hj212_mn: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,24}$")] | None = None
    """The site's HJ 212 logger (数采仪): its MN (both `hj212_mn` and `hj212_pw`, or neither; an MN names
    one site)."""
    hj212_pw: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,16}$")] | None = None
    """The logger's PW (访问密码)."""
    hj212_series: Literal["realtime", "minute", "hourly", "daily"] = "realtime"
    """Which HJ 212 upload is the site's reading series."""
    hj212_equipment: dict[Annotated[str, Field(pattern=r"^SB\d{1,3}$")], MetricName] = {}
    """Equipment number → metric, e.g. `{ SB1 = "pump_state", SB3 = "blower_state" }`."""
    forward: dict[Identifier, ForwardLogin] = {}
    """The upper platforms (`[[forward]]` ids) this site's data is forwarded to, each with the
    site's MN and PW there: `{ city = { mn = "…", pw = "…" } }`."""
    location: Annotated[list[float], Field(min_length=2, max_length=2), AfterValidator(_lon_lat)] | None = (
        None
    )
    """`[longitude, latitude]` in degrees as a GPS reads them (WGS-84): where the plant is (经纬度)."""
    timezone: Annotated[str, AfterValidator(_timezone)] | None = None
    """The zone of the logger's `DataTime`, when not `[service] timezone`."""

    def metric(self, name: str) -> MetricSpec:
        """A metric the site reports, as a table (a bare interval has no range); KeyError for one
        it does not."""
        spec = self.metrics[name]
        return MetricSpec(interval_s=spec) if isinstance(spec, int) else spec
