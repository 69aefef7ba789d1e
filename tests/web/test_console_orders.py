"""Work orders in the console: an operator opens one by hand and hands one to another
contractor; a contractor's account acknowledges its company's order and reports it done with
photos (or a routine visit with its checklist) — over a real server, on both databases."""

import json
import re

from tests.alerts.harness import T0
from tests.maintenance.desk import photo
from tests.web.test_console import an_order, csrf, login

DAY, HOUR = 86400, 3600
OTHER = '\n[[contractors]]\nid = "lvyuan"\nname = "绿源运维"\nemail = "lvyuan@example.cn"\n'


def test_an_operator_opens_an_order_by_hand_and_the_contractor_is_emailed(desk):
    operator, _ = login(desk, "operator")
    page = operator.get("/orders").text
    assert "新建工单" in page
    missing = operator.post("/orders/new", data={"csrf": csrf(page), "site": "helin", "kind": "fault_repair"})
    assert missing.status_code == 400 and "工单须填写事由" in missing.text
    odd = operator.post(
        "/orders/new", data={"csrf": csrf(page), "site": "helin", "kind": "party", "summary": "清理格栅"}
    )
    assert odd.status_code == 400 and "请从列表中选择" in odd.text
    made = operator.post(
        "/orders/new",
        data={
            "csrf": csrf(page),
            "site": "helin",
            "kind": "fault_repair",
            "priority": "high",
            "summary": "  提升泵  异响 ",
            "note": "巡查时发现",
        },
    )
    assert made.status_code == 303
    order_id = made.headers["location"].removeprefix("/orders/")
    order = desk.order(order_id)
    assert (order["kind"], order["priority"], order["summary"], order["origin"]) == (
        "fault_repair",
        "high",
        "提升泵 异响",
        "manual",
    )
    assert desk.history(order_id) == [(None, "open", "operator 的名字（operator）")]
    desk.send()
    assert [r[0] for r, _ in desk.emails(f"[工单 {order_id}]")] == [
        "dispatch@qingyuan.example.cn"
    ]  # To: the contractor


def test_an_operator_hands_an_order_to_another_contractor(make_desk):
    desk = make_desk(OTHER)
    order_id = an_order(desk)
    operator, _ = login(desk, "operator")
    page = operator.get(f"/orders/{order_id}").text
    assert '<option value="lvyuan">绿源运维</option>' in page
    handed = operator.post(
        f"/orders/{order_id}/assign", data={"csrf": csrf(page), "contractor": "lvyuan", "note": "就近"}
    )
    assert handed.status_code == 303 and desk.order(order_id)["contractor"] == "lvyuan"
    wrong = operator.post(f"/orders/{order_id}/assign", data={"csrf": csrf(page), "contractor": "nobody"})
    assert wrong.status_code == 409 and "没有运维单位“nobody”" in wrong.text
    # The first company's account no longer sees it.
    contractor, _ = login(desk, "contractor")
    assert contractor.get(f"/my/orders/{order_id}").status_code == 404


def test_a_contractor_acknowledges_and_reports_done_with_a_photo(desk):
    from wastewatch.maintenance import work_orders

    order = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "fault_repair", "manual", "提升泵报警", now, "王科长"
        )
    )
    contractor, landed = login(desk, "contractor")
    assert landed.headers["location"] == "/my"
    assert f'href="/my/orders/{order["id"]}"' in contractor.get("/my").text
    page = contractor.get(f"/my/orders/{order['id']}").text
    assert "确认接单" in page and "提交完成报告" in page  # done straight away is allowed too
    acked = contractor.post(
        f"/my/orders/{order['id']}/acknowledge", data={"csrf": csrf(page), "note": "下午到场"}
    )
    assert acked.status_code == 303 and desk.order(order["id"])["state"] == "acknowledged"
    page = contractor.get(f"/my/orders/{order['id']}").text
    assert "提交完成报告" in page and "确认接单" not in page
    not_image = contractor.post(
        f"/my/orders/{order['id']}/done",
        data={"csrf": csrf(page), "note": "更换了浮球开关"},
        files={"photos": ("report.png", b"%PDF-1.4 not an image", "image/png")},
    )
    assert not_image.status_code == 415 and "不是支持的图片" in not_image.text
    assert "更换了浮球开关" in not_image.text  # what was typed comes back
    done = contractor.post(
        f"/my/orders/{order['id']}/done",
        data={"csrf": csrf(page), "note": "更换了浮球开关"},
        files={"photos": ("浮球.png", photo(), "image/png")},
    )
    assert done.status_code == 303
    saved = desk.order(order["id"])
    assert saved["state"] == "resolved"
    [picture] = work_orders.attachments(desk.ctx.db, order["id"])
    assert (picture["content_type"], picture["uploaded_by"]) == (
        "image/png",
        "contractor 的名字（contractor）",
    )
    assert desk.history(order["id"])[-1] == ("acknowledged", "resolved", "contractor 的名字（contractor）")
    assert "（附照片 1 张）" in [t["note"] for t in work_orders.transitions(desk.ctx.db, order["id"])][-1]
    again = contractor.post(f"/my/orders/{order['id']}/done", data={"csrf": csrf(page), "note": "再报一次"})
    assert again.status_code == 409


def test_a_contractor_reports_a_routine_visit_with_its_checklist(desk):
    desk.sweep(7 * DAY)  # the fortnight's inspection opens
    [order] = [o for o in desk.work_orders() if o["kind"] == "routine_inspection"]
    desk.at(9 * DAY + 12 * HOUR)
    contractor, _ = login(desk, "contractor")
    page = contractor.get(f"/my/orders/{order['id']}").text
    assert 'name="visited"' in page and "设备运行正常" in page
    questions = desk.ctx.rules.inspections.checklist
    answers = {f"q{i}": "yes" for i in range(len(questions))}
    partial = contractor.post(
        f"/my/orders/{order['id']}/done",
        data={"csrf": csrf(page), "visited": "2026-10-21T09:30", "q0": "yes"},
    )
    assert partial.status_code == 400 and "请回答全部巡检项目" in partial.text
    assert re.search(r'name="q0" value="yes" checked', partial.text)  # answers kept
    done = contractor.post(
        f"/my/orders/{order['id']}/done",
        data={"csrf": csrf(page), "visited": "2026-10-21T09:30", **answers, "q1": "no"},
    )
    assert done.status_code == 303
    saved = desk.order(order["id"])
    assert saved["visited_at"] == T0 + 9 * DAY + 9 * HOUR + 30 * 60
    assert json.loads(saved["checklist"])[questions[1]] == "no"


def test_a_contractors_check_in_starts_its_visit_time_and_shows_in_its_timeline(desk):
    """The contractor's own page, as the operator's: the check-in is a row of the timeline with
    what its checks found, and the report's visit time starts at it."""
    desk.sweep(7 * DAY)
    [order] = [o for o in desk.work_orders() if o["kind"] == "routine_inspection"]
    desk.at(9 * DAY + 9 * HOUR + 30 * 60)
    contractor, _ = login(desk, "contractor")
    page = contractor.get(f"/my/orders/{order['id']}").text
    checked = contractor.post(
        f"/my/orders/{order['id']}/checkin",
        data={
            "csrf": csrf(page),
            "key": "c1",
            "plate": "",
            "error": "denied",
            "phone_at": str(desk.clock.now),
        },
    )
    assert checked.status_code == 200 and checked.json()["recorded"]
    desk.at(9 * DAY + 11 * HOUR)  # within the session's idle time
    page = contractor.get(f"/my/orders/{order['id']}").text
    assert 'id="visited" name="visited" value="2026-10-21T09:30"' in page
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", page) if "到场签到" in r]
    assert "2026-10-21 09:30" in row and "未扫描铭牌" in row and "手机拒绝提供定位" in row
    operator, _ = login(desk, "operator")
    [same] = [
        r for r in re.findall(r"<tr>.*?</tr>", operator.get(f"/orders/{order['id']}").text) if "到场签到" in r
    ]
    assert "未扫描铭牌" in same and "手机拒绝提供定位" in same


def test_a_contractor_sees_only_its_companys_orders_and_a_huge_form_is_refused(make_desk):
    desk = make_desk(OTHER)
    from wastewatch.maintenance import work_orders
    from wastewatch.web.fieldwork import max_body

    order = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "fault_repair", "manual", "清理格栅", now, "王科长"
        )
    )
    desk.act(lambda ctx, now: work_orders.assign(ctx, order["id"], "lvyuan", "王科长", "", now))
    contractor, _ = login(desk, "contractor")
    assert contractor.get(f"/my/orders/{order['id']}").status_code == 404
    page = contractor.get("/my").text
    assert order["id"] not in page
    huge = contractor.post(
        f"/my/orders/{order['id']}/done",
        data={"csrf": csrf(page)},
        files={"photos": ("big.png", b"0" * max_body(desk.config.web), "image/png")},
    )
    assert huge.status_code == 413 and "提交内容过大" in huge.text
