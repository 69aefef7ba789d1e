"""A spreadsheet as a grid of cells, whatever the county or a laboratory saved it as: CSV
(UTF-8, or GBK as Excel writes it on a Chinese Windows; comma, semicolon or tab) or XLSX (the
first sheet, or one named, with a merged cell's value in every cell it covers).

Reading only; what the columns mean is the caller's (config/county.py, ingest/labsheet.py).
"""

import csv
import io
from pathlib import Path

from .i18n import N_, Said


class SheetError(Said, ValueError):
    """The file as a whole cannot be read (not a spreadsheet, not text), in one sentence."""


def grid(name: str, data: bytes, sheet: tuple[str, ...] = ()) -> list[list]:
    """The cells of a file named `name` (its suffix says CSV or XLSX), row by row. `sheet`: names
    one of which a workbook's sheet may have (the first sheet otherwise); a CSV has one."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return _xlsx(data, sheet)
    if suffix in (".csv", ".txt"):
        return _csv(data)
    raise SheetError(N_("{file} is not a .csv or .xlsx file"), file=Path(name).name)


def _csv(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # GBK's superset: what Excel writes on a Chinese Windows
        except UnicodeDecodeError:
            raise SheetError(N_("the CSV file is neither UTF-8 nor GBK text")) from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect)]


def _book(data: bytes):
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a file that is not one
        raise SheetError(
            N_("the file is not a readable XLSX workbook ({error})"), error=exc.__class__.__name__
        ) from None


def _xlsx(data: bytes, names: tuple[str, ...]) -> list[list]:
    book = _book(data)
    chosen = [book[name] for name in book.sheetnames if name.strip().lower() in names]
    sheet = chosen[0] if chosen else book.worksheets[0]
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A merged cell holds its value in its top-left cell only; every cell it covers says it.
    for merged in sheet.merged_cells.ranges:
        value = cells[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                cells[r][c] = value
    return cells


def header_row(
    cells: list[list], names: dict[str, str], required: tuple, rows: int, key=str
) -> tuple[int, dict[str, int]] | None:
    """(index of the header row, {column: position}): the first of the first `rows` rows that
    names every required column. `names`: each name, as `key` makes it, → its column; a name met
    twice counts where it is first."""
    for index, row in enumerate(cells[:rows]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            column = names.get(key(str(cell))) if cell is not None else None
            if column and column not in found:
                found[column] = position
        if all(c in found for c in required):
            return index, found
    return None


def cell_text(value) -> str:
    """A cell as text: empty for an empty cell, a whole number without ".0" (a workbook keeps
    60 as 60.0), the rest trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def column_letter(position: int) -> str:
    """A column as a spreadsheet names it: 0 → A, 26 → AA."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)
