"""The O&M rules file (config/rules.toml) as strict models.

Every rule carries its parameters, severity, citation and `verified` marker. Which alerts are
exceedances, operations or data-quality problems is a property of the rule, not of the data.
"""

import tomllib
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config import ConfigError
from config.loader import _as_config_error
from config.schema import MetricName

Severity = Literal["info", "warning", "critical"]
WorkOrderKind = Literal["fault_repair", "exceedance_investigation", "comms_restore"]


class Rule(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    enabled: bool = True
    severity: Severity
    clear_hold_s: int = Field(0, ge=0)
    work_order_after_s: int | None = Field(None, ge=0)
    work_order_kind: WorkOrderKind = "fault_repair"
    citation: str = Field(min_length=1)
    verified: bool

    kind: ClassVar[str] = "operations"  # exceedance, operations or data_quality: a class fact, not config


class SampleExceedance(Rule):
    consecutive: int = Field(3, ge=1)
    kind: ClassVar[str] = "exceedance"


class DailyExceedance(Rule):
    min_valid_fraction: float = Field(0.75, gt=0, le=1)
    late_data_days: int = Field(7, ge=1, le=62)
    kind: ClassVar[str] = "exceedance"


class CommsLoss(Rule):
    after_s: int = Field(ge=60)


class ZeroFlow(Rule):
    after_s: int = Field(ge=60)
    max_flow_m3h: float = Field(0.0, ge=0)


class HydraulicOverload(Rule):
    factor: float = Field(gt=0)


class Equipment(Rule):
    metrics: list[MetricName] = ["pump_state", "blower_state"]
    alarm_states: list[int] = [4]
    stopped_states: list[int] = [0]
    stopped_after_s: int = Field(7200, ge=0)


class StuckValue(Rule):
    after_s: int = Field(ge=60)
    metrics: list[MetricName]
    kind: ClassVar[str] = "data_quality"


class OutOfRange(Rule):
    kind: ClassVar[str] = "data_quality"


class Notifications(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    renotify_after_s: int = Field(14400, ge=60)


class WorkOrderDeadlines(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    acknowledge_within_h: float = Field(24, gt=0)
    repair_within_h: float = Field(72, gt=0)
    investigation_within_h: float = Field(168, gt=0)
    citation: str
    verified: bool


class Rules(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    sample_exceedance: SampleExceedance
    daily_exceedance: DailyExceedance
    comms_loss: CommsLoss
    zero_flow: ZeroFlow
    hydraulic_overload: HydraulicOverload
    equipment: Equipment
    stuck_value: StuckValue
    out_of_range: OutOfRange
    notifications: Notifications = Notifications()
    work_orders: WorkOrderDeadlines

    def rule(self, name: str) -> Rule:
        return getattr(self, name)

    def names(self) -> list[str]:
        return [n for n, f in type(self).model_fields.items() if isinstance(getattr(self, n), Rule)]

    def unverified(self) -> list[str]:
        return [f"rules: {name} ({self.rule(name).citation})" for name in self.names()
                if not self.rule(name).verified]


def load_rules(path: Path) -> Rules:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found (named by alerts.rules_file)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"is not valid TOML ({exc})") from None
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        raise _as_config_error(path, Rules, exc) from None
