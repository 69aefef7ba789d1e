"""What the read API answers: the pydantic models its OpenAPI document is generated from, so a
response and its schema cannot disagree. Names are stable, snake_case, the same as the monthly
report's columns where they are its figures; times are ISO 8601 with their offset; units are in
each field's description (and in a `unit` field where one field holds several)."""

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Item = TypeVar("Item")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(Model):
    """An error, as RFC 9457 (`application/problem+json`) writes it."""

    type: str = Field(description="A URI naming the kind of error; `about:blank` for plain HTTP ones.")
    title: str = Field(description="The kind of error, in a few words.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, in one sentence.")
    instance: str = Field(description="The path of the request.")


class Page(Model, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page. Lists are in a stable "
        "order (by id), so a page never repeats or skips an item created meanwhile."
    )


class Value(Model):
    metric: str = Field(description="The metric (cod, nh3n, flow, …).")
    unit: str = Field(description="The metric's unit: mg/L, m³/h, °C; empty for pH.")
    value: float
    at: datetime = Field(description="When it was measured.")
    valid: bool = Field(description="Counted by the rules: flag N, inside the instrument range, no window.")
    over: bool = Field(description="Valid and beyond a limit judged on single samples.")
    limit: str = Field(description='The limit as the standard writes it ("60", "6–9"); empty without one.')


class Site(Model):
    id: str
    name: str
    town: str
    village: str
    capacity_m3d: float = Field(description="Design capacity, m³/d.")
    contractor: str = Field(description="The O&M contractor's id.")
    location: tuple[float, float] | None = Field(
        description="[longitude, latitude], WGS-84; null when unknown."
    )
    standard: str = Field(description="The discharge standard that applies (DB51/2626-2019, GB 18918-2002).")
    grade: str = Field(description="Its grade (一级标准 A …), as the report names it.")
    state: Literal["alarm", "silent", "no_data", "maintenance", "stopped", "ok"] = Field(
        description="What it is doing now, the first that holds: stopped (a planned stop), maintenance, "
        "no_data (nothing ever received), silent (nothing for as long as the comms-loss rule waits), "
        "alarm (a critical or warning alert open), ok."
    )
    last_reading_at: datetime | None
    open_alerts: int = Field(description="Alerts not resolved.")
    orders_in_play: int = Field(description="Work orders not yet closed or cancelled.")
    orders_overdue: int
    values: list[Value] = Field(
        description="The newest reading of each key metric (flow, COD, NH3-N, TP, pH)."
    )


class Series(Model):
    """One metric's readings, as columns: the n-th time, value and flag are one reading."""

    metric: str
    unit: str = Field(description="The unit of `values`.")
    times: list[datetime]
    values: list[float]
    flags: list[str] = Field(
        description="HJ 212 data flags: N normal, M maintenance, D fault, C calibration, …"
    )


class Readings(Model):
    site_id: str
    series: list[Series]
    next_cursor: str | None = Field(
        description="More readings follow in the range: pass as `cursor` (the readings after this page's)."
    )


class Aggregates(Model):
    """One metric's hours or days (local time), as columns."""

    metric: str
    unit: str = Field(description="The unit of the means, minimums and maximums.")
    starts: list[datetime] = Field(description="Each period's start, local time.")
    counts: list[int] = Field(description="Readings received in the period.")
    valid_counts: list[int] = Field(
        description="Readings with flag N: what the mean, minimum and maximum cover."
    )
    means: list[float | None]
    minimums: list[float | None]
    maximums: list[float | None]


class AggregateSet(Model):
    site_id: str
    period: Literal["hour", "day"]
    series: list[Aggregates]


class Alert(Model):
    id: int
    site_id: str
    rule: str = Field(description="The rule that opened it (daily_exceedance, comms_loss, zero_flow, …).")
    metric: str
    severity: Literal["critical", "warning", "info"]
    state: Literal["firing", "acknowledged", "resolved"]
    opened_at: datetime
    since: datetime = Field(description="When the condition began.")
    last_seen: datetime
    value: float | None = Field(description="The value that opened it, in `unit`.")
    peak: float | None = Field(description="The worst value while open, in `unit`.")
    unit: str
    resolved_at: datetime | None


class Step(Model):
    at: datetime
    from_state: str | None
    to_state: str
    actor: str
    note: str


class WorkOrder(Model):
    id: str = Field(description="WO-YYYYMM-NNNN.")
    site_id: str
    kind: str = Field(description="fault_repair, routine_inspection, exceedance_investigation, …")
    origin: str
    priority: str
    contractor: str
    alert_id: int | None
    state: Literal["open", "acknowledged", "resolved", "closed", "reopened", "cancelled"] = Field(
        description="resolved: done by the contractor, to be verified; closed: verified (销号)."
    )
    summary: str
    opened_at: datetime
    acknowledge_by: datetime | None
    repair_by: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    overdue: bool = Field(description="A deadline has passed with its step not done.")


class WorkOrderDetail(WorkOrder):
    timeline: list[Step] = Field(description="Every change of state, oldest first.")


class Window(Model):
    id: int
    site_id: str
    kind: Literal["planned_stop", "maintenance", "calibration"]
    starts_at: datetime
    ends_at: datetime | None = Field(description="null: in force until ended.")
    reason: str
    created_by: str


class Result(Model):
    item: str = Field(description="The pollutant (cod, nh3n, …).")
    value: float | None = Field(description="In `unit`; null when below the detection limit.")
    detection_limit: float | None
    unit: str
    method: str
    version: int = Field(description="1, then 2, 3 … for each correction; this is the newest.")


class Sample(Model):
    id: int
    site_id: str
    sampled_at: datetime
    kind: str = Field(description="routine, spot_check (监督性监测), …")
    laboratory: str
    report_no: str
    results: list[Result]


class Review(Model):
    id: int
    site_id: str
    metric: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    state: Literal["proposed", "accepted", "rejected", "restored"]
    proposed_by: str
    decided_by: str | None


def _empty_is_none(value):
    return None if value == "" else value


# A report's cell as its CSV file holds it: empty for no data.
Figure = Annotated[float | None, BeforeValidator(_empty_is_none)]
Flag = Annotated[bool | None, BeforeValidator(_empty_is_none)]
Text = Annotated[str | None, BeforeValidator(_empty_is_none)]


class ComplianceRow(Model):
    """A row of the report's compliance table (compliance-YYYY-MM.csv): one site and pollutant."""

    site_id: str
    site_name: str
    town: str
    pollutant: str
    unit: str
    standard: str
    grade: str
    limit: Text = Field(description="As the standard writes it; a range for pH.")
    basis: Text = Field(description="daily_mean or sample: what the limit judges.")
    expected_samples: Figure
    received_samples: Figure
    valid_samples: Figure
    valid_days: Figure
    exceedance_days: Figure
    compliance_rate: Figure = Field(description="(valid days − exceedance days) ÷ valid days, 0–1.")
    monthly_mean: Figure = Field(description="In `unit`.")
    max_daily_mean: Figure
    max_sample: Figure
    limit_verified: Flag


class OperationsRow(Model):
    """A row of the report's operations table (operations-YYYY-MM.csv): one site."""

    site_id: str
    expected_readings: Figure
    received_readings: Figure
    transmission_rate: Figure = Field(description="received ÷ expected, 0–1.")
    valid_readings: Figure
    validity_rate: Figure
    treated_volume_m3: Figure = Field(description="m³: Σ valid flow (m³/h) × interval (s) ÷ 3,600.")
    operating_rate: Figure
    alerts_opened: Figure
    work_orders_opened: Figure
    work_orders_closed: Figure
    ack_on_time_rate: Figure
    repair_on_time_rate: Figure
    mean_hours_to_close: Figure = Field(description="Hours.")
    inspections_due: Figure
    inspections_done: Figure
    score: Figure = Field(description="0–100, the formula in the report's appendix.")


class ReportVersion(Model):
    month: str = Field(description="YYYY-MM.")
    version: int
    generated_at: datetime


class Report(Model):
    month: str
    version: int = Field(description="The newest version sent; late data makes a new one.")
    generated_at: datetime
    compliance: list[ComplianceRow]
    operations: list[OperationsRow]
