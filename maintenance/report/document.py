"""The monthly report as people read it: an HTML page for the screen and the email, and the
same page printed to an A4 PDF (WeasyPrint), the version a bureau stamps and files.

Codes become words here (pollutants, bases, grades, window kinds, score terms) and rates
become percentages; the CSV keeps the codes and fractions. Charts are SVG drawn by the
template from charts.py.
"""

from jinja2 import Environment, FileSystemLoader, select_autoescape

from wastewatch.alerts.reviews import LABELS as REVIEW_REASONS
from wastewatch.alerts.reviews import STATES as REVIEW_STATES
from wastewatch.alerts.windows import LABELS as WINDOW_KINDS
from wastewatch.config import i18n
from wastewatch.config.i18n import N_, gettext, percent
from wastewatch.config.metrics import metric_label
from wastewatch.maintenance.lab import judging
from wastewatch.maintenance.lab.records import LABELS as SAMPLE_KINDS
from wastewatch.maintenance.lab.records import result_text

from . import charts
from .cells import cell
from .columns import COMPLIANCE_COLUMNS, OPERATIONS_COLUMNS
from .figures import MonthlyReport
from .formulas import FORMULAS
from .press import TEMPLATES

# jinja2's i18n extension: the template's `_()`, `pgettext()` and `{% trans %}` take the
# catalogue of the locale each render passes in.
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)

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
# Chinese text takes full-width punctuation; English the ASCII one with its spaces.
PUNCTUATION = {
    "zh-CN": {"open": "（", "close": "）", "comma": "，", "colon": "：", "list": "；"},
    "en": {"open": " (", "close": ")", "comma": ", ", "colon": ": ", "list": "; "},
}


def punctuation(locale: str) -> dict[str, str]:
    return PUNCTUATION["zh-CN" if locale == "zh-CN" else "en"]


# How a site's compliance this month is judged (lab_figures.judged_by).
JUDGED_BY = {
    "online": N_("judged on its online analysers"),
    "samples": N_("no online analyser: judged by its laboratory samples"),
    "both": N_("judged on its online analysers and its laboratory samples"),
    "none": N_("no online analyser and no laboratory result this month: not judged"),
}
NO_DATA = N_("no readings this month")
NO_VALID_DAY = N_("no valid day: too few valid samples on every day")


def shown(column: str, value, locale: str) -> str:
    """A figure as the page shows it: rates as percentages, the rest as in the CSV."""
    if column.endswith("_rate") and isinstance(value, float):
        return percent(value, locale)
    return cell(column, value)


def html(
    report: MonthlyReport,
    locale: str = "zh-CN",
    version: int = 1,
    changes=(),
    charts: bool = True,
    download: dict | None = None,
) -> str:
    """The whole page: for the screen, and the email (without charts; `download`: where the
    PDF too large to attach is, {url, mb})."""
    return render({**context(report, locale, version, changes, charts), "download": download})


def render(
    shown: dict,
    sites: list | None = None,
    front: bool = True,
    sites_heading: bool = True,
    tail: bool = True,
    toc: list | None = None,
    numbered: bool = True,
    header: bool = True,
    page_numbers: tuple = (),
) -> str:
    """The page of context() — or a part of it, for the PDF printed in parts (printing.py):
    the front matter (title, county, scorecards), a table of contents, `sites` (default all)
    under their heading, the tail (laboratory, reviews, formulas), each page numbered "n / N"
    or not, with the running header or without; `page_numbers`: blank pages footed by these
    texts instead of the page counter (the numbers stamped on a document printed in parts)."""
    return _env.get_template("report.html").render(
        {**shown, "sites": shown["sites"] if sites is None else sites},
        front=front,
        sites_heading=sites_heading,
        tail=tail,
        toc=toc,
        numbered=numbered,
        header=header,
        page_numbers=page_numbers,
    )


def context(report: MonthlyReport, locale: str = "zh-CN", version: int = 1, changes=(), charts: bool = True):
    """What the page shows, in words. Sites come town by town (in the order the config first
    names each town, each town's sites in config order), each town's first site headed by
    the town: the printed report's chapters."""

    def word(text: str) -> str:
        return gettext(locale, text)

    def row_shown(r: dict) -> dict:
        shown_row = {c: shown(c, r[c], locale) for c in COMPLIANCE_COLUMNS}
        shown_row["pollutant"] = metric_label(r["pollutant"], locale)
        shown_row["basis"] = word(BASES.get(r["basis"], r["basis"]))
        shown_row["grade"] = r["grade_label"][locale]
        return shown_row

    by_site: dict = {}
    for r in report.compliance:
        by_site.setdefault(r["site_id"], []).append(r)
    samples_of: dict = {}
    for r in report.lab.samples:
        samples_of.setdefault(r["site_id"], []).append(_sample_shown(r, locale))
    sampled = {r["site_id"]: r for r in report.lab.sites}
    operations = {r["site_id"]: r for r in report.operations}
    towns = list(dict.fromkeys(site.town for site in report.sites))
    sites = []
    for site in sorted(report.sites, key=lambda s: towns.index(s.town)):
        rows, ops = by_site.get(site.id, []), operations[site.id]
        sites.append(
            {
                "site": site,
                "town_heading": not sites or sites[-1]["site"].town != site.town,
                "windows": [
                    {**w, "kind_label": word(WINDOW_KINDS.get(w["kind"], w["kind"]))}
                    for w in report.windows
                    if w["site_id"] == site.id
                ],
                "rows": [row_shown(r) for r in rows],
                "ops": {c: shown(c, ops[c], locale) for c in OPERATIONS_COLUMNS},
                "charts": Charts(report, rows, locale) if charts else (),
                "samples": samples_of.get(site.id, []),
                "sampling": _sampling_shown(sampled.get(site.id), locale),
            }
        )
    translations = i18n.translations(locale)
    return dict(
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        pgettext=translations.pgettext,
        _=translations.gettext,
        locale=locale,
        p=punctuation(locale),
        month=report.month,
        issuer=report.issuer,
        as_of=report.as_of_text,
        version=version,
        changes=list(changes),
        sites=sites,
        county={k: shown(k, v, locale) for k, v in report.county.items()},
        cards=[
            {k: shown("score" if k == "mean_score" else k, v, locale) for k, v in c.items()}
            for c in report.scorecards
        ],
        formulas=[(word(name), word(text)) for name, text in FORMULAS],
        weights={word(SCORE_TERMS.get(k, k)): w for k, w in report.weights.items()},
        provisional=[
            {
                **p,
                "pollutant": metric_label(p["pollutant"], locale),
                "grade": p["grade_label"][locale],
                "basis": word(BASES.get(p["basis"], p["basis"])),
                "reasons": punctuation(locale)["list"].join(word(r) for r in p["reasons"]),
            }
            for p in report.unverified
        ],
        charts=charts,
        comparisons=[
            {
                **c,
                "item_label": metric_label(c["item"], locale),
                "difference_text": percent(c["difference"], locale),
                "tolerance_text": percent(c["tolerance"], locale),
            }
            for c in report.lab.comparisons
        ],
        reviews=[
            {
                **r,
                "metric_label": metric_label(r["metric"], locale),
                "reason_text": word(REVIEW_REASONS.get(r["reason"], r["reason"])),
                "state_text": word(REVIEW_STATES.get(r["state"], r["state"])),
            }
            for r in report.lab.reviews
        ],
    )


class Charts:
    """A site's charts, drawn each time the page is rendered and not kept: a county printed in
    parts holds one part's charts at a time (maintenance/report/printing.py)."""

    def __init__(self, report: MonthlyReport, rows: list, locale: str):
        self.report, self.rows, self.locale = report, rows, locale

    def __iter__(self):
        return (_chart(self.report, r, self.locale) for r in self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _sample_shown(r: dict, locale: str) -> dict:
    """A sample's result as the page prints it: its words, never a code, never 0 for ND."""
    return {
        **r,
        "kind_text": gettext(locale, SAMPLE_KINDS.get(r["kind"], r["kind"])),
        "item_label": metric_label(r["item"], locale),
        "result_text": result_text(r["row"], locale),
        "verdict_text": gettext(locale, judging.VERDICTS[r["verdict"]]),
        "basis_text": gettext(locale, BASES.get(r["basis"], r["basis"])) if r["basis"] else "",
    }


def _sampling_shown(row: dict | None, locale: str) -> dict:
    if row is None:
        return {}
    return {
        **{k: shown(k, v, locale) for k, v in row.items()},
        "judged_by_text": gettext(locale, JUDGED_BY[row["judged_by"]]),
        "any": bool(row["samples_due"] or row["samples_taken"]),
    }


def _chart(report: MonthlyReport, row: dict, locale: str) -> charts.Chart:
    series = report.daily[(row["site_id"], row["pollutant"])]
    label = metric_label(row["pollutant"], locale)
    basis = gettext(locale, N_("daily mean"))
    p = punctuation(locale)
    unit = f"{p['comma']}{row['unit']}" if row["unit"] else ""
    title = f"{label}{p['open']}{basis}{unit}{p['close']}"
    empty = NO_DATA if not row["received_samples"] else NO_VALID_DAY
    return charts.chart(
        series,
        title,
        report.days_in_month or len(series),
        gettext(locale, N_("limit")),
        gettext(locale, empty),
    )
