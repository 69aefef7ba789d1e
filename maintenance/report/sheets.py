"""The workbook's sheets: their names, each table's columns (key, header, width) and the
number format of each column, in the CSV's decimals."""

from wastewatch.config import i18n
from wastewatch.config.i18n import N_, NP_

from .columns import DECIMALS

# Number formats: rates as percentages, the rest with the CSV's decimals.
PERCENT, MINUTE = "0.00%", "yyyy-mm-dd hh:mm"


def column_format(key: str) -> str | None:
    """A column's number format; None where the spreadsheet's own shows it right (counts).
    A cell with a format of its own costs three times a plain one to write."""
    if key.endswith("_rate"):
        return PERCENT
    if key in DECIMALS:
        return "0." + "0" * DECIMALS[key]
    return None


# (key, header, width in characters) per sheet. Keys are the CSV's columns, or a value the
# row is given here (pollutant_label, limit_low...).
COMPLIANCE = [
    ("site_id", N_("Site ID"), 12),
    ("site_name", N_("Site"), 26),
    ("town", N_("Town"), 10),
    ("pollutant_label", N_("Pollutant"), 14),
    ("unit", N_("Unit"), 7),
    ("standard", N_("Standard"), 16),
    ("grade_text", N_("Grade"), 10),
    ("limit_low", N_("Lower limit"), 9),
    ("limit_high", N_("Limit"), 9),
    ("basis_text", N_("Judged on"), 10),
    ("expected_samples", N_("Samples expected"), 10),
    ("received_samples", N_("Samples received"), 10),
    ("valid_samples", N_("Valid samples"), 10),
    ("valid_days", N_("Valid days"), 9),
    ("exceedance_days", N_("Exceedance days"), 9),
    ("compliance_rate", N_("Compliance"), 10),
    ("monthly_mean", N_("Monthly mean"), 10),
    ("max_daily_mean", N_("Max daily mean"), 10),
    ("max_sample", N_("Max sample"), 10),
    ("verified_text", N_("Limit verified"), 9),
]
OPERATIONS = [
    ("site_id", N_("Site ID"), 12),
    ("site_name", N_("Site"), 26),
    ("expected_readings", N_("Readings expected"), 11),
    ("received_readings", N_("Readings received"), 11),
    ("transmission_rate", N_("Transmission rate"), 10),
    ("valid_readings", N_("Valid readings"), 11),
    ("validity_rate", N_("Validity rate"), 10),
    ("treated_volume_m3", N_("Treated volume (m³)"), 12),
    ("operating_rate", N_("Operating rate"), 10),
    ("alerts_opened", N_("Alerts opened"), 9),
    ("work_orders_opened", N_("Work orders opened"), 10),
    ("work_orders_closed", N_("Work orders closed"), 10),
    ("ack_on_time_rate", N_("Acknowledged on time"), 10),
    ("repair_on_time_rate", N_("Repaired on time"), 10),
    ("mean_hours_to_close", N_("Mean hours to close"), 10),
    ("inspections_due", N_("Inspections due"), 9),
    ("inspections_done", N_("Inspections done"), 9),
    ("score", N_("Score"), 8),
]
COUNTY = {
    "sites": N_("Sites"),
    "sites_fully_compliant": N_("Sites fully compliant"),
    "compliance_rate": N_("Compliance rate"),
    "transmission_rate": N_("Transmission rate"),
    "validity_rate": N_("Validity rate"),
    "treated_volume_m3": N_("Treated volume (m³)"),
    "faults_opened": N_("Faults opened"),
    "faults_closed": N_("Faults closed"),
    "faults_overdue": N_("Faults overdue"),
    "sites_judged_online": N_("Sites judged online"),
    "sites_judged_by_samples": N_("Sites judged by samples only"),
    "sites_judged_both": N_("Sites judged online and by samples"),
    "sites_not_judged": N_("Sites not judged"),
    "sample_compliance_rate": N_("Sample compliance rate"),
}
SCORECARDS = [
    ("contractor", N_("Contractor ID"), 14),
    ("name", N_("Contractor"), 24),
    ("sites", N_("Sites"), 8),
    ("mean_score", N_("Mean score"), 10),
    ("compliance_rate", N_("Compliance rate"), 10),
    ("transmission_rate", N_("Transmission rate"), 10),
    ("work_orders_opened", N_("Work orders opened"), 10),
    ("work_orders_closed", N_("Work orders closed"), 10),
    ("inspections_due", N_("Inspections due"), 9),
    ("inspections_done", N_("Inspections done"), 9),
    ("visits_checked", N_("Visits, every check passed"), 10),
    ("visits_flagged", N_("Visits with flags"), 10),
    ("visits_unchecked", N_("Visits without check-in"), 10),
]
SHEETS = {
    "compliance": NP_("sheet", "Compliance"),
    "operations": NP_("sheet", "Operations"),
    "county": NP_("sheet", "County"),
    "scorecards": NP_("sheet", "Scorecards"),
    "daily": NP_("sheet", "Daily means"),
    "windows": NP_("sheet", "Maintenance windows"),
    "samples": NP_("sheet", "Laboratory samples"),
    "sample_sites": NP_("sheet", "Samples by site"),
    "comparisons": NP_("sheet", "Analyser vs laboratory"),
    "reviews": NP_("sheet", "Data reviews"),
    "formulas": NP_("sheet", "Formulas"),
    "provisional": NP_("sheet", "Provisional limits"),
    "changes": NP_("sheet", "Changes"),
}


def sheet_name(key: str, locale: str) -> str:
    return i18n.translations(locale).pgettext("sheet", SHEETS[key])
