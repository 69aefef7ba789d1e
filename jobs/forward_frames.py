"""HJ 212 frames for an upper platform, built from what the store holds, by the same code that
parses the loggers' (ingest/hj212.py: `upload`, `frame`) and the same code table read the other
way (config/hj212_codes.toml: a metric's code, and its value divided by the code's factor, so a
flow stored in m³/h goes as L/s, as a logger sends it).

- realtime (CN 2011): the readings of one moment, `code-Rtd` and `code-Flag` each; an
  equipment state as `SBn-RS`.
- minute (CN 2051), hourly (CN 2061) and daily (CN 2031): a span's, a local hour's or day's
  valid readings (flag N) as `code-Avg`, `-Min`, `-Max` and `-Flag=N`, the flow's with its
  volume as `w00000-Cou` (m³, config/metrics.py `volume_m3`); a metric without a valid reading
  in the period is left out, a period without any is not sent.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from wastewatch.config.forward import KIND_CN
from wastewatch.config.hj212 import codes, default_equipment
from wastewatch.ingest.hj212 import MAX_DATA, frame, upload

# Flag: bits 2–7 the version (000001: HJ 212-2017), bit 0 asks for a reply; HJ/T 212-2005 had no
# version bits.
VERSION_BITS = {"2017": 0b100, "2005": 0}


@dataclass(frozen=True)
class Frame:
    """One data segment for a site, the period it carries (its start, epoch seconds) and its QN."""

    site_id: str
    kind: str
    period: int
    qn: str
    data: str


@cache
def _codes() -> dict[str, tuple[str, float]]:
    """metric → (HJ 212 code, factor): the first code of the table for each metric."""
    found: dict[str, tuple[str, float]] = {}
    for code in codes().values():
        found.setdefault(code.metric, (code.code, code.factor))
    return found


def _number(value: float) -> str:
    """A value as loggers write it: plain decimals, at most 6 places, no exponent."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def frame_bytes(built: Frame) -> bytes:
    """The frame as it goes on the wire: length, data segment, CRC."""
    return frame(built.data)


def flag(version: str, replies: bool) -> int:
    return VERSION_BITS[version] | (1 if replies else 0)


def segment(
    site_id: str,
    kind: str,
    at: datetime,
    items: list[str],
    login: tuple[str, str],
    version: str,
    replies: bool,
    st: str,
    sent: datetime,
) -> Frame | None:
    """The frame of one period, `items` its CP items; None when it has none. `at`: the period's
    start in the site's local time (DataTime); `sent`: now, the QN (the request's own time, so
    a frame sent again is a new request); `login`: the site's (MN, PW) on the platform."""
    if not items:
        return None
    mn, pw = login
    data = upload(at, KIND_CN[kind], mn, pw, ";".join(items), flag(version, replies), st)
    qn = f"{sent:%Y%m%d%H%M%S}{sent.microsecond // 1000:03d}"
    data = f"QN={qn};" + data.split(";", 1)[1]
    if len(data) > MAX_DATA:
        raise ValueError(f"the {kind} frame of site {site_id} at {at} is over {MAX_DATA} characters")
    return Frame(site_id, kind, int(at.timestamp()), qn, data)


def realtime_items(values: dict[str, tuple[float, str]], equipment: dict[str, str]) -> list[str]:
    """CP items of one moment's readings {metric: (value, flag)}; `equipment`: SBn → metric."""
    by_metric = {metric: number for number, metric in (equipment or default_equipment()).items()}
    items = []
    for metric, (value, mark) in sorted(values.items()):
        if metric in by_metric:
            items.append(f"{by_metric[metric]}-RS={int(value)}")
        elif metric in _codes():
            code, factor = _codes()[metric]
            items.append(f"{code}-Rtd={_number(value / factor)},{code}-Flag={mark}")
    return items


def period_items(stats: dict[str, tuple[float, float, float]], totals: dict[str, float]) -> list[str]:
    """CP items of a span, an hour or a day: {metric: (mean, minimum, maximum)} of its valid
    readings, and {metric: its total in the period} for a metric whose code has one (`-Cou`,
    already in the total's unit: the flow's m³)."""
    items = []
    for metric, (mean, low, high) in sorted(stats.items()):
        if metric not in _codes():
            continue
        code, factor = _codes()[metric]
        total = f"{code}-Cou={_number(totals[metric])}," if metric in totals else ""
        items.append(
            f"{code}-Avg={_number(mean / factor)},{code}-Min={_number(low / factor)},"
            f"{code}-Max={_number(high / factor)},{total}{code}-Flag=N"
        )
    return items
