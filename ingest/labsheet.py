"""A laboratory's batch of results, read from the sheet it sends: CSV (UTF-8, or GBK as Excel
writes it on a Chinese Windows) or XLSX, with Chinese or English headers, a title row or two
above the header, and header cells merged across rows or columns.

Reading only: every data row becomes a `LabRow` or a rejection with its row number (as the
spreadsheet shows it) and the reason, a sentence in the reader's language. Whether the site
exists and what the result means for the site is maintenance/lab's.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from wastewatch.config.i18n import N_, Said
from wastewatch.config.lab import Methods, squeeze
from wastewatch.config.sheet import SheetError, grid, header_row
from wastewatch.config.sheet import cell_text as _text

__all__ = ["SheetError", "read", "parse_result", "parse_moment"]

# Each column's names, Chinese and English, compared squeezed (no spaces, no case).
COLUMNS: dict[str, tuple[str, ...]] = {
    "site": ("站点编号", "站点代码", "设施编号", "site", "site_id"),
    "sampled_at": ("采样时间", "采样日期时间", "sampled_at", "sampling time"),
    "item": ("监测项目", "检测项目", "分析项目", "item"),
    "result": ("结果", "检测结果", "监测结果", "result"),
    "unit": ("单位", "unit"),
    "laboratory": ("检测机构", "检测单位", "laboratory", "lab"),
    "report_no": ("报告编号", "report_no", "report number"),
    # Optional.
    "detection_limit": ("检出限", "方法检出限", "detection_limit"),
    "method": ("检测方法", "分析方法", "方法依据", "method"),
    "lab_cma": ("CMA编号", "资质认定证书编号", "cma"),
    "report_date": ("报告日期", "report_date"),
    "sampled_by": ("采样人", "sampled_by"),
}
REQUIRED = ("site", "sampled_at", "item", "result", "unit", "laboratory", "report_no")
HEADER_SEARCH_ROWS = 12  # title rows a laboratory puts above its header, at most
_NAMES = {squeeze(name): column for column, names in COLUMNS.items() for name in names}
# "ND", "未检出", "N.D." — below detection, the limit from its own column or the method.
_NOT_DETECTED = {"nd", "n.d.", "未检出", "低于检出限", "<dl"}
_BELOW = re.compile(r"^[<＜]\s*([0-9]+(?:\.[0-9]+)?)$")  # <4
_L_SUFFIX = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*L$")  # 4L: the national "below 4" notation
_ND_WITH = re.compile(r"^(?:nd|未检出)\s*\(\s*(?:检出限)?\s*([0-9]+(?:\.[0-9]+)?)\s*\)$")  # 未检出(4)
_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
_MOMENT = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[ T]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$"
)


class RowProblem(Said, ValueError):
    """Why one row was refused, in one sentence."""


@dataclass(frozen=True)
class Reading:
    """A result as the laboratory wrote it: its text, and what that text says."""

    shown: str  # 23.5, ND, <4, 4L, 未检出
    value: float | None  # None: below detection
    detection_limit: float | None


@dataclass(frozen=True)
class LabRow:
    row: int
    site: str
    sampled_at: datetime  # station (local) time, naive
    item: str
    result: Reading
    unit: str
    laboratory: str
    report_no: str
    method: str = ""
    lab_cma: str = ""
    report_date: str = ""
    sampled_by: str = ""


@dataclass
class Sheet:
    rows: list[LabRow] = field(default_factory=list)
    rejected: list[tuple[int, Said]] = field(default_factory=list)  # (row number, reason)

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.rejected)


def read(name: str, data: bytes, methods: Methods) -> Sheet:
    """The rows of a sheet named `name` (its suffix says CSV or XLSX)."""
    if Path(name).suffix.lower() not in (".xlsx", ".csv", ".txt"):
        raise SheetError(N_("a laboratory sheet is a .csv or .xlsx file"))
    return _rows(grid(name, data), methods)


def parse_result(text: str, detection_limit: float | None) -> Reading:
    """A result cell: a number, or a below-detection mark with its limit ("<4", "4L",
    "未检出(4)", or "ND" with the limit given apart). Raises ValueError with the reason."""
    shown = text.strip()
    key = shown.lower().replace("（", "(").replace("）", ")")
    if _NUMBER.match(shown):
        return Reading(shown, float(shown), detection_limit)
    for pattern in (_BELOW, _L_SUFFIX, _ND_WITH):
        found = pattern.match(key if pattern is _ND_WITH else shown.replace("l", "L"))
        if found:
            return Reading(shown, None, float(found.group(1)))
    if key in _NOT_DETECTED:
        return Reading(shown, None, detection_limit)
    raise RowProblem(
        N_("result '{result}' is neither a number nor a below-detection mark (ND, 未检出, <4, 4L)"),
        result=shown,
    )


def parse_moment(value) -> datetime:
    """A sampling time: a spreadsheet date-time, or text such as 2026-11-03 09:30 or
    2026/11/3 9:30. A date without its time is refused: judging and comparing need the hour."""
    if isinstance(value, datetime):
        return value.replace(second=value.second, microsecond=0)
    if isinstance(value, date):
        raise RowProblem(N_("the sampling time has a date but no time of day"))
    found = _MOMENT.match(str(value).strip())
    if not found:
        raise RowProblem(
            N_("sampling time '{moment}' is not a date and time (YYYY-MM-DD HH:MM)"),
            moment=str(value).strip(),
        )
    y, mo, d, h, mi, s = (int(x) if x else 0 for x in found.groups())
    return datetime(y, mo, d, h, mi, s)


def _header(grid: list[list]) -> tuple[int, dict[str, int]]:
    """(index of the header row, {column: position}): the first row naming every required column."""
    found = header_row(grid, _NAMES, REQUIRED, HEADER_SEARCH_ROWS, squeeze)
    if found is not None:
        return found
    names = " / ".join(f"{COLUMNS[c][0]} ({COLUMNS[c][-2]})" for c in REQUIRED)
    raise SheetError(
        N_("no header row naming every required column in the first {rows} rows: {names}"),
        rows=HEADER_SEARCH_ROWS,
        names=names,
    )


def _rows(grid: list[list], methods: Methods) -> Sheet:
    start, at = _header(grid)
    sheet = Sheet()
    for index in range(start + 1, len(grid)):
        raw = grid[index]
        cells = {c: (raw[p] if p < len(raw) else None) for c, p in at.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue
        if all(v == grid[start][at[c]] for c, v in cells.items()):
            continue  # the lower row of a header merged across two rows
        try:
            sheet.rows.append(_row(index + 1, cells, methods))
        except RowProblem as exc:
            sheet.rejected.append((index + 1, exc))
        except ValueError:  # a date that does not exist (2026-02-30), a time past 23:59
            sheet.rejected.append(
                (index + 1, RowProblem(N_("the sampling time is not a real date and time")))
            )
    return sheet


def _row(number: int, cells: dict, methods: Methods) -> LabRow:
    for column in REQUIRED:
        if _text(cells.get(column)) == "":
            raise RowProblem(N_("{column} is empty"), column=f"{COLUMNS[column][0]} ({column})")
    item = methods.item_named(_text(cells["item"]))
    if item is None:
        known = ", ".join(m.names[0] for m in methods.methods)
        raise RowProblem(
            N_("item '{item}' is not one the service knows ({known})"), item=_text(cells["item"]), known=known
        )
    limit_text = _text(cells.get("detection_limit"))
    try:
        limit = float(limit_text) if limit_text else None
    except ValueError:
        raise RowProblem(N_("detection limit '{limit}' is not a number"), limit=limit_text) from None
    method = methods.of(item)
    if limit is None and method is not None:
        limit = method.detection_limit
    result = cells["result"]
    if isinstance(result, (int, float)):  # a number cell of a workbook
        reading = Reading(_text(result), float(result), limit)
    else:
        reading = parse_result(_text(result), limit)
    report_date = cells.get("report_date")
    return LabRow(
        row=number,
        site=_text(cells["site"]),
        sampled_at=parse_moment(cells["sampled_at"]),
        item=item,
        result=reading,
        unit=_text(cells["unit"]),
        laboratory=_text(cells["laboratory"]),
        report_no=_text(cells["report_no"]),
        method=_text(cells.get("method")) or (method.method if method else ""),
        lab_cma=_text(cells.get("lab_cma")),
        report_date=report_date.date().isoformat()
        if isinstance(report_date, datetime)
        else _text(report_date),
        sampled_by=_text(cells.get("sampled_by")),
    )
