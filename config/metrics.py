"""The canonical metrics a site may report (docs/domain.md §7).

Names are what travels in MQTT payloads and what the store keys on. HJ 212 codes are kept
so that a later HJ 212 decoder and the reports can name the national code of each metric.
"""

from typing import NamedTuple

from .i18n import N_, gettext


class Metric(NamedTuple):
    unit: str
    hj212: str
    label: str  # English, the catalogue's message id (config/i18n.py)


METRICS: dict[str, Metric] = {
    "flow": Metric("m³/h", "w00000", N_("Flow rate")),
    "flow_total": Metric("m³", "w00000-Cou", N_("Flow total")),
    "cod": Metric("mg/L", "w01018", N_("COD")),
    "bod5": Metric("mg/L", "w01017", N_("BOD5")),
    "nh3n": Metric("mg/L", "w21003", N_("Ammonia nitrogen")),
    "tn": Metric("mg/L", "w21001", N_("Total nitrogen")),
    "tp": Metric("mg/L", "w21011", N_("Total phosphorus")),
    "ss": Metric("mg/L", "w01012", N_("Suspended solids")),
    "ph": Metric("", "w01001", N_("pH")),
    "water_temp": Metric("°C", "w01010", N_("Water temperature")),
    "do": Metric("mg/L", "w01009", N_("Dissolved oxygen")),
    # HJ 212 has no code for animal/vegetable oil; "ww-oil" is this project's own.
    "oil": Metric("mg/L", "ww-oil", N_("Animal and vegetable oil")),
    "pump_state": Metric("", "SB1-RS", N_("Lift pump state")),
    "blower_state": Metric("", "SB2-RS", N_("Blower state")),
    "energy": Metric("kWh", "i33201", N_("Energy")),
}


def metric_label(metric: str, locale: str) -> str:
    """A metric's name as people read it ("化学需氧量"); an unknown name as it is."""
    known = METRICS.get(metric)
    return gettext(locale, known.label) if known else metric


def volume_m3(flow_sum: float, interval_s: int) -> float:
    """The volume (m³) a span's valid flow readings stand for: each reading (m³/h) holds for its
    series' interval, so Σ flow × interval (s) ÷ 3,600. The monthly report's treated volume and
    a forwarded frame's `w00000-Cou` are both this."""
    return flow_sum * interval_s / 3600


class Quantity(NamedTuple):
    label: str  # English, the catalogue's message id
    unit: str
    decimals: int


# What a rule judges when it is not a reading of a metric but a figure made from a day of them:
# its name, unit and decimals, wherever it is shown.
QUANTITIES = {"daily_volume": Quantity(N_("Daily volume"), "m³/d", 1)}


# Equipment (SBxxx-RS) metrics: the machine each names, and what each state value means
# (HJ 212-2017: 0 off, 1 running, 2 calibration, 3 maintenance, 4 alarm, 5 back-flush).
EQUIPMENT = {"pump_state": N_("Lift pump"), "blower_state": N_("Blower")}
EQUIPMENT_STATES = {
    0: N_("off"),
    1: N_("running"),
    2: N_("calibration"),
    3: N_("maintenance"),
    4: N_("alarm"),
    5: N_("back-flush"),
}


def equipment_state(metric: str, value: float | None, locale: str) -> str:
    """ "提升泵报警" for pump_state 4; "" when the metric is no machine's or the value no state."""
    if metric not in EQUIPMENT or value is None or value not in EQUIPMENT_STATES:
        return ""
    return gettext(locale, N_("%(equipment)s %(state)s")) % {
        "equipment": gettext(locale, EQUIPMENT[metric]),
        "state": gettext(locale, EQUIPMENT_STATES[int(value)]),
    }


# HJ 212-2017 data flags; a reading without a flag is N (normal).
FLAGS = frozenset("NFMSDCTB")
