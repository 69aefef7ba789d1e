"""The canonical metrics a site may report (shared/domain.md §7).

Names are what travels in MQTT payloads and what the store keys on. HJ 212 codes are kept
so that a later HJ 212 decoder and the reports can name the national code of each metric.
"""

from typing import NamedTuple


class Metric(NamedTuple):
    unit: str
    hj212: str
    label_zh: str


METRICS: dict[str, Metric] = {
    "flow": Metric("m³/h", "w00000", "瞬时流量"),
    "flow_total": Metric("m³", "w00000-Cou", "累计流量"),
    "cod": Metric("mg/L", "w01018", "化学需氧量"),
    "bod5": Metric("mg/L", "w01017", "五日生化需氧量"),
    "nh3n": Metric("mg/L", "w21003", "氨氮"),
    "tn": Metric("mg/L", "w21001", "总氮"),
    "tp": Metric("mg/L", "w21011", "总磷"),
    "ss": Metric("mg/L", "w01012", "悬浮物"),
    "ph": Metric("", "w01001", "pH值"),
    "water_temp": Metric("°C", "w01010", "水温"),
    "do": Metric("mg/L", "w01009", "溶解氧"),
    # HJ 212 has no code for animal/vegetable oil; "ww-oil" is this project's own.
    "oil": Metric("mg/L", "ww-oil", "动植物油"),
    "pump_state": Metric("", "SB1-RS", "提升泵状态"),
    "blower_state": Metric("", "SB2-RS", "风机状态"),
    "energy": Metric("kWh", "i33201", "电量"),
}

# HJ 212-2017 data flags; a reading without a flag is N (normal).
FLAGS = frozenset("NFMSDCTB")
