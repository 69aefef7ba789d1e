"""The workbook's laboratory sheets: the month's samples with their results against the
limits, the sites' sample figures, the online-against-laboratory comparisons and the data
reviews — in the report's language, as the page says them (lab_figures.py builds them)."""

from wastewatch.alerts.reviews import LABELS as REVIEW_REASONS
from wastewatch.alerts.reviews import STATES as REVIEW_STATES
from wastewatch.config.i18n import N_, gettext
from wastewatch.config.metrics import metric_label
from wastewatch.maintenance.lab import judging
from wastewatch.maintenance.lab.records import LABELS as SAMPLE_KINDS
from wastewatch.maintenance.lab.records import result_text

from .document import JUDGED_BY

SAMPLES = [
    ("site_id", N_("Site ID"), 12),
    ("site_name", N_("Site"), 24),
    ("sample_id", N_("Sample"), 8),
    ("sampled_at", N_("Sampled at"), 17),
    ("kind_text", N_("Kind"), 10),
    ("laboratory", N_("Laboratory"), 22),
    ("report_no", N_("Report number"), 20),
    ("item_label", N_("Item"), 14),
    ("result_text", N_("Result"), 18),
    ("unit", N_("Unit"), 7),
    ("limit", N_("Limit"), 9),
    ("verdict_text", N_("Verdict"), 9),
    ("version", N_("Version"), 7),
    ("method", N_("Method"), 36),
]
SAMPLE_SITES = [
    ("site_id", N_("Site ID"), 12),
    ("site_name", N_("Site"), 24),
    ("judged_by_text", N_("Judged by"), 30),
    ("samples_due", N_("Samplings due"), 9),
    ("samples_taken", N_("Samples taken"), 9),
    ("samples_reported", N_("Samples reported"), 9),
    ("samples_judged", N_("Samples judged"), 9),
    ("samples_meeting", N_("Samples meeting every limit"), 10),
    ("sample_compliance_rate", N_("Sample compliance rate"), 10),
    ("results_overdue", N_("Results overdue"), 9),
]
COMPARISONS = [
    ("site_id", N_("Site ID"), 12),
    ("sample_id", N_("Sample"), 8),
    ("sampled_at", N_("Sampled at"), 17),
    ("item_label", N_("Item"), 14),
    ("lab_value", N_("Laboratory"), 10),
    ("online_value", N_("Analyser"), 10),
    ("online_at", N_("Analyser reading at"), 17),
    ("difference", N_("Difference"), 10),
    ("tolerance", N_("Tolerance"), 10),
    ("beyond_tolerance", N_("Beyond tolerance"), 9),
]
REVIEWS = [
    ("review_id", N_("Review"), 7),
    ("site_id", N_("Site ID"), 12),
    ("metric_label", N_("Series"), 14),
    ("from", N_("From"), 17),
    ("until", N_("Until"), 17),
    ("reason_text", N_("Reason"), 14),
    ("note", N_("Note"), 30),
    ("state_text", N_("State"), 9),
    ("proposed_by", N_("Proposed by"), 12),
    ("decided_by", N_("Accepted by"), 12),
    ("restored_by", N_("Restored by"), 12),
]
PERCENT = "0.00%"


def write(book, report, locale: str) -> None:
    def word(text: str) -> str:
        return gettext(locale, text)

    lab = report.lab
    book.table(
        "samples",
        SAMPLES,
        [
            {
                **r,
                "kind_text": word(SAMPLE_KINDS.get(r["kind"], r["kind"])),
                "item_label": metric_label(r["item"], locale),
                "result_text": result_text(r["row"], locale),
                "verdict_text": word(judging.VERDICTS[r["verdict"]]),
            }
            for r in lab.samples
        ],
    )
    book.table(
        "sample_sites",
        SAMPLE_SITES,
        [{**r, "judged_by_text": word(JUDGED_BY[r["judged_by"]])} for r in lab.sites],
    )
    book.table(
        "comparisons",
        COMPARISONS,
        [{**c, "item_label": metric_label(c["item"], locale)} for c in lab.comparisons],
        formats={"difference": PERCENT, "tolerance": PERCENT},
    )
    book.table(
        "reviews",
        REVIEWS,
        [
            {
                **r,
                "metric_label": metric_label(r["metric"], locale),
                "reason_text": word(REVIEW_REASONS.get(r["reason"], r["reason"])),
                "state_text": word(REVIEW_STATES.get(r["state"], r["state"])),
            }
            for r in lab.reviews
        ],
    )
