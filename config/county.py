"""The county's own lists, as the bureau keeps them, read for `wastewatch init`: the site
inventory (设施台账) and the O&M contractors (运维单位), each an XLSX or a CSV (UTF-8 or GBK)
with Chinese or English headers, title rows above the header allowed.

Every bad cell is named by its row and column as the spreadsheet shows them (row 5, column D
设计规模) with what is allowed, all of them at once: whoever fixes the sheet fixes it in one go.
What comes out is what the config's own inventory files hold (config/loader.py reads them).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .lab import squeeze
from .sheet import SheetError, column_letter, grid, header_row
from .sheet import cell_text as _text
from .site import Contractor, Site

# Each column's names, Chinese and English, compared squeezed, a unit in brackets left out.
SITE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("站点编号", "设施编号", "站点代码", "id", "site_id"),
    "name": ("站点名称", "设施名称", "name"),
    "town": ("乡镇", "乡镇(街道)", "所在乡镇", "town"),
    "village": ("行政村", "所在村", "village"),
    "capacity_m3d": ("设计规模", "设计处理规模", "处理规模", "capacity_m3d", "capacity"),
    "receiving_water": ("受纳水体类别", "受纳水体功能类别", "受纳水体", "receiving_water"),
    "key_control_area": ("重点控制区", "是否重点控制区", "key_control_area"),
    "catering": ("餐饮废水", "含餐饮废水", "是否含餐饮废水", "catering"),
    "contractor": ("运维单位", "contractor"),
    "location": ("经纬度", "坐标", "location"),
    "hj212_mn": ("数采仪MN", "MN", "MN号", "hj212_mn"),
    "hj212_pw": ("数采仪密码", "访问密码", "hj212_pw"),
    "operators": ("监管人员邮箱", "监管邮箱", "operators"),
    "metrics": ("监测指标", "在线监测指标", "metrics"),
    "built_year": ("建成年份", "built_year"),
    "commissioned": ("投运日期", "投运时间", "commissioned"),
}
SITE_REQUIRED = ("id", "name", "town", "capacity_m3d", "receiving_water", "contractor")
CONTRACTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("运维单位", "单位名称", "名称", "name"),
    "email": ("邮箱", "电子邮箱", "派单邮箱", "email"),
    "id": ("编号", "id"),
}
CONTRACTOR_REQUIRED = ("name", "email")
SITE_SHEETS = ("设施台账", "站点", "sites")
CONTRACTOR_SHEETS = ("运维单位", "contractors")
HEADER_ROWS = 12  # title rows above the header, at most

# What the sheets write for a metric, and the interval a site is expected to report it at when
# the sheet does not say: the flow meter and pump state every 5 minutes, analysers hourly.
METRIC_NAMES = {
    "flow": ("流量", "瞬时流量", "flow"),
    "cod": ("cod", "化学需氧量", "codcr"),
    "nh3n": ("氨氮", "nh3-n", "nh3n"),
    "tp": ("总磷", "tp"),
    "tn": ("总氮", "tn"),
    "ss": ("悬浮物", "ss"),
    "ph": ("ph", "ph值"),
    "water_temp": ("水温", "water_temp"),
    "pump_state": ("提升泵", "提升泵状态", "pump_state"),
    "blower_state": ("风机", "风机状态", "blower_state"),
}
METRIC_INTERVAL_S = {"flow": 300, "ph": 300, "water_temp": 300, "pump_state": 300, "blower_state": 300}
ANALYSER_INTERVAL_S = 3600
DEFAULT_METRICS = {"flow": 300}  # a site whose sheet names none: every plant has its flow meter
_WATER = {
    "ii": "II", "2": "II", "二": "II", "ⅱ": "II",
    "iii": "III", "3": "III", "三": "III", "ⅲ": "III",
    "iv": "IV", "4": "IV", "四": "IV", "ⅳ": "IV",
    "v": "V", "5": "V", "五": "V", "ⅴ": "V",
    "none": "none", "无": "none", "无功能": "none", "无功能水体": "none", "沟渠": "none", "坑塘": "none",
}  # fmt: skip
_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", "", "×"}
_SPLIT = re.compile(r"[;；、,，/\s]+")


class CountyError(ValueError):
    """The sheets cannot make an installation: every problem, one a line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class County:
    sites: list[Site] = field(default_factory=list)
    contractors: list[Contractor] = field(default_factory=list)


def read(inventory: Path, contractors: Path, bureau_emails: list[str], ids: dict[str, str]) -> County:
    """The sites and contractors of the county's two sheets. A site's operators default to
    `bureau_emails`; `ids` maps a contractor's name to the id it was given before (kept, so
    the config's references never move), new names get the next free `om-N`."""
    problems: list[str] = []
    companies = _contractors(contractors, ids, problems)
    by_name = {squeeze(c.name): c.id for c in companies} | {c.id: c.id for c in companies}
    sites = _sites(inventory, by_name, bureau_emails, problems)
    if problems:
        raise CountyError(problems)
    return County(sites, companies)


def _table(path: Path, columns: dict, required: tuple, what: str, sheets: tuple, problems: list[str]):
    """[(row number, {column: (value, where)})] below the header row of the sheet: in a workbook,
    the sheet named one of `sheets` (both lists may be sheets of one workbook), or the first."""
    try:
        cells = grid(path.name, path.read_bytes(), sheet=sheets)
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror})")
        return []
    except SheetError as exc:
        problems.append(f"{path}: {exc}")
        return []
    names = {_key(name): column for column, known in columns.items() for name in known}
    header = header_row(cells, names, required, HEADER_ROWS, _key)
    if header is None:
        wanted = ", ".join(f"{columns[c][0]} ({c})" for c in required)
        problems.append(f"{path}: no header row naming every required column of {what}: {wanted}")
        return []
    index, found = header
    rows = []
    for number, raw in enumerate(cells[index + 1 :], start=index + 2):
        values = {c: (raw[p] if p < len(raw) else None) for c, p in found.items()}
        if all(_text(v) == "" for v in values.values()):
            continue
        if all(v == cells[index][found[c]] for c, v in values.items()):
            continue  # the lower row of a header merged across two rows
        where = {
            c: f"{path.name} row {number}, column {column_letter(p)} {_text(cells[index][p])}"
            for c, p in found.items()
        }
        rows.append((number, {c: (values[c], where[c]) for c in found}))
    return rows


def _contractors(path: Path, ids: dict[str, str], problems: list[str]) -> list[Contractor]:
    taken = set(ids.values())
    companies, seen = [], set()
    for _number, row in _table(
        path, CONTRACTOR_COLUMNS, CONTRACTOR_REQUIRED, "the contractors", CONTRACTOR_SHEETS, problems
    ):
        name = _text(row["name"][0])
        if squeeze(name) in seen:
            problems.append(f"{row['name'][1]}: {name} is listed twice")
            continue
        seen.add(squeeze(name))
        given = _text(row["id"][0]) if "id" in row else ""
        known = ids.get(squeeze(name))
        if not (given or known):
            n = 1
            while f"om-{n}" in taken:
                n += 1
            taken.add(known := f"om-{n}")
        data = {"id": given or known, "name": name, "email": _text(row["email"][0])}
        try:
            companies.append(Contractor.model_validate(data))
        except ValidationError as exc:
            for error in exc.errors():
                column = str(error["loc"][0])
                problems.append(f"{row.get(column, row['name'])[1]}: {_message(error)}")
    return companies


def _sites(path: Path, contractors: dict[str, str], bureau: list[str], problems: list[str]) -> list[Site]:
    sites: list[Site] = []
    seen: dict[str, int] = {}
    for number, row in _table(path, SITE_COLUMNS, SITE_REQUIRED, "the site inventory", SITE_SHEETS, problems):
        data: dict[str, Any] = {}
        bad = False
        for column, (value, where) in row.items():
            try:
                parsed = _CELLS.get(column, _text)(value)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                bad = True
                continue
            if parsed not in ("", None, [], {}):
                data[column] = parsed
        if "contractor" in data:
            company = contractors.get(squeeze(data["contractor"]))
            if company is None:
                where = row["contractor"][1]
                problems.append(f"{where}: {data['contractor']} is not in the contractors' sheet")
                bad = True
            data["contractor"] = company
        data.setdefault("operators", list(bureau))
        data.setdefault("metrics", dict(DEFAULT_METRICS))
        site_id = data.get("id", "")
        if site_id in seen:
            problems.append(f"{row['id'][1]}: {site_id} is listed twice (row {seen[site_id]} too)")
            continue
        seen[site_id] = number
        if bad:
            continue
        try:
            sites.append(Site.model_validate(data))
        except ValidationError as exc:
            for error in exc.errors():
                column = str(error["loc"][0])
                where = row[column][1] if column in row else f"{path.name} row {number}"
                problems.append(f"{where}: {_message(error)}")
    return sites


def _message(error) -> str:
    if error["type"] == "missing":
        return "is required"
    message = error["msg"].replace("Input should be", "must be").replace("Value error, ", "")
    if error["loc"][0] == "hj212_pw":
        return f"{message} (the value is not shown: it is a secret)"
    return f"{message} (got {error['input']!r})"


def _key(name: str) -> str:
    """A header compared without spaces, case, or a unit in brackets: 设计规模（m³/d）→ 设计规模."""
    return re.sub(r"\([^)]*\)$", "", squeeze(name)) or squeeze(name)


def _capacity(value) -> float | str:
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value)
    found = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(?:m3/d|m³/d|吨/天|t/d|立方米/天|方/天)?", text, re.I)
    if not found:
        raise ValueError(f"{text!r} is not a capacity in m³/d (a number, e.g. 60 or 60 m³/d)")
    return float(found.group(1))


def _water(value) -> str:
    text = squeeze(_text(value)).removesuffix("类").removesuffix("水体") or squeeze(_text(value))
    if text == "":
        return ""
    if text not in _WATER:
        raise ValueError(f"{_text(value)!r} is not a GB 3838 class: II, III, IV or V (类), or 无 (none)")
    return _WATER[text]


def _flag(value) -> bool:
    text = squeeze(_text(value))
    if text not in _YES | _NO:
        raise ValueError(f"{_text(value)!r} is neither 是 (yes) nor 否 (no)")
    return text in _YES


def _location(value) -> list[float] | str:
    """经纬度 in either order, split by a comma or a space: China's longitudes (73–136) and
    latitudes (3–54) do not overlap, so which is which is plain."""
    text = _text(value)
    if not text:
        return ""
    parts = [p for p in re.split(r"[,，\s]+", re.sub(r"[EeNn°]", " ", text)) if p]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) == 2:
        lon, lat = sorted(numbers, reverse=True)
        if 73 <= lon <= 136 and 3 <= lat <= 54:
            return [lon, lat]
    raise ValueError(f"{text!r} is not a longitude and latitude in China (e.g. 102.76,30.07)")


def _metrics(value) -> dict[str, int]:
    text = _text(value)
    named = {squeeze(word): metric for metric, words in METRIC_NAMES.items() for word in words}
    metrics = {}
    for part in filter(None, _SPLIT.split(text)):
        name, equals, interval = part.partition("=")
        metric = named.get(squeeze(name))
        if metric is None:
            known = "、".join(words[0] for words in METRIC_NAMES.values())
            raise ValueError(f"{name!r} is not a metric the service knows ({known})")
        if equals and not interval.isdigit():
            raise ValueError(f"{part!r}: the interval after = is whole seconds, e.g. cod=3600")
        metrics[metric] = int(interval) if equals else METRIC_INTERVAL_S.get(metric, ANALYSER_INTERVAL_S)
    return metrics


def _emails(value) -> list[str]:
    return [part for part in _SPLIT.split(_text(value)) if part]


def _year(value) -> int | str:
    text = _text(value)
    if not text:
        return ""
    if isinstance(value, (datetime, date)):
        return value.year
    if not re.fullmatch(r"(19|20)\d\d", text.removesuffix("年")):
        raise ValueError(f"{text!r} is not a year (e.g. 2019)")
    return int(text.removesuffix("年"))


def _day(value) -> date | str:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return ""
    found = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    try:
        return date(*(int(x) for x in found.groups())) if found else date.fromisoformat("x")
    except ValueError:
        raise ValueError(f"{text!r} is not a date (e.g. 2019-11-20)") from None


_CELLS = {
    "capacity_m3d": _capacity,
    "receiving_water": _water,
    "key_control_area": _flag,
    "catering": _flag,
    "location": _location,
    "metrics": _metrics,
    "operators": _emails,
    "built_year": _year,
    "commissioned": _day,
}
