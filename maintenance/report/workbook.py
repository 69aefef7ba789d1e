"""The monthly report as an XLSX workbook, for the people who sort and filter it: the CSV's
figures (rounded the same way) as numbers with number formats, dates as dates, headers and
sheet names in the report's language, bold frozen header rows; plus the county summary, the
scorecards, the daily means with a chart per site and pollutant, the maintenance windows, the
formulas and the provisional limits.

Written in openpyxl's write-only mode: rows stream to the file (a 500-site county is 2,000
rows a sheet and 2,000 charts).
"""

from datetime import date, datetime
from pathlib import Path

from wastewatch.alerts.windows import LABELS as WINDOW_KINDS
from wastewatch.config.i18n import N_, gettext
from wastewatch.config.metrics import metric_label

from . import lab_sheets
from .cells import number
from .document import BASES
from .figures import MonthlyReport
from .formulas import FORMULAS
from .sheets import COMPLIANCE, COUNTY, MINUTE, OPERATIONS, PERCENT, SCORECARDS, column_format, sheet_name


def write_xlsx(report: MonthlyReport, path: Path, locale: str, version: int, changes) -> Path:
    from openpyxl import Workbook

    book = Book(Workbook(write_only=True), locale)
    words = book.word
    rows = [_compliance_row(r, locale) for r in report.compliance]
    names = {s.id: s.name for s in report.sites}
    book.table("compliance", COMPLIANCE, rows)
    book.table(
        "operations", OPERATIONS, [{**r, "site_name": names.get(r["site_id"], "")} for r in report.operations]
    )
    _county(book, report)
    _scorecards(book, report)
    _daily(book, report)
    book.table(
        "windows",
        [
            ("site_id", N_("Site ID"), 12),
            ("kind_text", N_("Kind"), 12),
            ("from_time", N_("From"), 17),
            ("until_time", N_("Until"), 17),
            ("reason", N_("Reason"), 40),
        ],
        [
            {
                **w,
                "kind_text": words(WINDOW_KINDS.get(w["kind"], w["kind"])),
                "from_time": _local(w["starts_at"], report.tz),
                "until_time": _local(w["ends_at"], report.tz),
            }
            for w in report.windows
        ],
        formats={"from_time": MINUTE, "until_time": MINUTE},
    )
    lab_sheets.write(book, report, locale)
    formulas = book.sheet("formulas", [("name", 24), ("text", 100)])
    book.header(formulas, [words(N_("Figure")), words(N_("How it is computed"))])
    for name, text in FORMULAS:
        book.row(formulas, [words(name), words(text)])
    book.row(formulas, [])
    book.header(formulas, [words(N_("Score weight")), words(N_("Value"))])
    for term, weight in report.weights.items():
        book.row(formulas, [term, weight])
    book.table(
        "provisional",
        [
            ("standard", N_("Standard"), 16),
            ("grade_text", N_("Grade"), 10),
            ("pollutant_label", N_("Item"), 14),
            ("limit_low", N_("Lower limit"), 9),
            ("limit_high", N_("Limit"), 9),
            ("unit", N_("Unit"), 7),
            ("sites", N_("Sites quoting it"), 9),
            ("reasons_text", N_("Why provisional"), 40),
            ("citation", N_("Source"), 30),
        ],
        [
            {
                **p,
                "grade_text": p["grade_label"][locale],
                "pollutant_label": metric_label(p["pollutant"], locale),
                "limit_low": p["limit_low"],
                "limit_high": p["limit_high"],
                "reasons_text": "；".join(words(r) for r in p["reasons"]),
            }
            for p in report.unverified
        ],
    )
    if changes:
        changed = book.sheet("changes", [("line", 100)])
        book.header(changed, [words(N_("Version {version}: what changed")).format(version=version)])
        for line in changes:
            book.row(changed, [line])
    book.workbook.properties.creator = "Wastewatch"
    book.workbook.save(path)
    return path


class Book:
    """A write-only workbook whose cells carry their formats, its texts in one locale."""

    def __init__(self, workbook, locale: str):
        from openpyxl.styles import Alignment, Font

        self.workbook, self.locale = workbook, locale
        self.bold = Font(bold=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def word(self, text: str) -> str:
        return gettext(self.locale, text)

    def sheet(self, key: str, widths: list[tuple[str, int]], freeze: str | None = "A2"):
        from openpyxl.utils import get_column_letter

        sheet = self.workbook.create_sheet(sheet_name(key, self.locale))
        for i, (_, width) in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        if freeze:
            sheet.freeze_panes = freeze
        return sheet

    def header(self, sheet, texts: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for text in texts:
            c = WriteOnlyCell(sheet, value=text)
            c.data_type = "s"  # never a formula: a site's name is typed by a person
            c.font, c.alignment = self.bold, self.wrap
            cells.append(c)
        sheet.append(cells)

    def cell(self, sheet, value, number_format: str):
        """A number with its format (a plain value where there is none)."""
        from openpyxl.cell import WriteOnlyCell

        if value is None:
            return None
        c = WriteOnlyCell(sheet, value=value)
        c.number_format = number_format
        return c

    def row(self, sheet, values: list, formats: list[str | None] | None = None) -> None:
        """A row, each number with its format, each text written as text: openpyxl makes a
        string starting with "=" a live formula, and a site or reason typed by a person must
        stay words."""
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for i, value in enumerate(values):
            fmt = formats[i] if formats else None
            if isinstance(value, bool):
                value = self.word(N_("yes")) if value else self.word(N_("no"))
            if (isinstance(value, str) and value.startswith("=")) or fmt:
                c = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    c.data_type = "s"
                elif fmt:
                    c.number_format = fmt
                value = c
            cells.append(value)
        sheet.append(cells)

    def table(self, key: str, columns, rows: list[dict], formats: dict | None = None) -> None:
        sheet = self.sheet(key, [(k, w) for k, _, w in columns])
        self.header(sheet, [self.word(label) for _, label, _ in columns])
        fmts = [(formats or {}).get(k) or column_format(k) for k, _, _ in columns]
        for r in rows:
            values = [number(k, r.get(k)) for k, _, _ in columns]
            self.row(
                sheet,
                values,
                [f if isinstance(v, (int, float, datetime)) else None for f, v in zip(fmts, values)],
            )


def _compliance_row(r: dict, locale: str) -> dict:
    return {
        **r,
        "pollutant_label": metric_label(r["pollutant"], locale),
        "grade_text": r["grade_label"][locale],
        "basis_text": gettext(locale, BASES.get(r["basis"], r["basis"])),
        "verified_text": r["limit_verified"],
    }


def _local(ts: int | None, tz) -> datetime | None:
    """Local wall-clock time without a zone: what a spreadsheet can hold and show."""
    return None if ts is None else datetime.fromtimestamp(ts, tz).replace(tzinfo=None)


def _county(book: Book, report: MonthlyReport) -> None:
    from openpyxl.chart import BarChart, Reference

    sheet = book.sheet("county", [("a", 24), ("b", 14), ("c", 14), ("d", 14)], freeze=None)
    book.row(sheet, [book.word(N_("Month")), report.month])
    if report.as_of_text:
        book.row(sheet, [book.word(N_("Figures run to")), report.as_of_text])
    for key, value in report.county.items():
        book.row(sheet, [book.word(COUNTY.get(key, key)), number(key, value)], [None, column_format(key)])
    book.row(sheet, [])
    header_row = 1 + bool(report.as_of_text) + len(report.county) + 2
    book.header(
        sheet,
        [
            book.word(w)
            for w in (N_("Pollutant"), N_("Valid days"), N_("Exceedance days"), N_("Compliance rate"))
        ],
    )
    totals: dict = {}
    for row in report.compliance:
        valid, exceed = totals.get(row["pollutant"], (0, 0))
        totals[row["pollutant"]] = (valid + row["valid_days"], exceed + row["exceedance_days"])
    for pollutant, (valid, exceed) in sorted(totals.items()):
        rate = (valid - exceed) / valid if valid else None
        book.row(
            sheet,
            [metric_label(pollutant, book.locale), valid, exceed, number("compliance_rate", rate)],
            [None, None, None, PERCENT],
        )
    if totals:
        chart = BarChart()
        chart.title = book.word(N_("Compliance by pollutant"))
        last = header_row + len(totals)
        chart.add_data(Reference(sheet, min_col=4, min_row=header_row, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last))
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.y_axis.numFmt = "0%"
        chart.anchor = "F2"
        sheet.add_chart(chart)


def _scorecards(book: Book, report: MonthlyReport) -> None:
    from openpyxl.chart import BarChart, Reference

    sheet = book.sheet("scorecards", [(k, w) for k, _, w in SCORECARDS])
    book.header(sheet, [book.word(label) for _, label, _ in SCORECARDS])
    for card in report.scorecards:
        values = [number("score" if k == "mean_score" else k, card[k]) for k, _, _ in SCORECARDS]
        book.row(
            sheet,
            values,
            [None, None] + [column_format("score" if k == "mean_score" else k) for k, _, _ in SCORECARDS[2:]],
        )
    if report.scorecards:
        last = 1 + len(report.scorecards)
        chart = BarChart()
        chart.title = book.word(N_("Contractor scores"))
        chart.add_data(Reference(sheet, min_col=4, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=2, min_row=2, max_row=last))
        chart.anchor = "L2"
        sheet.add_chart(chart)


def _daily(book: Book, report: MonthlyReport) -> None:
    """Per site: a block of its days (date; each pollutant's daily mean and limit; each
    mean as a share of that day's limit) and one line chart beside it of those shares against
    a dashed 100 % line, so pollutants of different units read on one axis. pH, judged on a
    range, has its columns but no line. One chart a site, not one a pollutant: openpyxl
    writes a chart's every series slowly, and 1,835 charts made the workbook 3 s slower."""
    from openpyxl.chart import LineChart, Reference

    by_site: dict = {}
    for r in report.compliance:
        by_site.setdefault(r["site_id"], []).append(r)
    width = max((len(rows) for rows in by_site.values()), default=0)
    sheet = book.sheet("daily", [("day", 12)] + [("c", 10)] * (3 * width + 1), freeze=None)
    mean_word, limit_word = book.word(N_("daily mean")), book.word(N_("limit"))
    share_word, title_word = book.word(N_("of limit")), book.word(N_("daily mean as a share of the limit"))
    row_number = 0
    for site in report.sites:
        rows = by_site.get(site.id, [])
        if not rows:
            continue
        book.header(sheet, [f"{site.name}（{site.id}）"])
        labels = [metric_label(r["pollutant"], book.locale) for r in rows]
        # A limit with a lower bound (pH's range) has no share to draw.
        shared = [k for k, r in enumerate(rows) if r["limit_low"] is None]
        header = [book.word(N_("Date"))]
        for label, r in zip(labels, rows):
            unit = f"（{r['unit']}）" if r["unit"] else ""
            header += [f"{label}{mean_word}{unit}", f"{label}{limit_word}"]
        header += [f"{labels[k]}{share_word}" for k in shared] + [f"{limit_word} 100%"]
        book.header(sheet, header)
        first = row_number + 3
        series = [report.daily[(site.id, r["pollutant"])] for r in rows]
        days = len(series[0])
        for i in range(days):
            # Plain values: a date is written with a date format by openpyxl itself, and
            # 60,000 cells of their own would double the workbook's time.
            values = [date.fromisoformat(series[0][i][0])]
            for s in series:
                values += [None if s[i][1] is None else round(s[i][1], 3), s[i][2]]
            values += [book.cell(sheet, _share(series[k][i]), PERCENT) for k in shared]
            sheet.append([*values, 1])
        last = first + days - 1
        if shared:
            start = 2 + 2 * len(rows)
            chart = LineChart()
            chart.title = f"{site.name} {title_word}"
            chart.height, chart.width = 7, 16
            chart.legend.position = "b"
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.min = 0
            chart.add_data(
                Reference(sheet, min_col=start, max_col=start + len(shared), min_row=first - 1, max_row=last),
                titles_from_data=True,
            )
            chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
            chart.x_axis.number_format = "mm-dd"
            limit = chart.series[-1]
            limit.graphicalProperties.line.dashStyle = "dash"
            limit.graphicalProperties.line.solidFill = "C00000"
            for line in chart.series:
                line.smooth = False
            chart.anchor = f"{_column(3 * width + 4)}{first - 1}"
            sheet.add_chart(chart)
        book.row(sheet, [])
        row_number = last + 1


def _share(day) -> float | None:
    """The day's mean as a share of the day's limit, rounded as the workbook shows it."""
    _, mean, high, _, _ = day
    return None if mean is None or not high else round(mean / high, 4)


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
