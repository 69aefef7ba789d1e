"""Every figure of the monthly report and how it is computed: printed in the report's last
section (in the report's language: the Chinese is in the catalogue, config/locale) and in
docs/operators/report.md. Change a formula here, in reports.py and in that page together."""

from wastewatch.config.i18n import N_

# CSV columns copied from the config (site inventory) and the standard that applies: named,
# not computed. Every other column has its formula below (tests/maintenance/test_formulas.py).
COPIED = (
    "site_id", "site_name", "town", "pollutant", "unit", "standard", "grade", "limit", "basis", "limit_verified",
)  # fmt: skip

FORMULAS = [
    (
        N_(
            "site_id / site_name / town / pollutant / unit / standard / grade / limit / basis / limit_verified"
        ),
        N_(
            "copied from the config (site inventory) and the standard that applies to the site (limit, grade, basis, verified or provisional); not computed"
        ),
    ),
    (N_("Days"), N_("local days of the month in the service's time zone")),
    (
        N_("valid sample"),
        N_(
            "flag N (or none), finite, inside the instrument (or plausible) range, outside maintenance windows, outside data reviews in force and outside spans a stuck-value alert marked suspect"
        ),
    ),
    (N_("expected_samples"), N_("Σ over days of the day's length in seconds ÷ the metric's interval")),
    (N_("received_samples / valid_samples"), N_("samples received in the month / of them, valid samples")),
    (
        N_("valid_days"),
        N_("days whose valid samples ≥ min_valid_fraction (default 75 %) × the day's expected samples"),
    ),
    (N_("daily mean"), N_("arithmetic mean of the day's valid samples")),
    (
        N_("exceedance_days"),
        N_(
            "valid days whose daily mean is over the day's limit (basis daily_mean), or with any valid sample over it (basis sample); for pH, any valid sample outside the range. The day's limit applies the temperature clause with the day's mean water temperature"
        ),
    ),
    (N_("compliance_rate"), N_("(valid_days − exceedance_days) ÷ valid_days; empty when valid_days is 0")),
    (
        N_("monthly_mean / max_daily_mean / max_sample"),
        N_("mean of the valid days' means / the largest valid day's mean / the largest valid sample"),
    ),
    (
        N_("expected_readings / received_readings / valid_readings"),
        N_("Σ over the site's metrics of expected / received / valid readings"),
    ),
    (
        N_("alerts_opened / work_orders_opened / work_orders_closed"),
        N_("alerts opened / work orders opened / work orders closed in the month"),
    ),
    (
        N_("transmission_rate / validity_rate"),
        N_("all the site's metrics: received ÷ expected / valid ÷ expected"),
    ),
    (N_("treated_volume_m3"), N_("Σ over valid flow samples of flow (m³/h) × interval (s) ÷ 3,600")),
    (N_("operating_rate"), N_("hours with at least one valid flow sample > 0 ÷ hours in the month")),
    (
        N_("ack_on_time_rate / repair_on_time_rate"),
        N_(
            "of the orders (not cancelled) whose acknowledgement (repair) deadline fell in the month, the share acknowledged (reported done) by it; routine orders have no separate acknowledgement deadline"
        ),
    ),
    (N_("mean_hours_to_close"), N_("mean hours from opening to closing of the orders closed in the month")),
    (
        N_("inspections_due / inspections_done"),
        N_(
            "routine inspections whose period ends in the month by the calendar / those reported done by then"
        ),
    ),
    (
        N_("visits_checked / visits_flagged / visits_unchecked"),
        N_(
            "routine inspections reported done in the month, by the check-in each report carries (the last before it): every check passed (this site's plate in use, within the configured distance of the site, the position's accuracy within the configured bound, and no check failed) / checked in with a check failed or not possible / reported without a check-in"
        ),
    ),
    (
        N_("score"),
        N_(
            "100 × Σ weight × rate ÷ Σ weight over the rates the site had that month (the others rescaled); site compliance = Σ(valid days − exceedance days) ÷ Σ valid days; inspection rate = inspections_done ÷ inspections_due"
        ),
    ),
    (
        N_("county"),
        N_(
            "compliance = Σ(valid days − exceedance days) ÷ Σ valid days over every site and pollutant; fully compliant site = at least one valid day and no exceedance day; overdue faults = non-routine orders whose repair deadline fell in the month and were not done by it"
        ),
    ),
    (
        N_("sample_id / sampled_at / kind / laboratory / lab_cma / report_no / item / method"),
        N_(
            "copied from the sample's record and its laboratory report (sampled_at in the service's time zone); not computed"
        ),
    ),
    (
        N_("result / value / detection_limit / version"),
        N_(
            "the newest version of the item's result, as the laboratory wrote it; below detection (ND, 未检出, <4, 4L) leaves value empty and gives the detection limit (the laboratory's, or the method's); earlier versions are kept"
        ),
    ),
    (
        N_("verdict"),
        N_(
            "each result judged as a single sample against the site's limit for the item: over when the value is above it (pH: outside the range), meets otherwise; below detection meets, unless the detection limit is itself above the limit (then not judged); not judged where the site has no limit for the item"
        ),
    ),
    (
        N_("samples_due / samples_taken / samples_reported / results_overdue"),
        N_(
            "routine sampling periods ending in the month / samples taken in the month, of every kind / of them, with results / of them, whose results were owed by the month's end and had not arrived"
        ),
    ),
    (
        N_("samples_judged / samples_meeting / sample_compliance_rate"),
        N_(
            "samples with at least one judged result / of them, those meeting every judged limit / samples_meeting ÷ samples_judged; empty when samples_judged is 0"
        ),
    ),
    (
        N_("judged_by"),
        N_(
            "online: the site measures a controlled pollutant online; samples: it does not, and has a judged sample; both; none: neither"
        ),
    ),
    (
        N_("lab_value / online_value / online_at / difference / tolerance / beyond_tolerance"),
        N_(
            "for a result above detection of an item the site also measures online: the valid analyser reading nearest the sampling time within the lab_comparison rule's window; difference = |online − laboratory| ÷ laboratory; beyond_tolerance when difference > tolerance"
        ),
    ),
    (
        N_(
            "review_id / metric / from / until / reason / note / state / proposed_by / decided_by / decided_at / restored_by / restored_at"
        ),
        N_(
            "copied from the data review: the series and span marked invalid, why, who proposed it, who accepted or restored it and when; readings inside a review in force are not valid samples"
        ),
    ),
    (
        N_("county by judgement"),
        N_(
            "sites counted by judged_by; county sample compliance = Σ samples_meeting ÷ Σ samples_judged over every site"
        ),
    ),
    (
        N_("number format"),
        N_(
            "rates as fractions with 4 decimals, concentrations with 3, volumes and hours with 1; empty when there is no data"
        ),
    ),
]
