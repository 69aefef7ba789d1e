"""The HJ 212 code table (hj212_codes.toml): which code is which canonical metric, in which unit.

Data, not code, so that a county that meets another logger's code can read what we decode and
why, with the standard cited on every row.
"""

import re
import tomllib
from functools import cache
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .metrics import METRICS

TABLE = "hj212_codes.toml"
# Equipment states: "SB" and the machine's number, then "-RS" (HJ 212-2017, 0 off … 5 back-flush).
EQUIPMENT = re.compile(r"^SB\d{1,3}$")
# Which kind of data each data upload command carries, and the CP field that is its value.
KINDS = {"2011": "realtime", "2051": "minute", "2061": "hourly", "2031": "daily"}
SERIES = tuple(KINDS.values())


def _metric(name: str) -> str:
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(METRICS)}")
    return name


class Code(NamedTuple):
    code: str
    metric: str
    unit: str
    factor: float
    total: str | None
    total_unit: str
    source: str


class _Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{2,16}$")]
    metric: Annotated[str, AfterValidator(_metric)]
    unit: str
    factor: float = Field(gt=0, strict=False)
    total: Annotated[str, AfterValidator(_metric)] | None = None
    total_unit: str = ""
    source: Annotated[str, Field(min_length=1)]


@cache
def codes() -> dict[str, Code]:
    """The shipped table, by code."""
    from .loader import SHIPPED

    path = SHIPPED / TABLE
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    table: dict[str, Code] = {}
    for index, row in enumerate(raw.get("code", [])):
        try:
            parsed = _Row.model_validate(row)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(p) for p in error["loc"])
            raise ConfigError(path, f"code[{index}].{key}", error["msg"]) from None
        if parsed.code in table:
            raise ConfigError(path, f"code[{index}].code", f"duplicate code {parsed.code!r}")
        table[parsed.code] = Code(**parsed.model_dump())
    return table


def default_equipment() -> dict[str, str]:
    """SB number → metric when a site names none (config/metrics.py: SB1 lift pump, SB2 blower)."""
    return {m.hj212.removesuffix("-RS"): name for name, m in METRICS.items() if m.hj212.endswith("-RS")}
