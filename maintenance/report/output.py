"""The monthly report as files: two CSV tables (cells.py), an XLSX workbook (workbook.py),
the HTML page and its A4 PDF (document.py)."""

from pathlib import Path

from . import document, workbook
from .cells import csv_text
from .columns import COMPLIANCE_COLUMNS, OPERATIONS_COLUMNS
from .figures import MonthlyReport

FORMATS = ("csv", "xlsx", "html", "pdf")


def write(
    report: MonthlyReport,
    out: Path,
    formats=FORMATS,
    locale: str = "zh-CN",
    version: int = 1,
    changes: list[str] = (),
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "csv" in formats:
        for name, rows, columns in (
            ("compliance", report.compliance, COMPLIANCE_COLUMNS),
            ("operations", report.operations, OPERATIONS_COLUMNS),
        ):
            path = out / f"{name}-{report.month}.csv"
            path.write_bytes(csv_text(rows, columns).encode("utf-8"))
            written.append(path)
    if "xlsx" in formats:
        path = out / f"report-{report.month}.xlsx"
        written.append(workbook.write_xlsx(report, path, locale, version, changes))
    if "html" in formats or "pdf" in formats:
        page = document.html(report, locale, version, changes)
        if "html" in formats:
            path = out / f"report-{report.month}.html"
            path.write_text(page, encoding="utf-8")
            written.append(path)
        if "pdf" in formats:
            written.append(document.pdf(page, out / f"report-{report.month}.pdf"))
    return written
