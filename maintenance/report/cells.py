"""The monthly report's CSV tables, the auditable form: UTF-8, a header row, '.' as the decimal
point, no thousands separators, fixed decimals per column, rows in site and pollutant order,
"\\n" line ends; the same figures give the same bytes."""

import csv
import io

from .columns import DECIMALS

# A text cell starting with one of these is a formula to a spreadsheet that opens the file
# (=HYPERLINK(...), -2+3+cmd|...): a site, contractor or window reason is typed by people.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(column: str, value) -> str:
    """One CSV cell: fixed decimals, empty for no data, true/false; text that a spreadsheet
    would take for a formula gets a leading apostrophe (OWASP's CSV-injection advice)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if column in DECIMALS:
        return f"{value:.{DECIMALS[column]}f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def uncell(text: str) -> str:
    """A CSV cell read back: the text without the apostrophe that kept a spreadsheet from reading
    it as a formula; the rest as written (numbers keep their decimals, no data stays empty)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def number(column: str, value):
    """The same value as the CSV cell, as a number for the workbook."""
    if not isinstance(value, float):
        return value
    return round(value, DECIMALS.get(column, 3))


def csv_text(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(c, row[c]) for c in columns])
    return out.getvalue()
