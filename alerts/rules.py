"""The O&M rules file (config/rules.toml) as strict models.

Every rule carries its parameters, severity, citation and `verified` marker. Which alerts are
exceedances, operations or data-quality problems is a property of the rule, not of the data.
"""

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from wastewatch.config import ConfigError
from wastewatch.config.errors import as_config_error
from wastewatch.config.schema import MetricName

Severity = Literal["info", "warning", "critical"]
WorkOrderKind = Literal[
    "fault_repair",
    "exceedance_investigation",
    "comms_restore",
    "routine_inspection",
    "effluent_sampling",
    "operator_request",
    "instrument_check",
]
RoutineKind = Literal["routine_inspection", "effluent_sampling"]


def _citation(text: str) -> str:
    # A citation is read by operators and regulators: it names a standard, a measure, or says
    # "项目默认值" (project default). A repository file means nothing to them.
    if re.search(r"\.md\b|shared/", text):
        raise ValueError(
            f"{text!r} cites a file; name a standard or measure, "
            "or write 项目默认值（暂定） for a project default"
        )
    return text


Citation = Annotated[str, Field(min_length=1), AfterValidator(_citation)]


class Rule(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    enabled: bool = True
    severity: Severity
    clear_hold_s: int = Field(0, ge=0)
    work_order_after_s: int | None = Field(None, ge=0)
    work_order_kind: WorkOrderKind = "fault_repair"
    citation: Citation
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


class LabExceedance(Rule):
    """A laboratory result over the site's limit, judged as a single sample (maintenance/lab)."""

    kind: ClassVar[str] = "exceedance"


class LabComparison(Rule):
    """The online analyser against the laboratory for the same item: a relative difference
    beyond `tolerance`, with an analyser reading within `window_s` of the sample."""

    tolerance: float = Field(gt=0, le=10)
    window_s: int = Field(3600, ge=60, le=86400)
    kind: ClassVar[str] = "data_quality"


class Quarantine(Rule):
    """Messages from a site that the store could not commit and set aside (ingest/client.py)."""

    kind: ClassVar[str] = "data_quality"


# A rules file written before the rule existed gets it as shipped.
_QUARANTINE = Quarantine(
    severity="warning",
    clear_hold_s=86400,
    citation="项目默认值：无法入库的消息原样隔离保存并告警",
    verified=True,
)


# A rules file written before the laboratory rules existed gets them as shipped.
_LAB_EXCEEDANCE = LabExceedance(
    severity="critical",
    work_order_after_s=0,
    work_order_kind="exceedance_investigation",
    citation="《四川省农村生活污水处理设施运行维护管理办法》出水定期检测；实验室结果按单次样品判定",
    verified=False,
)
_LAB_COMPARISON = LabComparison(
    severity="warning",
    tolerance=0.3,
    window_s=3600,
    work_order_after_s=0,
    work_order_kind="instrument_check",
    citation="项目默认值（暂定）：在线仪表与实验室结果相对偏差超过 30 % 时派仪表核查工单",
    verified=False,
)


class Notifications(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)
    renotify_after_s: int = Field(14400, ge=60)


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Deadline(_Strict):
    """How long a contractor has for one kind of order at sites of at least a given size."""

    kind: WorkOrderKind
    min_capacity_m3d: float = Field(0, ge=0)
    # None: no separate acknowledgement deadline (routine visits: the visit is what is due).
    acknowledge_within_h: float | None = Field(None, gt=0)
    repair_within_h: float = Field(gt=0)


def _clock_time(text: str) -> str:
    if not re.match(r"^([01][0-9]|2[0-3]):[0-5][0-9]\Z", text):
        raise ValueError(f"{text!r} is not a local time; use HH:MM such as '08:00'")
    return text


class WorkOrderRules(_Strict):
    deadlines: list[Deadline] = Field(min_length=1)
    # A reminder goes to the contractor at this fraction of each deadline.
    reminder_at: float = Field(0.75, gt=0, lt=1)
    # A closed order whose fault comes back within this long is reopened, not duplicated.
    reopen_within_s: int = Field(7 * 86400, ge=0)
    # An exceedance or comms order is verified only after this long back in range (or reporting).
    verify_hold_s: int = Field(86400, ge=0)
    # A stop outside any planned window longer than this is reported to the bureau.
    unplanned_stop_report_after_s: int = Field(86400, ge=3600)
    # Local time of the contractors' daily digest.
    digest_at: Annotated[str, AfterValidator(_clock_time)] = "08:00"
    citation: Citation
    verified: bool

    def deadline(self, kind: str, capacity_m3d: float) -> Deadline:
        bands = [d for d in self.deadlines if d.kind == kind and d.min_capacity_m3d <= capacity_m3d]
        if not bands and kind == "instrument_check":
            # A rules file written before the kind existed: an analyser's check is a repair.
            return self.deadline("fault_repair", capacity_m3d)
        if not bands:
            raise LookupError(f"rules.toml [work_orders] has no deadline for {kind} at {capacity_m3d:g} m³/d")
        return max(bands, key=lambda d: d.min_capacity_m3d)


_EVERY = re.compile(r"^([1-9][0-9]*)(d|mo)\Z")


def _every(text: str) -> str:
    match = _EVERY.match(text)
    if not match or (match[2] == "mo" and 12 % int(match[1])):
        raise ValueError(
            f"{text!r} is not a period; use days such as '7d' or months that divide a year "
            "('1mo', '2mo', '3mo', '4mo', '6mo', '12mo')"
        )
    return text


class Schedule(_Strict):
    """A routine visit every `every` at sites of at least `min_capacity_m3d` (the largest band wins)."""

    kind: RoutineKind
    min_capacity_m3d: float = Field(0, ge=0)
    every: Annotated[str, AfterValidator(_every)]
    open_ahead_days: int = Field(ge=0, le=366)


class Inspections(_Strict):
    enabled: bool = True
    # Day periods count from this date (a Monday: weekly visits are due by Sunday night);
    # month periods count from January.
    anchor: date = date(2026, 1, 5)
    schedule: list[Schedule]
    checklist: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    # A sampling visit's laboratory results are owed this many days after the visit's period
    # ends (or after the sample, if later): then they are overdue like a missed visit.
    results_within_days: int = Field(30, ge=1, le=366)
    citation: Citation
    verified: bool

    def for_site(self, kind: str, capacity_m3d: float) -> Schedule | None:
        bands = [s for s in self.schedule if s.kind == kind and s.min_capacity_m3d <= capacity_m3d]
        return max(bands, key=lambda s: s.min_capacity_m3d) if bands else None


SCORE_TERMS = (
    "operating_rate",
    "compliance_rate",
    "transmission_rate",
    "ack_on_time_rate",
    "repair_on_time_rate",
    "inspection_rate",
)


def _weights(weights: dict) -> dict:
    unknown = sorted(set(weights) - set(SCORE_TERMS))
    if unknown:
        raise ValueError(f"unknown score term {unknown[0]!r}; allowed: {', '.join(SCORE_TERMS)}")
    if not any(weights.values()):
        raise ValueError("at least one weight must be above 0")
    return weights


class ReportRules(_Strict):
    """The monthly report's judgements: when a day counts, and the contractor score (考核)."""

    # A day counts when its valid samples reach this share of the day's expected samples.
    min_valid_fraction: float = Field(0.75, gt=0, le=1)
    # Weights of the contractor score out of 100; a term without data that month is left out
    # and the other weights rescaled.
    score: Annotated[dict[str, Annotated[float, Field(ge=0)]], AfterValidator(_weights)]
    citation: Citation
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
    quarantine: Quarantine = _QUARANTINE
    lab_exceedance: LabExceedance = _LAB_EXCEEDANCE
    lab_comparison: LabComparison = _LAB_COMPARISON
    notifications: Notifications = Notifications()
    work_orders: WorkOrderRules
    inspections: Inspections
    report: ReportRules

    def rule(self, name: str) -> Rule:
        return getattr(self, name)

    def names(self) -> list[str]:
        return [n for n, f in type(self).model_fields.items() if isinstance(getattr(self, n), Rule)]

    def unverified(self) -> list[str]:
        return [
            f"rules: {name} ({self.rule(name).citation})"
            for name in self.names()
            if not self.rule(name).verified
        ] + [
            f"rules: {name} ({part.citation})"
            for name, part in (
                ("work_orders", self.work_orders),
                ("inspections", self.inspections),
                ("report", self.report),
            )
            if not part.verified
        ]


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
        raise as_config_error(path, Rules, exc) from None
