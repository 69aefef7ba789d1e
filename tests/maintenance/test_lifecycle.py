"""The 问题销号 loop on real rules: verification against the readings, recurrence, absorbed
alerts, maintenance windows and unplanned stops."""

import pytest

from tests.alerts.harness import DAY, HOUR, T0
from wastewatch.alerts import windows
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.work_orders import WorkOrderError

MINUTE = 60


def silent_for_a_day(desk):
    """The site reports flow until 01:00, then nothing: comms loss at 2 h, a work order at 24 h."""
    desk.write("flow", [(m * 300, 3.0) for m in range(12)])
    desk.cycle(HOUR)
    desk.cycle(4 * HOUR)
    desk.cycle(26 * HOUR)
    [order] = [o for o in desk.work_orders() if o["kind"] == "comms_restore"]
    return order


def test_verification_is_refused_until_the_readings_have_been_back_for_the_hold(desk):
    order = silent_for_a_day(desk)
    desk.at(27 * HOUR)
    desk.act(work_orders.done, order["id"], "qingyuan", "更换了数采仪电源")
    with pytest.raises(WorkOrderError) as still_silent:
        desk.act(work_orders.verify, order["id"], "王科长", "")
    assert "is still firing" in str(still_silent.value) and "the site has sent no data since" in str(
        still_silent.value
    )

    # Data again from 28:00; the alert resolves, the hold starts.
    desk.write("flow", [(28 * HOUR + m * 300, 3.0) for m in range(12)])
    desk.cycle(29 * HOUR)
    check = work_orders.verification(desk.ctx, desk.order(order["id"]), desk.clock.now)
    # Clear since the newest reading the comms check saw (28:55), not since the check ran.
    assert not check.ok and [str(x) for x in check.problems] == [
        "alert 1 (comms_loss) clear since 2026-10-13 04:55, 0.1 h of 24 h"
    ]
    with pytest.raises(WorkOrderError, match="cannot be closed yet"):
        desk.act(work_orders.verify, order["id"], "王科长", "")
    desk.write("flow", [(29 * HOUR + m * 300, 3.0) for m in range(12 * 24)])
    desk.cycle(53 * HOUR)
    closed = desk.act(work_orders.verify, order["id"], "王科长", "数据恢复")
    assert closed["state"] == "closed"
    last_note = work_orders.transitions(desk.ctx.db, order["id"])[-1]["note"]
    assert last_note.startswith("verification: alert") and "24.1 h of 24 h: 数据恢复" in last_note
    said = work_orders.said.timeline(work_orders.transitions(desk.ctx.db, order["id"])[-1], "zh-CN")
    assert (
        said
        == "数据核验：告警 #1（数据中断）自 2026-10-13 04:55 起已恢复正常 24.1 小时（须满 24 小时）：数据恢复"
    )


def test_a_failed_verification_reopens_the_order_with_new_deadlines_and_links(desk):
    desk.write("pump_state", [(0, 4)])
    desk.cycle(MINUTE)
    [order] = desk.work_orders()
    desk.at(DAY)
    desk.act(work_orders.done, order["id"], "qingyuan", "已修")
    desk.at(DAY + HOUR)
    reopened = desk.act(work_orders.reopen, order["id"], "王科长", "现场泵仍报警")
    assert reopened["state"] == "reopened" and reopened["repair_by"] == T0 + DAY + HOUR + 72 * HOUR
    desk.send()
    [(recipients, message)] = desk.emails("【重新打开】")
    assert (
        recipients[0] == "dispatch@qingyuan.example.cn"
        and "现场泵仍报警" in message.get_body(("plain",)).get_content()
    )
    assert message["In-Reply-To"].strip() == order["thread_id"]  # unfolded (test_email.py)


def test_the_same_fault_coming_back_within_seven_days_reopens_the_closed_order(desk):
    desk.write("pump_state", [(0, 4), (HOUR, 1)])
    desk.cycle(2 * HOUR)  # alarm, work order, and the alarm cleared
    [order] = desk.work_orders()
    desk.at(3 * HOUR)
    desk.act(work_orders.done, order["id"], "qingyuan", "复位")
    desk.act(work_orders.verify, order["id"], "王科长", "")
    desk.write("pump_state", [(3 * DAY, 4)])
    result = desk.cycle(3 * DAY + MINUTE)
    assert result.work_orders == [] and len(desk.work_orders()) == 1
    again = desk.order(order["id"])
    assert again["state"] == "reopened"
    assert [a["id"] for a in work_orders.linked_alerts(desk.ctx.db, order["id"])] == [1, 2]
    assert desk.history(order["id"])[-1] == ("closed", "reopened", "rules")


def test_after_seven_days_the_same_fault_gets_a_new_order(desk):
    desk.write("pump_state", [(0, 4), (HOUR, 1)])
    desk.cycle(2 * HOUR)
    [order] = desk.work_orders()
    desk.at(3 * HOUR)
    desk.act(work_orders.done, order["id"], "qingyuan", "复位")
    desk.act(work_orders.verify, order["id"], "王科长", "")
    desk.write("pump_state", [(8 * DAY, 4)])
    assert len(desk.cycle(8 * DAY + MINUTE).work_orders) == 1
    assert desk.order(order["id"])["state"] == "closed"


def test_an_order_in_play_absorbs_new_alerts_for_the_same_fault(desk):
    desk.write("pump_state", [(0, 4), (HOUR, 1), (2 * HOUR, 4)])
    desk.cycle(3 * HOUR)
    assert len(desk.alerts("equipment")) == 2  # alarm, cleared, alarm again
    [order] = desk.work_orders()
    assert [a["id"] for a in work_orders.linked_alerts(desk.ctx.db, order["id"])] == [1, 2]
    assert desk.history(order["id"])[-1] == ("open", "open", "rules")


def test_inside_a_maintenance_window_readings_count_as_m_and_alerts_are_recorded_but_not_emailed(desk):
    window = windows.add(desk.ctx.db, "helin", "planned_stop", T0, T0 + 2 * DAY, "更换鼓风机", "王科长", T0)
    desk.write(
        "flow", [(m * 300, 0.0) for m in range(12 * 6)]
    )  # zero flow until 06:00, then the logger is off
    desk.write("cod", [(h * HOUR, 95.0) for h in range(6)])  # over the limit, but planned
    desk.cycle(6 * HOUR)
    desk.cycle(31 * HOUR)  # 25 h without data: comms loss, past its work-order threshold
    desk.close_days(31 * HOUR)
    assert desk.alerts("zero_flow") == [] and desk.alerts("sample_exceedance") == []
    assert desk.alerts("daily_exceedance") == []
    day = desk.ctx.db.execute(
        "SELECT * FROM day_results WHERE rule = 'daily_exceedance' AND metric = 'cod'"
    ).fetchone()
    assert day["status"] == "invalid" and day["valid_samples"] == 0
    [silent] = desk.alerts("comms_loss")
    assert silent["muted_by"] == window and silent["notified_at"] is None
    assert (
        "inside maintenance window"
        in desk.ctx.db.execute(
            "SELECT reason FROM alert_transitions WHERE alert_id = :id", {"id": silent["id"]}
        ).scalar()
    )
    assert desk.work_orders() == []
    assert desk.sweep(31 * HOUR).stop_reports == 0
    desk.send()
    assert desk.mail.messages == []


def test_a_window_registered_afterwards_makes_the_closed_day_judged_again(desk):
    desk.write("cod", [(h * HOUR, 95.0) for h in range(24)])
    desk.close_days(DAY + HOUR)
    [alert] = desk.alerts("daily_exceedance")
    windows.add(
        desk.ctx.db, "helin", "calibration", T0, T0 + DAY, "COD 仪表校准", "王科长", T0 + DAY + 2 * HOUR
    )
    desk.close_days(DAY + 3 * HOUR)
    day = desk.ctx.db.execute(
        "SELECT * FROM day_results WHERE rule = 'daily_exceedance' AND metric = 'cod'"
    ).fetchone()
    assert day["status"] == "invalid"


def test_an_unplanned_stop_over_24_hours_is_reported_to_the_bureau_once(desk):
    desk.write("flow", [(m * 300, 0.0) for m in range(12 * 31)])
    for hour in range(1, 32, 6):
        desk.cycle(hour * HOUR)
    assert desk.sweep(31 * HOUR).stop_reports == 1  # zero since 00:00, seen until 30:55
    assert desk.sweep(32 * HOUR).stop_reports == 0
    desk.send()
    [(recipients, report)] = desk.emails("[非计划停运]")
    assert recipients == ["jianguan@tqhb.example.cn", "operator@tqhb.example.cn"]
    assert "已停运 30.9 小时" in str(report["Subject"])


def test_a_window_that_ends_while_the_fault_goes_on_lets_the_alert_out(desk):
    window = windows.add(desk.ctx.db, "helin", "maintenance", T0, None, "检修数采仪", "王科长", T0)
    desk.write("flow", [(0, 3.0)])
    desk.cycle(MINUTE)
    desk.cycle(3 * HOUR)
    [alert] = desk.alerts("comms_loss")
    assert alert["muted_by"] == window and alert["notified_at"] is None
    windows.end(desk.ctx.db, window, "王科长", T0 + 4 * HOUR)
    desk.cycle(5 * HOUR)
    assert desk.alerts("comms_loss")[0]["notified_at"] == T0 + 5 * HOUR
    desk.send()
    assert len(desk.emails("数据中断")) == 1
    desk.cycle(29 * HOUR)  # 24 h counted from the last reading; the window's end changes nothing there
    assert len(desk.work_orders()) == 1


def test_nothing_is_deleted_and_each_change_is_a_row(desk):
    desk.at(0)
    order = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "清理", now, "王科长"
        )
    )
    with pytest.raises(WorkOrderError, match="is open; verify needs it to be resolved"):
        desk.act(work_orders.verify, order["id"], "王科长", "")
    desk.act(work_orders.cancel, order["id"], "王科长", "重复派单")
    with pytest.raises(WorkOrderError, match="is cancelled; acknowledge needs it to be open or reopened"):
        desk.act(work_orders.acknowledge, order["id"], "qingyuan", "")
    assert desk.history(order["id"]) == [(None, "open", "王科长"), ("open", "cancelled", "王科长")]
    assert desk.order(order["id"])["cancelled_at"] == T0


def test_an_exceedance_order_is_verified_only_once_a_whole_day_is_back_under_the_limit(desk):
    desk.write("cod", [(h * HOUR, 95.0) for h in range(24)])  # the daily mean is over 60 mg/L
    desk.close_days(DAY + HOUR)
    [order] = desk.work_orders()
    assert order["kind"] == "exceedance_investigation" and order["repair_by"] == T0 + DAY + HOUR + 7 * DAY
    desk.at(DAY + 2 * HOUR)
    desk.act(work_orders.done, order["id"], "qingyuan", "调整曝气，清理二沉池")
    with pytest.raises(WorkOrderError, match=r"alert 1 \(daily_exceedance cod\) is still firing"):
        desk.act(work_orders.verify, order["id"], "王科长", "")
    desk.write("cod", [(DAY + h * HOUR, 31.0) for h in range(24)])
    desk.close_days(2 * DAY + HOUR)  # day two closes under the limit: the alert resolves
    check = work_orders.verification(desk.ctx, desk.order(order["id"]), desk.clock.now)
    assert check.ok and [str(x) for x in check.facts] == [
        "alert 1 (daily_exceedance cod) clear since 2026-10-13 00:00, 25.0 h of 24 h"
    ]
    assert desk.act(work_orders.verify, order["id"], "王科长", "复核达标")["state"] == "closed"


def test_order_numbers_run_per_local_month(desk):
    from wastewatch.maintenance.reaction import changing

    october_31 = T0 + 19 * DAY + 23 * HOUR  # 2026-10-31 23:00 in Tianquan
    ids = []
    for n in range(12):
        at = october_31 + n * 600  # 23:00 … 00:50: the last six on 1 November
        with changing(desk.ctx):
            ids.append(
                work_orders.open_order(
                    desk.ctx, "helin", "operator_request", "manual", f"派单 {n}", at, "王科长"
                )["id"]
            )
    assert ids == [f"WO-202610-{k:04d}" for k in range(1, 7)] + [f"WO-202611-{k:04d}" for k in range(1, 7)]
    with changing(desk.ctx):  # the tenth of a month is 0010, after 0009
        more = [
            work_orders.open_order(desk.ctx, "helin", "operator_request", "manual", "派单", at, "王科长")[
                "id"
            ]
            for at in range(october_31 + 7200, october_31 + 7204)
        ]
    assert more == [f"WO-202611-{k:04d}" for k in range(7, 11)]
