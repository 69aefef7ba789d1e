"""The monthly report as files: two CSV tables, an XLSX workbook and a printable HTML page.

CSV is the auditable form: UTF-8, a header row, '.' as the decimal point, no thousands
separators, fixed decimals per column, rows in site and pollutant order, "\\n" line ends;
the same figures give the same bytes. The XLSX holds the same numbers (rounded the same way)
plus the county sheet, the scorecards, the formulas and charts. The HTML has a chart per site
and pollutant of daily means against the limit, drawn as SVG by the template: 28–31 points and
a limit line each. matplotlib, measured here, took 0.1 s per site (four panels as SVG), 50 s
for 500 sites, against a whole report of under 3 s.
"""

import csv
import io
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from wastewatch.config import i18n
from wastewatch.config.i18n import N_, gettext, percent
from wastewatch.config.metrics import metric_label

from .formulas import FORMULAS
from .reports import COMPLIANCE_COLUMNS, DECIMALS, OPERATIONS_COLUMNS, MonthlyReport
from .windows import LABELS as WINDOW_KINDS

TEMPLATES = Path(__file__).resolve().parent / "templates"
# jinja2's i18n extension: the template's `_()`, `pgettext()` and `{% trans %}` take the
# catalogue of the locale each render passes in (html()).
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
FORMATS = ("csv", "xlsx", "html")


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


def number(column: str, value):
    """The same value as the CSV cell, as a number for the workbook."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    return round(value, DECIMALS.get(column, 3))


def csv_text(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(c, row[c]) for c in columns])
    return out.getvalue()


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
        written.append(write_xlsx(report, out / f"report-{report.month}.xlsx", locale, version, changes))
    if "html" in formats:
        path = out / f"report-{report.month}.html"
        path.write_text(html(report, locale, version, changes), encoding="utf-8")
        written.append(path)
    return written


def write_xlsx(report: MonthlyReport, path: Path, locale: str, version: int, changes) -> Path:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    # Write-only: rows stream to the file (a 500-site county is 2,000 rows a sheet).
    book = Workbook(write_only=True)
    sheet = book.create_sheet("compliance")
    _table(sheet, report.compliance, COMPLIANCE_COLUMNS)
    operations = book.create_sheet("operations")
    _table(operations, report.operations, OPERATIONS_COLUMNS)
    county = book.create_sheet("county")
    _append(county, ["month", report.month])
    _append(county, ["version", version])
    for key, value in report.county.items():
        _append(county, [key, number(key, value)])
    _append(county, [])
    _append(county, ["pollutant", "valid_days", "exceedance_days", "compliance_rate"])
    first = 3 + len(report.county) + 2  # the row after that header
    pollutants = _by_pollutant(report)
    for pollutant, (valid, exceed) in pollutants.items():
        _append(
            county,
            [
                pollutant,
                valid,
                exceed,
                number("compliance_rate", (valid - exceed) / valid if valid else None),
            ],
        )
    if pollutants:
        last = first + len(pollutants) - 1
        chart = BarChart()
        chart.title = gettext(locale, N_("Compliance by pollutant"))
        chart.add_data(Reference(county, min_col=4, min_row=first - 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(county, min_col=1, min_row=first, max_row=last))
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.anchor = "F2"
        county.add_chart(chart)
    cards = book.create_sheet("scorecards")
    columns = [
        "contractor",
        "name",
        "sites",
        "mean_score",
        "compliance_rate",
        "transmission_rate",
        "work_orders_opened",
        "work_orders_closed",
        "inspections_due",
        "inspections_done",
    ]
    _table(cards, report.scorecards, columns, decimals={"mean_score": "score"})
    if report.scorecards:
        last = 1 + len(report.scorecards)
        chart = BarChart()
        chart.title = gettext(locale, N_("Contractor scores"))
        chart.add_data(Reference(cards, min_col=4, min_row=1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(cards, min_col=1, min_row=2, max_row=last))
        chart.anchor = "L2"
        cards.add_chart(chart)
    weights = book.create_sheet("formulas")
    _append(weights, ["score weight", "value"])
    for term, weight in report.weights.items():
        _append(weights, [term, weight])
    _append(weights, [])
    for name, text in FORMULAS:
        _append(weights, [gettext(locale, name), gettext(locale, text)])
    _append(weights, [])
    _append(weights, [gettext(locale, N_("unverified limits"))])
    for line in report.unverified:
        _append(weights, [line])
    stops = book.create_sheet("windows")
    _append(stops, ["site_id", "kind", "from", "until", "reason"])
    for window in report.windows:
        _append(stops, [window["site_id"], window["kind"], window["from"], window["until"], window["reason"]])
    if changes:
        changed = book.create_sheet("changes")
        _append(changed, [f"version {version}"])
        for line in changes:
            _append(changed, [line])
    book.properties.creator = "Wastewatch"
    book.save(path)
    return path


def _table(sheet, rows, columns, decimals: dict | None = None) -> None:
    sheet.freeze_panes = "A2"
    _append(sheet, columns)
    for row in rows:
        _append(sheet, [number((decimals or {}).get(c, c), row[c]) for c in columns])


def _append(sheet, values: list) -> None:
    """A row of the workbook, every text written as text: openpyxl makes a string starting
    with "=" a live formula, and a site or reason typed by a person must stay words."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str) and value.startswith("="):
            value = WriteOnlyCell(sheet, value=value)
            value.data_type = "s"
        row.append(value)
    sheet.append(row)


def _by_pollutant(report: MonthlyReport) -> dict:
    totals: dict = {}
    for row in report.compliance:
        valid, exceed = totals.get(row["pollutant"], (0, 0))
        totals[row["pollutant"]] = (valid + row["valid_days"], exceed + row["exceedance_days"])
    return dict(sorted(totals.items()))


# The words of codes the report's tables hold (the CSV keeps the codes).
BASES = {"daily_mean": N_("daily mean"), "sample": N_("single sample")}
SCORE_TERMS = {
    "operating_rate": N_("operating rate"),
    "compliance_rate": N_("compliance rate"),
    "transmission_rate": N_("transmission rate"),
    "ack_on_time_rate": N_("acknowledged on time"),
    "repair_on_time_rate": N_("repaired on time"),
    "inspection_rate": N_("inspections done"),
}


def shown(column: str, value, locale: str) -> str:
    """A figure as the HTML report shows it: rates as percentages, the rest as in the CSV."""
    if column.endswith("_rate") and isinstance(value, float):
        return percent(value, locale)
    return cell(column, value)


def html(
    report: MonthlyReport, locale: str = "zh-CN", version: int = 1, changes=(), charts: bool = True
) -> str:
    def row_shown(r: dict) -> dict:
        shown_row = {c: shown(c, r[c], locale) for c in COMPLIANCE_COLUMNS}
        shown_row["pollutant"] = metric_label(r["pollutant"], locale)
        shown_row["basis"] = gettext(locale, BASES.get(r["basis"], r["basis"]))
        shown_row["grade"] = r["grade_label"][locale]
        return shown_row

    sites = []
    by_site: dict = {}
    for r in report.compliance:
        by_site.setdefault(r["site_id"], []).append(r)
    operations = {r["site_id"]: r for r in report.operations}
    for site in report.sites:
        rows, ops = by_site.get(site.id, []), operations[site.id]
        sites.append(
            {
                "site": site,
                "windows": [
                    {**w, "kind_label": gettext(locale, WINDOW_KINDS.get(w["kind"], w["kind"]))}
                    for w in report.windows
                    if w["site_id"] == site.id
                ],
                "rows": [row_shown(r) for r in rows],
                "ops": {c: shown(c, ops[c], locale) for c in OPERATIONS_COLUMNS},
                "charts": [
                    _chart(
                        report.daily[(site.id, r["pollutant"])],
                        metric_label(r["pollutant"], locale),
                        r["unit"],
                    )
                    for r in rows
                ]
                if charts
                else [],
            }
        )
    template = _env.get_template("report.html")
    translations = i18n.translations(locale)
    return template.render(
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        pgettext=translations.pgettext,
        _=translations.gettext,
        locale=locale,
        month=report.month,
        version=version,
        changes=list(changes),
        sites=sites,
        county={k: shown(k, v, locale) for k, v in report.county.items()},
        cards=[
            {k: shown("score" if k == "mean_score" else k, v, locale) for k, v in c.items()}
            for c in report.scorecards
        ],
        formulas=[(gettext(locale, name), gettext(locale, text)) for name, text in FORMULAS],
        weights={gettext(locale, SCORE_TERMS.get(k, k)): w for k, w in report.weights.items()},
        unverified=report.unverified,
        charts=charts,
    )


def _chart(series, label: str, unit: str, width: int = 320, height: int = 120) -> dict:
    """Points for an SVG line of daily means and the limit line(s), scaled to the box."""
    means = [m for _, m, _, _, _ in series if m is not None]
    highs = [h for _, _, h, _, _ in series]
    lows = [lo for _, _, _, lo, _ in series if lo is not None]
    top = max(means + highs) * 1.1 if (means or highs) else 1.0
    bottom = min(means + lows + [0.0]) if lows else 0.0
    scale = (height - 30) / ((top - bottom) or 1.0)
    xs = _xs(len(series), width)
    base = height - 20 + bottom * scale

    def y(v: float) -> str:
        return "%.1f" % (base - v * scale)

    segments, current = [], []
    for i, (_, mean, _, _, _) in enumerate(series):
        if mean is None:
            if current:
                segments.append(" ".join(current))
            current = []
        else:
            current.append(f"{xs[i]},{y(mean)}")
    if current:
        segments.append(" ".join(current))
    return {
        "label": label,
        "unit": unit,
        "width": width,
        "height": height,
        "segments": segments,
        "limit": _steps(xs, highs, y),
        "low": _steps(xs, [lo for _, _, _, lo, _ in series], y) if lows else "",
        "over": [(xs[i], y(m)) for i, (_, m, _, _, over) in enumerate(series) if over and m is not None],
        "top": f"{top:g}",
        "bottom": f"{bottom:g}",
        "days": len(series),
    }


_X_CACHE: dict = {}


def _xs(count: int, width: int) -> list[str]:
    key = (count, width)
    if key not in _X_CACHE:
        step = (width - 40) / max(count - 1, 1)
        _X_CACHE[key] = ["%.1f" % (30 + i * step) for i in range(count)]
    return _X_CACHE[key]


def _steps(xs: list[str], values: list, y) -> str:
    """A limit line: a point where the value changes (the temperature clause) and at both ends."""
    points = []
    for i, value in enumerate(values):
        if i == 0 or i == len(values) - 1 or value != values[i - 1] or value != values[i + 1]:
            points.append(f"{xs[i]},{y(value)}")
    return " ".join(points)
