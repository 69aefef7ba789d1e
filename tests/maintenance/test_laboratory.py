"""Laboratory results on real rules, on SQLite and PostgreSQL: the laboratories' own sheets
imported (UTF-8 and GBK CSV, an XLSX with a title row and merged header cells), results below
detection, an exceedance by sample → alert → order, a sampling order that cannot be crossed
off until its results are in, corrections as versions, and the analyser against the laboratory."""

from pathlib import Path

import pytest

from tests.alerts.harness import DAY, HOUR, T0
from wastewatch.maintenance import lab, work_orders
from wastewatch.maintenance.lab import judging, records
from wastewatch.maintenance.work_orders import WorkOrderError

SHEETS = Path(__file__).parent / "data" / "lab"
MINUTE = 60
# 2026-10-13 10:00 in Tianquan: the sample of the UTF-8 sheet.
SAMPLED = T0 + DAY + 10 * HOUR


def imported(desk, name: str, kind: str = "self_check"):
    with lab_changing(desk):
        return lab.import_sheet(desk.ctx, name, (SHEETS / name).read_bytes(), "王科长", desk.clock.now, kind)


def lab_changing(desk):
    from wastewatch.maintenance.reaction import changing

    return changing(desk.ctx)


def sampled(desk, order, bottles: str):
    """The contractor's done-report of a sampling order: the sample taken at SAMPLED."""
    with lab_changing(desk):
        work_orders.done(
            desk.ctx,
            order["id"],
            "qingyuan/张师傅",
            "已采样送检",
            desk.clock.now,
            visited_at=SAMPLED,
            bottles=bottles,
        )


def results_of(desk, sample_id: int) -> dict:
    return {
        item: lab.result_text(row, "zh-CN", unit=True)
        for item, row in records.current(desk.ctx.db, sample_id).items()
    }


def test_a_utf8_sheet_stores_its_good_rows_and_names_every_bad_row_with_its_reason(desk):
    desk.at(10 * DAY)
    outcome = imported(desk, "huace-2026-10-utf8.csv")
    assert outcome.stored == 5 and len(outcome.samples) == 1
    assert [(n, reason.text("zh-CN")) for n, reason in outcome.rejected] == [
        (7, "没有站点“shiyang”"),
        (8, "采样时间“2026-10-13”不是日期加时间（YYYY-MM-DD HH:MM）"),
        (
            9,
            "监测项目“色度”不在本系统的项目中"
            "（化学需氧量, 氨氮, 总磷, 总氮, 悬浮物, pH, 动植物油, 五日生化需氧量）",
        ),
        (10, "结果“见附页”既不是数值，也不是未检出标记（ND、未检出、<4、4L）"),
    ]
    [sample] = records.listing(desk.ctx.db)
    assert sample["sampled_at"] == SAMPLED and sample["laboratory"] == "雅安华测环境检测有限公司"
    assert sample["report_no"] == "YAHC-2026-1013-01" and sample["lab_cma"] == "192312050123"
    # Below detection is kept as written, with its limit, and never shown as 0.
    assert results_of(desk, sample["id"]) == {
        "cod": "45 mg/L",
        "nh3n": "未检出（检出限 0.025）",
        "ph": "7.3 无量纲",
        "ss": "未检出（检出限 4）",
        "tp": "0.42 mg/L",
    }
    nh3n = records.current(desk.ctx.db, sample["id"])["nh3n"]
    assert nh3n["value"] is None and nh3n["shown"] == "ND" and nh3n["method"].startswith("HJ 535-2009")
    # Judged as single samples: everything meets grade 1, below detection included.
    limit = judging.limit_for(desk.ctx, "helin", "nh3n")
    assert judging.verdict(limit, nh3n) == "meets"
    assert desk.alerts() == []

    # The same file again changes nothing, and says when it was first imported.
    desk.at(11 * DAY)
    again = imported(desk, "huace-2026-10-utf8.csv")
    assert again.before == T0 + 10 * DAY and again.stored == 0
    assert len(records.history(desk.ctx.db, sample["id"])) == 5


def test_a_gbk_sheet_with_a_title_row_reads_as_well_and_refuses_a_wrong_unit(desk):
    desk.at(10 * DAY)
    outcome = imported(desk, "tqjc-spot-check-gbk.csv", kind="spot_check")
    assert outcome.stored == 3
    assert [(n, reason.text("en")) for n, reason in outcome.rejected] == [
        (6, "unit 'μg/L' for ss; results are recorded in mg/L")
    ]
    [sample] = records.listing(desk.ctx.db)
    assert sample["kind"] == "spot_check" and sample["report_no"] == "TQJC(2026)第0412号"
    assert results_of(desk, sample["id"])["tp"] == "未检出（检出限 0.01）"


def test_an_xlsx_with_merged_header_cells_under_a_title_row(desk):
    desk.at(10 * DAY)
    outcome = imported(desk, "rongcheng-2026-10.xlsx")
    assert outcome.stored == 4
    assert [(n, reason.text("en")) for n, reason in outcome.rejected] == [
        (8, "the sampling time is not a real date and time")
    ]
    [sample] = records.listing(desk.ctx.db)
    assert sample["sampled_by"] == "李明" and sample["sampled_at"] == T0 + 3 * DAY + 14 * HOUR
    assert results_of(desk, sample["id"]) == {
        "cod": "38 mg/L",
        "nh3n": "2.4 mg/L",
        "tn": "未检出（检出限 0.05）",
        "tp": "未检出（检出限 0.05）",
    }


def test_an_exceedance_by_sample_opens_an_alert_and_an_investigation_order(desk):
    desk.at(10 * DAY)
    outcome = imported(desk, "tqjc-spot-check-gbk.csv", kind="spot_check")
    [alert] = desk.alerts()
    assert (alert["rule"], alert["metric"], alert["value"], alert["since"]) == (
        "lab_exceedance",
        "cod",
        85.0,
        T0 + 2 * DAY + 9 * HOUR + 30 * MINUTE,
    )
    [order] = desk.work_orders()
    assert order["kind"] == "exceedance_investigation" and order["alert_id"] == alert["id"]
    [sample_id] = outcome.samples
    assert records.current(desk.ctx.db, sample_id)["cod"]["alert_id"] == alert["id"]
    desk.send()
    [(recipients, message)] = desk.emails("实验室检测结果超标")
    assert (
        "operator@tqhb.example.cn" in recipients and "85 mg/L" in message.get_body(("plain",)).get_content()
    )

    # The investigation cannot be closed while the alert fires; a later sample that meets the
    # limit clears it, and then it can.
    desk.at(12 * DAY)
    desk.act(work_orders.done, order["id"], "qingyuan", "调整曝气")
    with pytest.raises(WorkOrderError, match="still firing"):
        desk.act(work_orders.verify, order["id"], "王科长", "")
    with lab_changing(desk):
        follow = records.add_sample(
            desk.ctx.db, "helin", T0 + 12 * DAY, "self_check", "王科长", desk.clock.now
        )
        lab.enter(desk.ctx, follow, [lab.parse_entry("cod", "32")], "王科长", desk.clock.now, "console")
    assert desk.alerts()[0]["state"] == "resolved"
    assert desk.act(work_orders.verify, order["id"], "王科长", "复测达标")["state"] == "closed"


def test_a_correction_is_a_new_version_with_who_and_why(desk):
    desk.at(10 * DAY)
    outcome = imported(desk, "tqjc-spot-check-gbk.csv", kind="spot_check")
    [sample_id] = outcome.samples
    with pytest.raises(lab.LabError, match="a correction needs a reason"):
        with lab_changing(desk):
            lab.enter(
                desk.ctx, sample_id, [lab.parse_entry("cod", "58")], "王科长", desk.clock.now, "console"
            )
    desk.at(11 * DAY)
    with lab_changing(desk):
        lab.enter(
            desk.ctx,
            sample_id,
            [lab.parse_entry("cod", "58")],
            "王科长",
            desk.clock.now,
            "console",
            "实验室更正报告",
        )
    versions = [
        (r["version"], r["shown"], r["entered_by"], r["reason"])
        for r in records.history(desk.ctx.db, sample_id)
        if r["item"] == "cod"
    ]
    assert versions == [(1, "85", "王科长", ""), (2, "58", "王科长", "实验室更正报告")]
    # The corrected result meets the limit: the exceedance alert resolves.
    [alert] = desk.alerts()
    assert alert["state"] == "resolved"


def test_a_sampling_order_is_crossed_off_only_once_its_results_are_in(desk):
    desk.at(0)
    with lab_changing(desk):
        order = work_orders.open_order(
            desk.ctx,
            "helin",
            "effluent_sampling",
            "manual",
            "季度人工采样",
            desk.clock.now,
            "王科长",
            due_at=T0 + 5 * DAY,
        )
    desk.at(DAY + 11 * HOUR)
    sampled(desk, order, "HL-1013-1, HL-1013-2")
    [sample] = records.for_order(desk.ctx.db, order["id"])
    assert sample["kind"] == "routine" and sample["bottles"] == "HL-1013-1, HL-1013-2"
    assert sample["results_due_at"] == T0 + 5 * DAY + 30 * DAY
    with pytest.raises(WorkOrderError, match="the laboratory results are not in yet"):
        desk.act(work_orders.verify, order["id"], "王科长", "")
    # The laboratory's sheet finds the sample waiting for it, at the same site and time.
    desk.at(10 * DAY)
    outcome = imported(desk, "huace-2026-10-utf8.csv")
    assert outcome.samples == {sample["id"]}
    assert records.get(desk.ctx.db, sample["id"])["report_no"] == "YAHC-2026-1013-01"
    assert desk.act(work_orders.verify, order["id"], "王科长", "结果达标")["state"] == "closed"


def test_results_that_never_arrive_are_escalated_once_when_overdue(desk):
    desk.at(0)
    with lab_changing(desk):
        order = work_orders.open_order(
            desk.ctx,
            "helin",
            "effluent_sampling",
            "manual",
            "人工采样",
            desk.clock.now,
            "王科长",
            due_at=T0 + 5 * DAY,
        )
    desk.at(DAY + 11 * HOUR)
    sampled(desk, order, "HL-1")
    assert desk.sweep(34 * DAY).escalations == 0
    assert desk.sweep(35 * DAY + HOUR).escalations == 1
    assert desk.sweep(36 * DAY).escalations == 0
    said = work_orders.said.timeline(work_orders.transitions(desk.ctx.db, order["id"])[-1], "zh-CN")
    assert said.startswith("已上报：样品") and "2026-11-16 00:00" in said
    desk.send()
    [(recipients, message)] = desk.emails("未按期报送检测结果")
    assert "jianguan@tqhb.example.cn" in recipients


def test_the_analyser_against_the_laboratory_opens_an_instrument_check(desk):
    # The analyser read 70 at 09:00 and 10:00 on the 13th; the laboratory found 45 at 10:00.
    desk.write("cod", [(DAY + 9 * HOUR, 70.0), (DAY + 10 * HOUR, 70.0)])
    desk.at(10 * DAY)
    outcome = imported(desk, "huace-2026-10-utf8.csv")
    [sample_id] = outcome.samples
    [compared] = records.comparisons(desk.ctx.db, T0, T0 + 30 * DAY)
    assert (compared["item"], compared["lab_value"], compared["online_value"], compared["difference"]) == (
        "cod",
        45.0,
        70.0,
        round(25 / 45, 4),
    )
    [alert] = desk.alerts("lab_comparison")
    [order] = desk.work_orders()
    assert order["kind"] == "instrument_check" and order["alert_id"] == alert["id"]
    assert sample_id == compared["sample_id"]
