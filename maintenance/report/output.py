"""The monthly report as files: CSV tables (cells.py), an XLSX workbook (workbook.py),
the HTML page (document.py) and its A4 PDF (printing.py)."""

from pathlib import Path

from . import document, printing, workbook
from .cells import csv_text
from .columns import COMPLIANCE_COLUMNS, OPERATIONS_COLUMNS
from .figures import MonthlyReport
from .lab_figures import COMPARISON_COLUMNS, REVIEW_COLUMNS, SAMPLE_COLUMNS, SAMPLE_SITE_COLUMNS


def tables(report: MonthlyReport) -> list[tuple[str, list[dict], list[str]]]:
    """(name, rows, columns) of every CSV table: the two of the first release, byte for byte,
    and the laboratory's and the reviews' in files of their own."""
    return [
        ("compliance", report.compliance, COMPLIANCE_COLUMNS),
        ("operations", report.operations, OPERATIONS_COLUMNS),
        ("samples", report.lab.samples, SAMPLE_COLUMNS),
        ("sample-sites", report.lab.sites, SAMPLE_SITE_COLUMNS),
        ("comparisons", report.lab.comparisons, COMPARISON_COLUMNS),
        ("reviews", report.lab.reviews, REVIEW_COLUMNS),
    ]


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
        for name, rows, columns in tables(report):
            path = out / f"{name}-{report.month}.csv"
            path.write_bytes(csv_text(rows, columns).encode("utf-8"))
            written.append(path)
    if "xlsx" in formats:
        path = out / f"report-{report.month}.xlsx"
        written.append(workbook.write_xlsx(report, path, locale, version, changes))
    if "html" in formats:
        path = out / f"report-{report.month}.html"
        path.write_text(document.html(report, locale, version, changes), encoding="utf-8")
        written.append(path)
    if "pdf" in formats:
        written.append(printing.pdf(report, out / f"report-{report.month}.pdf", locale, version, changes))
    return written
