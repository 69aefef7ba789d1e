"""What each person needs first, tried as they would try it: the contractor's split list and
what it is told after a report; the regulator's next report, the report opened in the browser
and the problem list; the administrator's forms that preselect nothing; an alert's value in
words and units; English readers' subjects in English."""

import re

from tests.alerts.harness import HOUR
from tests.web.test_bulletin import problems
from tests.web.test_console import a_report, a_routine_order, csrf, login
from tests.web.test_sites import county
from wastewatch.access import accounts
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.reaction import changing


def test_a_contractor_sees_what_it_owes_apart_from_what_waits_to_be_verified_and_is_told_what_next(desk):
    owed = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "清理格栅", now, "王科长"
        )
    )
    reported = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "更换曝气头", now, "王科长"
        )
    )
    desk.act(work_orders.done, reported["id"], "qingyuan/李师傅", "已更换")
    contractor, _ = login(desk, "contractor")
    page = contractor.get("/my").text
    todo, waiting = page.split('<h2 id="reported">')
    assert "待办（1）" in todo and owed["id"] in todo and reported["id"] not in todo
    assert "已完成待核验（1）" in waiting and reported["id"] in waiting
    form = contractor.get(f"/my/orders/{owed['id']}").text
    assert 'placeholder="预计到场时间、安排的人员"' in form  # the 接单 note asks what fits acknowledging
    sent = contractor.post(
        f"/my/orders/{owed['id']}/acknowledge",
        data={"csrf": csrf(form), "note": "明早到场"},
        follow_redirects=True,
    )
    assert sent.status_code == 200 and "已接单。请在完成期限前处理" in sent.text
    # An order crossed off meanwhile says so, not that something is wrong with the request.
    desk.act(work_orders.verify, reported["id"], "王科长", "")
    again = contractor.post(f"/my/orders/{reported['id']}/done", data={"csrf": csrf(form), "note": "x"})
    assert again.status_code == 409 and "此工单已于" in again.text and "核验销号" in again.text


def test_the_regulator_learns_when_the_next_report_goes_out_and_reads_the_report_in_the_browser(desk):
    a_report(desk)  # September's version 1
    regulator, _ = login(desk, "regulator")
    page = regulator.get("/reports").text
    assert "2026-10 月报将于 2026-11-01 08:00 发送。" in page
    html = regulator.get("/reports/2026-09/v1/report-2026-09.html")
    assert (
        html.headers["content-disposition"].startswith("inline")
        and "农村生活污水处理设施运行月报" in html.text
    )
    assert (
        regulator.get("/reports/2026-09/v1/report-2026-09.html?download=1")
        .headers["content-disposition"]
        .startswith("attachment")
    )
    assert "<h1>天全县生态环境局 农村生活污水处理设施运行月报 2026-09</h1>" in html.text


def test_the_problem_list_puts_overdue_first_names_each_kind_once_and_prints_its_title(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    ids = problems(desk)
    routine = a_routine_order(desk)
    regulator, _ = login(desk, "regulator")
    page = regulator.get("/bulletin", params={"from": "2026-10-01", "to": "2026-10-22"}).text
    assert "<h1>天全县生态环境局 问题通报</h1>" in page and "打印时间：2026-10-22 00:00" in page
    qingyuan = page.split("<h3>天全县清源环保运维有限公司")[1].split("<h3>")[0]
    assert qingyuan.index(ids["late"]) < qingyuan.index(routine["id"])  # overdue first
    assert "例行巡检（每两周）" in qingyuan and "例行巡检：例行巡检" not in qingyuan
    assert "故障维修：格栅堵塞" in qingyuan  # a fault's kind named before its subject


def test_the_towns_of_a_list_follow_the_inventory_not_the_code_points(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    # The village list names 城厢镇, 始阳镇, 小河镇 first; 思经镇 only has a site.
    assert desk.config.towns == ("城厢镇", "始阳镇", "小河镇", "思经镇")
    admin, _ = login(desk, "admin")
    assert re.findall(r'name="towns" value="([^"]+)"', admin.get("/users").text)[:4] == list(
        desk.config.towns
    )


def test_the_users_forms_preselect_no_role_and_a_new_password_takes_a_second_click(desk):
    admin, _ = login(desk, "admin")
    page = admin.get("/users").text
    roles = re.findall(r'<select id="(?:role|role-role)" name="role" required>(.*?)</select>', page, re.S)
    assert len(roles) == 2 and all(
        '<option value="" selected disabled>请选择角色</option>' in r for r in roles
    )
    assert not re.search(r'<option value="(admin|operator|regulator|contractor)"[^>]*selected', page)
    assert '<option value="" selected disabled>请选择用户</option>' in page
    assert re.search(
        r"<details class=\"confirm\"><summary>重置密码</summary>.*?确认为 operator 生成新密码", page, re.S
    )


def test_an_alerts_value_reads_with_its_unit_its_limit_and_a_machine_in_words(desk):
    desk.write("cod", [(h * HOUR, 90.0) for h in range(3)])
    desk.write("pump_state", [(0, 4)])
    desk.cycle(3 * HOUR)
    operator, _ = login(desk, "operator")
    listed = operator.get("/alerts").text
    assert "90 mg/L" in listed and re.search(r"/ 限值 \d+ mg/L", listed)
    assert "提升泵报警" in listed and ">4<" not in listed
    cod = next(a for a in desk.alerts() if a["metric"] == "cod")
    page = operator.get(f"/alerts/{cod['id']}").text
    assert 'href="/sites/helin"' in page and "最新值" in page
    board = operator.get("/").text
    assert "化学需氧量（mg/L）" in board and "（m³/h）</th>" in board


def test_an_english_reader_sees_the_services_subjects_in_english(desk):
    desk.write("pump_state", [(0, 4)])
    desk.cycle(60)  # a pump alarm: its repair order opens at once
    with changing(desk.ctx):
        accounts.set_locale(desk.ctx.db, "operator", "en")
    operator, _ = login(desk, "operator")
    listed = operator.get("/orders").text
    assert "Equipment fault" in listed and "设备故障" not in listed
