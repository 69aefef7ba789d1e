"""Deadlines, reminders, escalation, the digest and the routine calendar, under a controlled clock."""

import pytest

from tests.alerts.harness import DAY, HOUR, T0
from tests.maintenance.desk import links, text
from wastewatch.maintenance import inspections, work_orders

MINUTE = 60


def manual_order(desk, summary: str = "清理格栅", kind: str = "operator_request"):
    return desk.act(
        lambda ctx, now: work_orders.open_order(ctx, "helin", kind, "manual", summary, now, "王科长")
    )


def subjects(desk, part: str) -> list[str]:
    return [str(m["Subject"]) for _, m in desk.emails(part)]


def test_the_contractor_is_reminded_at_75_percent_and_the_bureau_told_when_a_deadline_is_missed(desk):
    desk.at(HOUR)
    order = manual_order(desk)  # acknowledge within 24 h, done within 72 h
    assert order["acknowledge_by"] == T0 + 25 * HOUR and order["repair_by"] == T0 + 73 * HOUR

    assert desk.sweep(HOUR + 18 * HOUR - MINUTE).reminders == 0
    assert desk.sweep(HOUR + 18 * HOUR).reminders == 1  # 75 % of 24 h
    assert desk.sweep(HOUR + 19 * HOUR).reminders == 0  # once
    desk.send()
    [(recipients, reminder)] = desk.emails("提醒：接单期限")
    assert recipients == ["dispatch@qingyuan.example.cn"]
    assert set(links(reminder)) == {"acknowledge", "done"}  # fresh links

    late = desk.sweep(25 * HOUR)
    assert (late.escalations, late.reminders) == (1, 0)
    assert desk.sweep(26 * HOUR).escalations == 0
    desk.send()
    [(recipients, escalation)] = desk.emails("[逾期]")
    assert set(recipients) == {
        "operator@tqhb.example.cn",
        "jianguan@tqhb.example.cn",
        "dispatch@qingyuan.example.cn",
    }
    assert escalation["Cc"] == "dispatch@qingyuan.example.cn" and "未按期接单" in str(escalation["Subject"])
    assert "天全县生态环境局" in text(escalation)

    desk.act(work_orders.acknowledge, order["id"], "qingyuan", "")
    assert desk.sweep(HOUR + 54 * HOUR).reminders == 1  # 75 % of 72 h
    assert desk.sweep(73 * HOUR).escalations == 1
    desk.send()
    assert len(subjects(desk, "提醒：完成期限")) == 1 and len(subjects(desk, "未按期完成")) == 1
    notes = [t["note"] for t in work_orders.transitions(desk.ctx.db, order["id"])]
    assert (
        sum(n.startswith("reminder:") for n in notes) == 2
        and sum(n.startswith("escalated:") for n in notes) == 2
    )


def test_overdue_orders_are_listed_first(desk):
    desk.at(0)
    later = manual_order(desk, "巡查管网", kind="exceedance_investigation")  # done within 7 d
    desk.at(HOUR)
    sooner = manual_order(desk, "清理格栅")
    desk.act(work_orders.acknowledge, sooner["id"], "qingyuan", "")
    desk.act(work_orders.acknowledge, later["id"], "qingyuan", "")
    desk.at(2 * HOUR)
    assert [o["id"] for o in work_orders.listing(desk.ctx.db, desk.clock.now)][:2] == [
        sooner["id"],
        later["id"],
    ]
    desk.at(5 * DAY)  # sooner is past its 72 h; later is not
    rows = work_orders.listing(desk.ctx.db, desk.clock.now)
    assert [(o["id"], o["overdue"]) for o in rows][:2] == [(sooner["id"], 1), (later["id"], 0)]
    assert [o["id"] for o in work_orders.listing(desk.ctx.db, desk.clock.now, overdue_only=True)] == [
        sooner["id"]
    ]


def test_each_contractor_gets_a_digest_at_eight_with_open_orders_by_deadline(desk):
    desk.at(HOUR)
    first = manual_order(desk, "巡查管网", kind="exceedance_investigation")
    second = manual_order(desk, "清理格栅")
    assert desk.sweep(DAY + 8 * HOUR - MINUTE).digests == 0  # 07:59
    assert desk.sweep(DAY + 8 * HOUR).digests == 1
    assert desk.sweep(DAY + 9 * HOUR).digests == 0
    desk.send()
    [(recipients, digest)] = desk.emails("[工单日报 2026-10-13]")
    assert recipients == ["dispatch@qingyuan.example.cn"]
    body = text(digest)
    assert body.index(second["id"]) < body.index(first["id"])  # earlier deadline first
    assert body.count("/acknowledge?t=") == 2
    desk.act(work_orders.done, second["id"], "qingyuan", "已清理")
    assert desk.sweep(2 * DAY + 8 * HOUR).digests == 1
    desk.send()
    [(_, next_day)] = desk.emails("[工单日报 2026-10-14]")
    assert first["id"] in text(next_day) and second["id"] not in text(next_day)


def test_a_digest_missed_while_the_service_was_down_goes_out_at_the_first_run_after(desk):
    desk.at(HOUR)
    manual_order(desk)
    assert desk.sweep(DAY + 15 * HOUR).digests == 1


@pytest.mark.parametrize(
    "capacity, kind, every_days, opens, due",
    [
        # 2026-10-12 is 20 fortnights after the anchor (2026-01-05): a period starts that day.
        (60.0, "routine_inspection", 14, "2026-10-19", "2026-10-26"),
        (150.0, "routine_inspection", 7, "2026-10-12", "2026-10-19"),
        (10.0, "routine_inspection", None, "2026-10-22", "2026-11-01"),
        (60.0, "effluent_sampling", None, "2026-12-11", "2027-01-01"),
        (150.0, "effluent_sampling", None, "2026-10-22", "2026-11-01"),
        (10.0, "effluent_sampling", None, "2026-12-02", "2027-01-01"),
    ],
)
def test_routine_visits_are_due_by_the_end_of_their_size_bands_period(
    desk, capacity, kind, every_days, opens, due
):
    site = desk.config.site_by_id["helin"].model_copy(update={"capacity_m3d": capacity})
    window = inspections.due(desk.ctx, site, kind, T0 + 2 * HOUR)
    assert [desk.ctx.local(t)[:10] for t in window] == [opens, due]


def test_the_scheduler_opens_routine_orders_ahead_of_the_due_date_and_a_missed_one_escalates(desk):
    assert not desk.sweep(7 * DAY - MINUTE).routine  # 2026-10-18 23:59
    opened = desk.sweep(7 * DAY).routine
    assert [(o["kind"], o["due_at"], o["origin"]) for o in opened] == [
        ("routine_inspection", T0 + 14 * DAY, "schedule")
    ]
    assert not desk.sweep(7 * DAY + HOUR).routine  # once per period
    desk.send()
    [(_, email)] = desk.emails(f"[工单 {opened[0]['id']}]")
    assert "例行巡检" in str(email["Subject"]) and "每两周" in text(email)
    assert opened[0]["acknowledge_by"] == opened[0]["repair_by"]  # a routine visit has one deadline
    assert desk.sweep(7 * DAY + 2 * DAY).reminders == 0
    assert desk.sweep(7 * DAY + 6 * DAY).reminders == 1  # 75 % of the week it was open
    assert desk.sweep(14 * DAY).escalations == 1  # nobody went
    assert work_orders.is_overdue(desk.order(opened[0]["id"]), desk.clock.now)
    following = desk.sweep(21 * DAY).routine
    assert [o["due_at"] for o in following] == [T0 + 28 * DAY]


def test_a_restart_between_sweeps_sends_nothing_twice(desk):
    desk.at(HOUR)
    manual_order(desk)
    desk.sweep(HOUR + 18 * HOUR)
    desk.restart()
    assert desk.sweep(HOUR + 18 * HOUR + MINUTE).reminders == 0
    desk.send()
    assert len(desk.emails("提醒")) == 1


def test_only_the_deadline_that_passed_is_marked_overdue_in_the_digest_the_email_and_the_page(desk):
    # Opened at 01:00 on the 12th: acknowledge by 01:00 on the 13th, done by 01:00 on the 15th.
    desk.at(HOUR)
    order = manual_order(desk)
    desk.send()
    [(_, opened)] = desk.emails("[工单 ")
    page_link = links(opened)["acknowledge"]
    assert desk.sweep(DAY + 8 * HOUR).digests == 1  # 08:00 on the 13th: only the acknowledgement is late
    desk.send()
    [(_, digest)] = desk.emails("[工单日报 2026-10-13]")
    lines = text(digest).splitlines()
    ack_line = next(line for line in lines if "接单期限" in line)
    repair_line = next(line for line in lines if "完成期限" in line)
    assert ack_line.endswith("2026-10-13 01:00【接单超时 7 小时】")
    assert repair_line.endswith("2026-10-15 01:00")  # not overdue: two days to go
    [(_, escalation)] = desk.emails("[逾期]")  # the bureau's escalation email, one deadline missed
    escalated = text(escalation)
    assert (
        "接单期限：2026-10-13 01:00（接单超时 7 小时）" in escalated
        and "完成期限：2026-10-15 01:00\n" in escalated
    )
    page = desk.http.get(page_link).text
    ack_dd, repair_dd = page.split("<dd>")[6], page.split("<dd>")[7]
    assert "2026-10-13 01:00" in ack_dd and "接单超时 7 小时" in ack_dd
    assert "2026-10-15 01:00" in repair_dd and "超时" not in repair_dd and "已过" not in repair_dd
    assert work_orders.is_overdue(desk.order(order["id"]), desk.clock.now)  # counted as overdue once
