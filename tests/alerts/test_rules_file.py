"""Mistakes in the rules and standards files: the file, the key and what is allowed."""

import pytest

from tests.support import wastewatch
from wastewatch.alerts.rules import load_rules
from wastewatch.alerts.standards import Standards
from wastewatch.config import ConfigError
from wastewatch.config.loader import SHIPPED

RULES = (SHIPPED / "rules.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            ("[comms_loss]\n", "[comms_loss]\nafter = 5\n"),
            "comms_loss.after: unknown key; allowed keys here: enabled, severity, clear_hold_s, "
            "work_order_after_s, "
            "work_order_kind, citation, verified, after_s",
        ),
        (
            ('severity = "warning"\nafter_s = 21600', 'severity = "urgent"\nafter_s = 21600'),
            "zero_flow.severity: must be 'info', 'warning' or 'critical' (got 'urgent')",
        ),
        (
            ("consecutive = 3", "consecutive = 0"),
            "sample_exceedance.consecutive: must be greater than or equal to 1 (got 0)",
        ),
        (("factor = 1.2", 'factor = "1.2"'), "hydraulic_overload.factor: must be a valid number (got '1.2')"),
        (
            ('metrics = ["pump_state", "blower_state"]', 'metrics = ["pump"]'),
            "equipment.metrics[0]: unknown metric 'pump'; allowed: flow, flow_total, cod, bod5, nh3n, "
            "tn, tp, ss, ph, "
            "water_temp, do, oil, pump_state, blower_state, energy",
        ),
        (
            ('every = "14d"', 'every = "5mo"'),
            "inspections.schedule[1].every: '5mo' is not a period; use days such as '7d' or months "
            "that divide a year "
            "('1mo', '2mo', '3mo', '4mo', '6mo', '12mo')",
        ),
        (
            ('kind = "fault_repair"\nacknowledge_within_h', 'kind = "repair"\nacknowledge_within_h'),
            "work_orders.deadlines[0].kind: must be 'fault_repair', 'exceedance_investigation', "
            "'comms_restore', "
            "'routine_inspection', 'effluent_sampling', 'operator_request' or 'instrument_check' "
            "(got 'repair')",
        ),
        (
            ("reminder_at = 0.75", "reminder_at = 1.5"),
            "work_orders.reminder_at: must be less than 1 (got 1.5)",
        ),
        (
            ('digest_at = "08:00"', 'digest_at = "8am"'),
            "work_orders.digest_at: '8am' is not a local time; use HH:MM such as '08:00'",
        ),
        (
            ('citation = "项目默认值（暂定）：同一数值', 'citation = "docs/domain.md §5 同一数值'),
            "stuck_value.citation: 'docs/domain.md §5 同一数值持续 6 h 视为传感器卡滞，"
            + "相关数据不计入达标判定' "
            + "cites a file; name a standard or measure, "
            + "or write 项目默认值（暂定） for a project default",
        ),
    ],
)
def test_a_bad_rules_file_names_the_key_and_what_is_allowed(tmp_path, edit, message):
    path = tmp_path / "rules.toml"
    assert edit[0] in RULES
    path.write_text(RULES.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(path)
    assert str(error.value) == f"{path}: {message}"


def test_a_standard_using_an_undefined_grade_is_refused(tmp_path):
    text = (SHIPPED / "standards" / "db51-2626-2019.toml").read_text(encoding="utf-8")
    (tmp_path / "db51.toml").write_text(text.replace('values = { "1" = 60.0', 'values = { "4" = 60.0'))
    with pytest.raises(ConfigError) as error:
        Standards.load(tmp_path)
    assert (
        str(error.value)
        == f"{tmp_path / 'db51.toml'}: grades: grade '4' is used but not defined; defined: 1, 2, 3"
    )


def test_config_check_reports_a_bad_rules_file_in_one_sentence(write_config, tmp_path):
    rules = tmp_path / "my-rules.toml"
    rules.write_text(RULES.replace("renotify_after_s = 14400", "renotify_after_s = 10"), encoding="utf-8")
    path = write_config(alerts='rules_file = "my-rules.toml"\n')
    run = wastewatch("config", "check", "--config", path)
    assert run.returncode == 1
    assert run.stderr == (
        f"wastewatch: {rules}: notifications.renotify_after_s: must be greater than or equal to 60 (got 10)\n"
    )


def test_config_check_shows_each_sites_standard_and_the_provisional_count(write_config):
    from tests.conftest import VILLAGE_SITE

    big = VILLAGE_SITE.replace('id = "helin"', 'id = "county"').replace(
        "capacity_m3d = 60.0", "capacity_m3d = 800.0"
    )
    path = write_config(extra=big)
    out = wastewatch("config", "check", "--config", path).stdout
    assert "  standards   DB51/2626-2019 一级标准: 1, GB 18918-2002 一级B标准: 1\n" in out
    assert "22 provisional values (verified = false)" in out
    assert "  pages       on 127.0.0.1:" in out and "  bureau      县生态环境局: no address" in out


def test_a_permit_with_an_unknown_grade_names_the_config_file(write_config):
    from tests.conftest import VILLAGE_SITE

    path = write_config(site=VILLAGE_SITE + 'permit = { grade = "A", reason = "许可证" }\n')
    run = wastewatch("config", "check", "--config", path)
    assert run.stderr == (
        f"wastewatch: {path}: site helin, permit.grade: DB51/2626-2019 has no grade 'A'; allowed: 1, 2, 3\n"
    )


def test_no_shipped_citation_quotes_a_file():
    rules = load_rules(SHIPPED / "rules.toml")
    citations = [
        getattr(rules, name).citation
        for name in type(rules).model_fields
        if hasattr(getattr(rules, name), "citation")
    ]
    assert len(citations) >= 10 and not [c for c in citations if ".md" in c]
