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
            "flag N (or none), finite, inside the instrument (or plausible) range, outside maintenance windows and outside spans a stuck-value alert marked suspect"
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
        N_("number format"),
        N_(
            "rates as fractions with 4 decimals, concentrations with 3, volumes and hours with 1; empty when there is no data"
        ),
    ),
]
