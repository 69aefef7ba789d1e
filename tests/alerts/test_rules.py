"""The rules against real SQLite with the clock passed in: what opens, what resolves, and when.

The village site (conftest): 60 m³/d, class III water, key control area → DB51/2626-2019 grade 1
(COD 60 mg/L, NH3-N 8 (15) mg/L, pH 6–9); cod and nh3n hourly, flow, ph, pump_state and
water_temp every 5 minutes.
"""

import json

import pytest

from tests.alerts.harness import DAY, HOUR, Harness


@pytest.fixture
def plant(write_config):
    harness = Harness(write_config())
    yield harness
    harness.close()


def test_it_opens_one_alert_for_values_flapping_around_the_limit(plant):
    # Three over, one under, again and again for a day: one incident, not a storm.
    for hour in range(24):
        plant.write("cod", [(hour * HOUR, 50.0 if hour % 4 == 3 else 70.0)])
        plant.cycle(hour * HOUR + 60)
    alerts = plant.alerts("sample_exceedance")
    assert len(alerts) == 1 and alerts[0]["state"] == "firing"
    assert alerts[0]["since"] == plant.clock.now - 60 - 23 * HOUR  # the first of the three
    assert len(plant.queued("alert")) == 1


def test_it_resolves_only_after_the_hold_time_of_clean_samples(plant):
    plant.write("cod", [(h * HOUR, 75.0) for h in range(3)])
    plant.cycle(2 * HOUR + 60)
    [alert] = plant.alerts("sample_exceedance")
    plant.write("cod", [(3 * HOUR, 40.0), (4 * HOUR, 41.0)])
    plant.cycle(4 * HOUR + 60)
    assert plant.alerts("sample_exceedance")[0]["state"] == "firing"  # clear for 1 h of a 2 h hold
    plant.write("cod", [(5 * HOUR, 42.0)])
    plant.cycle(5 * HOUR + 60)
    [resolved] = plant.alerts("sample_exceedance")
    assert resolved["state"] == "resolved"
    assert plant.transitions(alert["id"]) == [(None, "firing", "rules"), ("firing", "resolved", "rules")]
    first, last = plant.queued("alert")[0], plant.queued("alert-resolved")[0]
    root = first["Message-ID"].strip()  # unfolded (test_email.py)
    assert last["In-Reply-To"].strip() == root and last["References"].strip() == root


def test_missing_data_never_resolves_an_exceedance(plant):
    plant.write("cod", [(h * HOUR, 75.0) for h in range(3)])
    plant.cycle(2 * HOUR + 60)
    plant.cycle(4 * HOUR + 60)
    plant.cycle(3 * DAY)  # nothing arrives for days
    assert plant.alerts("sample_exceedance")[0]["state"] == "firing"
    assert plant.alerts("comms_loss")[0]["state"] == "firing"  # that is its own alert


def test_the_consecutive_count_survives_a_restart(plant):
    plant.write("cod", [(0, 70.0), (HOUR, 71.0)])
    plant.cycle(HOUR + 60)
    assert plant.alerts("sample_exceedance") == []
    plant.restart()
    plant.write("cod", [(2 * HOUR, 72.0)])
    plant.cycle(2 * HOUR + 60)
    [alert] = plant.alerts("sample_exceedance")
    assert json.loads(alert["detail"])["consecutive"] == 3


def test_ph_outside_its_range_is_an_exceedance_on_samples(plant):
    plant.write("ph", [(i * 300, 5.6) for i in range(3)])
    plant.cycle(900)
    [alert] = plant.alerts("sample_exceedance")
    assert (alert["metric"], alert["value"]) == ("ph", 5.6)
    assert json.loads(alert["detail"])["limit"]["low"] == 6.0


def test_comms_loss_is_raised_escalated_reminded_and_resolved(plant):
    plant.write("flow", [(0, 2.5)])
    plant.cycle(0)
    plant.cycle(HOUR)
    assert plant.alerts("comms_loss") == []
    plant.cycle(2 * HOUR)
    [alert] = plant.alerts("comms_loss")
    assert (alert["severity"], alert["since"]) == ("critical", plant.clock.now - 2 * HOUR)
    plant.cycle(2 * HOUR + 4 * HOUR)  # not acknowledged for 4 h: reminded, in the same thread
    [reminder] = plant.queued("alert-reminder")
    assert reminder["In-Reply-To"].strip() == plant.queued("alert")[0]["Message-ID"].strip()
    assert plant.work_orders() == []
    plant.cycle(24 * HOUR)
    [order] = plant.work_orders()
    assert (order["kind"], order["alert_id"], order["contractor"]) == (
        "comms_restore",
        alert["id"],
        "qingyuan",
    )
    plant.write("flow", [(24 * HOUR + 60, 2.4)])
    plant.cycle(24 * HOUR + 120)
    assert plant.alerts("comms_loss")[0]["state"] == "resolved"


def test_a_restart_after_downtime_does_not_call_every_site_silent(plant):
    plant.write("flow", [(0, 2.5)])
    plant.cycle(0)
    plant.restart()  # down for 5 h; the broker's backlog has not drained yet
    plant.cycle(5 * HOUR)
    assert plant.alerts("comms_loss") == []
    plant.cycle(7 * HOUR)  # 2 h after the restart and still nothing: silent
    [alert] = plant.alerts("comms_loss")
    assert alert["since"] == plant.clock.now - 7 * HOUR  # the email still says when the last reading came


def test_an_acknowledged_critical_alert_is_not_reminded(plant):
    plant.write("flow", [(0, 2.5)])
    plant.cycle(0)
    plant.cycle(2 * HOUR)
    [alert] = plant.alerts("comms_loss")
    plant.ctx.db.execute("UPDATE alerts SET state = 'acknowledged' WHERE id = :id", {"id": alert["id"]})
    plant.cycle(12 * HOUR)
    assert plant.queued("alert-reminder") == []


def test_zero_flow_for_six_hours_is_an_alert_until_water_flows(plant):
    plant.write("flow", [(i * 300, 0.0) for i in range(73)])  # 0 … 6 h
    plant.cycle(6 * HOUR - 600)
    assert plant.alerts("zero_flow") == []
    plant.cycle(6 * HOUR + 60)
    [alert] = plant.alerts("zero_flow")
    assert alert["severity"] == "warning"
    plant.write("flow", [(6 * HOUR + 300, 2.0)])
    plant.cycle(6 * HOUR + 400)
    assert plant.alerts("zero_flow")[0]["state"] == "resolved"


def test_a_pump_alarm_opens_an_alert_and_a_repair_work_order_at_once(plant):
    plant.write("pump_state", [(0, 1), (300, 4)])
    plant.cycle(400)
    [alert] = plant.alerts("equipment")
    assert json.loads(alert["detail"])["reason"] == "alarm"
    [order] = plant.work_orders()
    assert order["kind"] == "fault_repair" and order["id"].startswith("WO-202610-")
    assert order["repair_by"] - order["opened_at"] == 72 * HOUR
    [message] = plant.queued("work-order")
    assert message["To"] == "dispatch@qingyuan.example.cn" and order["id"] in message["Subject"]


def test_a_pump_stopped_for_two_hours_is_an_equipment_alert(plant):
    plant.write("pump_state", [(i * 300, 0) for i in range(25)])
    plant.cycle(2 * HOUR + 60)
    [alert] = plant.alerts("equipment")
    assert json.loads(alert["detail"])["reason"] == "stopped"


def test_a_stuck_sensor_is_a_data_quality_alert_and_never_an_exceedance(plant):
    plant.write("nh3n", [(h * HOUR, 5.0) for h in range(7)])
    plant.cycle(6 * HOUR + 60)
    [alert] = plant.alerts("stuck_value")
    assert (alert["kind"], alert["metric"]) == ("data_quality", "nh3n")
    # A pH of 15.2 is impossible (outside 0–14): out of range, not four samples over 9.
    plant.write("ph", [(i * 300, 15.2) for i in range(4)])
    plant.cycle(6 * HOUR + 120)
    assert plant.alerts("out_of_range")[0]["kind"] == "data_quality"
    assert plant.alerts("sample_exceedance") == []


def test_the_same_value_before_and_after_an_outage_is_not_a_stuck_sensor(plant):
    plant.write("nh3n", [(0, 5.0), (HOUR, 5.0), (30 * HOUR, 5.0), (31 * HOUR, 5.0)])
    plant.cycle(31 * HOUR + 60)
    assert plant.alerts("stuck_value") == []


def test_a_daily_mean_over_the_limit_opens_an_investigation_when_the_day_closes(plant):
    plant.write("cod", [(h * HOUR, 55.0 + (h % 2) * 15) for h in range(24)])  # mean 62.5 > 60
    plant.close_days(DAY - 60)
    assert plant.alerts("daily_exceedance") == []  # the day has not closed
    plant.close_days(DAY + 60)
    [alert] = plant.alerts("daily_exceedance")
    detail = json.loads(alert["detail"])
    assert (alert["value"], detail["day"], detail["valid_samples"], detail["expected_samples"]) == (
        62.5,
        "2026-10-12",
        24,
        24,
    )
    [order] = plant.work_orders()
    assert (
        order["kind"] == "exceedance_investigation" and order["repair_by"] - order["opened_at"] == 168 * HOUR
    )


def test_a_daily_exceedance_resolves_when_a_later_day_complies(plant):
    plant.write("cod", [(h * HOUR, 70.0) for h in range(24)])
    plant.close_days(DAY + 60)
    plant.write("cod", [(DAY + h * HOUR, 45.0) for h in range(24)])
    plant.close_days(2 * DAY + 60)
    [alert] = plant.alerts("daily_exceedance")
    assert alert["state"] == "resolved"
    assert plant.transitions(alert["id"])[-1] == ("firing", "resolved", "rules")


def test_late_data_for_a_closed_day_is_judged_again(plant):
    plant.write("cod", [(h * HOUR, 40.0) for h in range(12)])  # half a day: not a valid day
    plant.close_days(DAY + 60)
    assert plant.alerts("daily_exceedance") == []
    plant.close_days(DAY + 600)  # nothing new: not judged again
    row = plant.ctx.db.execute(
        "SELECT status, checked_at FROM day_results WHERE rule = 'daily_exceedance' AND metric = 'cod'"
    ).fetchone()
    assert (row["status"], row["checked_at"]) == ("invalid", plant.clock.now - 540)
    plant.write("cod", [(h * HOUR, 95.0) for h in range(12, 24)])  # the logger's backlog arrives
    plant.close_days(DAY + 1200)
    [alert] = plant.alerts("daily_exceedance")
    assert alert["value"] == 67.5 and json.loads(alert["detail"])["late_data"] is True


def test_the_daily_ammonia_limit_follows_the_days_water_temperature(plant):
    plant.write("nh3n", [(h * HOUR, 12.0) for h in range(24)])
    plant.write("water_temp", [(i * 300, 10.0) for i in range(288)])  # cold day: limit 15
    plant.write("nh3n", [(DAY + h * HOUR, 12.0) for h in range(24)])
    plant.write("water_temp", [(DAY + i * 300, 14.0) for i in range(288)])  # warm day: limit 8
    plant.close_days(2 * DAY + 60)
    [alert] = plant.alerts("daily_exceedance")
    detail = json.loads(alert["detail"])
    assert detail["day"] == "2026-10-13" and detail["limit"]["high"] == 8.0
    assert detail["limit"]["temperature_note"] == "日均水温 14.0℃ > 12℃"


def test_a_day_over_design_capacity_is_a_hydraulic_overload(plant):
    plant.write("flow", [(i * 300, 3.5) for i in range(288)])  # 84 m³ > 1.2 × 60
    plant.close_days(DAY + 60)
    [alert] = plant.alerts("hydraulic_overload")
    assert alert["value"] == 84.0 and json.loads(alert["detail"])["limit_m3d"] == 72.0
    text = plant.queued("alert")[0].get_body(("plain",)).get_content()
    # A day's volume in m³/d, named as one: not 瞬时流量 (the instantaneous flow) in m³.
    assert (
        "数值：84.0 m³/d\n" in text
        and "日处理量：84.0 m³/d，上限 72.0 m³/d（1.2 × 设计规模 60.0 m³/d）" in text
    )
    assert "日处理水量" in text and "瞬时流量" not in text
    assert "日处理水量" in str(plant.queued("alert")[0]["Subject"])


def test_one_broken_site_does_not_stop_the_others(write_config):
    from tests.conftest import VILLAGE_SITE

    second = VILLAGE_SITE.replace('id = "helin"', 'id = "qiaotou"')
    plant = Harness(write_config(extra=second))
    try:
        plant.ctx.db.execute("INSERT INTO series_state VALUES ('helin', 'cod', 0, 'not json')")
        plant.write("cod", [(h * HOUR, 80.0) for h in range(3)], site="qiaotou")
        result = plant.cycle(2 * HOUR + 60)
        assert result.failed_sites == ["helin"]
        assert [a["site_id"] for a in plant.alerts("sample_exceedance")] == ["qiaotou"]
    finally:
        plant.close()


def test_the_database_allows_one_open_alert_per_site_rule_and_metric(plant):
    from sqlalchemy.exc import IntegrityError

    plant.write("cod", [(h * HOUR, 80.0) for h in range(3)])
    plant.cycle(2 * HOUR + 60)
    with pytest.raises(IntegrityError):
        plant.ctx.db.execute(
            "INSERT INTO alerts (site_id, rule, metric, kind, severity, state, opened_at, since, "
            "last_seen) VALUES ('helin', 'sample_exceedance', 'cod', 'exceedance', 'warning', "
            "'acknowledged', 0, 0, 0)"
        )


def test_it_tells_the_operators_when_a_message_from_the_site_was_quarantined(plant):
    store = plant.ctx.store
    store.quarantine(
        "mqtt", "wastewatch/sites/helin/readings", "helin", b'{"bad": 1}', "IntegrityError: x", T0_PLUS(60)
    )
    store.quarantine(
        "mqtt", "wastewatch/sites/helin/readings", "helin", b'{"bad": 2}', "IntegrityError: y", T0_PLUS(90)
    )
    plant.cycle(120)
    [alert] = plant.alerts("quarantine")
    assert (alert["state"], alert["kind"], alert["severity"]) == ("firing", "data_quality", "warning")
    assert json.loads(alert["detail"]) == {"messages": 2, "error": "IntegrityError: y"}
    [mail] = plant.queued("alert")
    assert mail["To"] == "operator@tqhb.example.cn"
    assert "消息无法入库" in mail["Subject"]
    assert "wastewatch quarantine replay" in mail.get_body(("plain",)).get_content()
    plant.cycle(HOUR)  # nothing new: no second email
    assert len(plant.queued("alert")) == 1
    plant.cycle(DAY + 120)  # a day with none: resolved
    assert plant.alerts("quarantine")[0]["state"] == "resolved"


def test_a_quarantined_message_of_another_site_is_not_this_sites_alert(plant):
    plant.ctx.store.quarantine(
        "mqtt", "wastewatch/sites/other/readings", "", b"{}", "TypeError: z", T0_PLUS(60)
    )
    plant.cycle(120)
    assert plant.alerts("quarantine") == []


def T0_PLUS(seconds: int) -> int:  # noqa: N802 — reads as the harness's T0 + seconds
    from tests.alerts.harness import T0

    return T0 + seconds
