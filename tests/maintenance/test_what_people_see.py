"""One email of every kind, from a month at a village site run through the real rules, the
real SMTP server and the contractor's pages; each looked at in a real browser at desktop and
phone widths. The screenshots are kept in artefacts/emails/ to be looked at."""

import re
from datetime import datetime

import pytest

from tests.alerts.harness import HOUR, TZ
from tests.browser import DESKTOP, PHONE, artefacts, browser  # noqa: F401
from tests.maintenance.desk import BUREAU, Desk, links
from tests.words import codes, report_codes
from wastewatch.jobs.backups import Backups
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.report.monthly import MonthlyReports

MINUTE = 60
# The kinds, by their subjects.
KINDS = {
    "alert": r"^\[严重\] 城厢镇 城厢镇禾林村污水处理站：数据中断$",
    "alert-reminder": r"^\[提醒·未确认\] ",
    "alert-resolved": r"^\[已恢复\] ",
    "work-order": r"^\[工单 WO-\d{6}-\d{4}\] 城厢镇 .*前完成$",
    "work-order-reminder": r"^\[工单 WO-\d{6}-\d{4}\] 提醒：",
    "work-order-chase": r"^\[工单 WO-\d{6}-\d{4}\] 催办：接单超时",
    "work-order-escalation": r"^\[逾期\]",
    "work-order-digest": r"^\[工单日报 ",
    "work-order-update": r"运维单位报告已完成，请核验销号",
    "unplanned-stop": r"^\[非计划停运\] ",
    "monthly-report": r"^\[运行月报 2026-10\] ",
    "backup-failed": r"^\[备份失败\] 2026-11-01 02:30 的定时备份未完成$",
}
CJK = "\u4e00-\u9fff"
HALF_WIDTH_BRACKET = re.compile(rf"[{CJK}]\s?\(|\)\s?[{CJK}]|[{CJK}],")


@pytest.fixture(params=["sqlite"])
def state_database(request):
    """Once, on the embedded database: the pictures do not depend on the engine."""
    yield ""


def a_month(desk) -> None:
    """What a village site goes through: silence, a manual order missed and escalated, the
    morning digest, the contractor's report of work done, a day-long stop, the monthly report."""
    desk.write("flow", [(0, 3.0)])
    desk.cycle(MINUTE)
    desk.cycle(3 * HOUR)  # two hours without a reading: comms loss
    desk.at(HOUR)
    order = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "清理格栅", now, "王科长"
        )
    )
    desk.cycle(8 * HOUR)  # the critical alert, not acknowledged: a reminder
    desk.sweep(19 * HOUR)  # 75 % of the acknowledgement deadline
    desk.sweep(25 * HOUR)  # missed: escalated
    desk.act(work_orders.chase, order["id"], "王科长（wang）", "请今天到场")  # 催办, with a note
    desk.cycle(27 * HOUR)  # a day of silence: a work order for the contractor
    desk.sweep(32 * HOUR)  # 08:00: the digest
    desk.act(work_orders.acknowledge, order["id"], "qingyuan", "")
    desk.act(work_orders.done, order["id"], "qingyuan", "格栅已清理，渣已外运", desk.clock.now)
    # The logger comes back with zero flow for a day and a half: the silence ends, a stop begins.
    desk.write("flow", [(28 * HOUR + m * 300, 0.0) for m in range(12 * 40)])
    for hour in range(29, 69, 6):
        desk.cycle(hour * HOUR)
    desk.sweep(68 * HOUR)
    desk.clock.now = int(datetime(2026, 10, 15, tzinfo=TZ).timestamp())
    MonthlyReports(desk.ctx).run(desk.clock.now)
    desk.clock.now = int(datetime(2026, 11, 1, 8, tzinfo=TZ).timestamp())
    MonthlyReports(desk.ctx).run(desk.clock.now)
    # The nightly backup finds a file where its share should be mounted.
    desk.config.backup.to.write_text("not a folder")
    Backups(desk.config).run(datetime(2026, 11, 1, 2, 30, tzinfo=TZ))
    desk.send()


def test_every_kind_of_email_reads_well_on_a_desktop_and_a_phone(write_config, mail, browser):  # noqa: F811
    desk = Desk(
        write_config(
            mail=mail,
            extra=BUREAU + '[report]\nrecipients = ["jianguan@tqhb.example.cn"]\n[backup]\nto = "share"\n',
        ),
        mail,
    )
    try:
        a_month(desk)
        # The contractor's two pages, from the links of the newest order's email.
        newest = [m for _, m in mail.messages if re.search(KINDS["work-order"], str(m["Subject"]))][-1]
        urls = links(newest)
        desk.at(69 * HOUR)  # while its links are good, before the month's end
        pages = {action: desk.http.get(urls[action]).text for action in ("acknowledge", "done")}
    finally:
        desk.stop()
    subjects = [str(m["Subject"]) for _, m in mail.messages]
    folder = artefacts("emails")
    for kind, start in KINDS.items():
        found = [m for _, m in mail.messages if re.search(start, str(m["Subject"]))]
        assert found, f"no {kind} email among {subjects}"
        message = found[0]
        html = message.get_body(("html",)).get_content()
        plain = message.get_body(("plain",)).get_content()
        # Nobody at the bureau is told to type a command, or reads a code or English.
        assert "wastewatch " not in plain and "wastewatch " not in html, kind
        seen = report_codes if kind == "monthly-report" else codes
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", " ", html, flags=re.S))
        assert seen(plain) == [] and seen(text) == [], (kind, seen(plain), seen(text))
        # Chinese text takes full-width brackets and commas.
        words = re.sub(r"<[^>]+>", " ", html)
        assert not HALF_WIDTH_BRACKET.findall(plain + words), (
            kind,
            HALF_WIDTH_BRACKET.findall(plain + words),
        )
        # The style is on the elements: mail clients drop <style>.
        assert "<th" not in html or '<th style="' in html, kind
        for width in (DESKTOP, PHONE):
            look = browser.look(html, folder / f"{kind}-{width}.png", width, labels="th:not(.formula)")
            assert look.overflow <= 0 or kind == "monthly-report", (kind, width, look.overflow)
            assert look.wrapped == [], (kind, width, look.wrapped)
    silence = next(m for _, m in mail.messages if re.search(KINDS["alert"], str(m["Subject"])))
    assert re.search(
        r"最后一次收到数据在 2026-10-12 00:00，已 \d+ 小时( \d+ 分钟)? 没有数据",
        silence.get_body(("plain",)).get_content(),
    )
    for action, html in pages.items():
        assert "城厢镇禾林村污水处理站（城厢镇，禾林村）" in html
        for width in (DESKTOP, PHONE):
            look = browser.look(
                html, folder / f"page-{action}-{width}.png", width, labels="dt, label, button"
            )
            assert look.overflow <= 0 and look.wrapped == [], (action, width, look)
