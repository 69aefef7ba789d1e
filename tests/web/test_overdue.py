"""Overdue, said one way everywhere: an order whose acknowledgement is late and whose repair
deadline is still ahead is marked "接单超时 7 小时" — which deadline, by how long — in every list,
card, page, email and export that shows it, and nowhere marked as past its repair deadline.
And the operator's queue: what needs them now, with a 催办 that reaches the contractor."""

import io
import re

from openpyxl import load_workbook

from tests.alerts.harness import DAY, HOUR
from tests.maintenance.desk import links, text
from tests.web.test_console import csrf, login
from tests.words import codes
from wastewatch.maintenance import work_orders

LATE = "接单超时 7 小时"
WRONG = ("完成期限已过", "已逾期", "OVERDUE")  # the repair deadline has not passed; no bare mark


def an_order_late_to_acknowledge(desk):
    """Opened at 01:00 on the 12th: acknowledge by 01:00 on the 13th, done by 01:00 on the 15th;
    the clock at 08:00 on the 13th, after the sweep's escalation and the morning digest."""
    desk.at(HOUR)
    order = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "清理格栅", now, "王科长"
        )
    )
    desk.send()
    desk.sweep(DAY + 8 * HOUR)
    desk.send()
    return order


def marked(where: str, seen: str) -> None:
    assert LATE in seen, where
    for wrong in WRONG:
        assert wrong not in seen, (where, wrong)


def test_every_place_that_marks_an_order_overdue_says_which_deadline_and_by_how_long(desk):
    order = an_order_late_to_acknowledge(desk)
    assert [x.deadline for x in work_orders.late(desk.order(order["id"]), desk.clock.now)] == ["acknowledge"]
    operator, _ = login(desk, "operator")
    places = {
        "order list": "/orders",
        "overdue orders only": "/orders?overdue=1",
        "order page": f"/orders/{order['id']}",
        "site page": "/sites/helin",
        "problem list": "/bulletin",
        "queue": "/queue",
    }
    for where, path in places.items():
        page = operator.get(path)
        assert page.status_code == 200, where
        row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{order['id']}(?:(?!</tr>).)*</tr>", page.text, re.S)
        marked(where, row[0] if row and where != "order page" else page.text)
    # The order's own page marks the acknowledgement, beside its date, and not the repair.
    page = operator.get(f"/orders/{order['id']}").text
    ack_row = re.search(r"<tr><th>接单期限</th><td>(.*?)</td></tr>", page)[1]
    repair_row = re.search(r"<tr><th>完成期限</th><td>(.*?)</td></tr>", page)[1]
    assert "2026-10-13 01:00" in ack_row and LATE in ack_row
    assert repair_row == "2026-10-15 01:00"
    # The problem list's workbook says the same.
    book = load_workbook(io.BytesIO(operator.get("/bulletin.xlsx").content))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    [row] = [r for r in sheet.iter_rows(min_row=2, values_only=True) if order["id"] in r]
    assert row[headers.index("逾期情况")] == LATE
    cells = [
        str(c)
        for s in book.worksheets
        for r in s.iter_rows(values_only=True)
        for c in r
        if isinstance(c, str)
    ]
    assert codes(" ".join(cells)) == []  # the export says words, not codes
    # The contractor's list and page.
    contractor, _ = login(desk, "contractor")
    marked("contractor's list", contractor.get("/my").text)
    own = contractor.get(f"/my/orders/{order['id']}").text
    marked("contractor's order", own)
    # The signed link's page, from the order's email.
    [opened] = [m for _, m in desk.emails("[工单 ") if str(m["Subject"]).endswith("前完成")]
    marked("signed link page", desk.http.get(links(opened)["acknowledge"]).text)
    # The emails: the morning digest and the bureau's escalation.
    [(_, digest)] = desk.emails("[工单日报")
    marked("digest", text(digest))
    [(_, escalation)] = desk.emails("[逾期]")
    marked("escalation", text(escalation))
    assert f"接单期限：2026-10-13 01:00（{LATE}）" in text(escalation)


def test_the_queue_lists_what_waits_and_a_chase_reaches_the_contractor_and_the_timeline(desk):
    order = an_order_late_to_acknowledge(desk)
    desk.write("cod", [(DAY + (5 + h) * HOUR, 90.0) for h in range(3)])
    desk.cycle(DAY + 8 * HOUR)  # a firing alert: three samples over the limit
    done = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "更换曝气头", now, "王科长"
        )
    )
    desk.act(work_orders.done, done["id"], "qingyuan/李师傅", "已更换")
    operator, answer = login(desk, "operator")
    assert answer.headers["location"] == "/queue"
    page = operator.get("/queue").text
    sections = dict(re.findall(r'<h2 id="(\w+)">[^<]*（(\d+)）</h2>', page))
    assert sections == {"overdue": "1", "verify": "1", "alerts": "1", "stops": "0"}
    assert re.search(r'<span class="count">3</span>', page)  # in the navigation, on every page
    assert '<span class="count">3</span>' in operator.get("/alerts").text
    before = len(desk.emails("催办"))
    chased = operator.post(
        f"/orders/{order['id']}/chase", data={"csrf": csrf(page), "note": "请今天到场", "back": "/queue"}
    )
    assert chased.status_code == 303 and chased.headers["location"] == f"/queue?chased={order['id']}"
    assert order["id"] in operator.get(chased.headers["location"]).text
    desk.send()
    [(_, email)] = desk.emails("催办")[before:]
    assert "dispatch@qingyuan.example.cn" in str(email["To"])
    assert LATE in str(email["Subject"]) and "请今天到场" in text(email)
    assert str(email["In-Reply-To"])  # in the order's thread
    timeline = operator.get(f"/orders/{order['id']}").text
    assert "请今天到场" in timeline and "operator 的名字（operator）" in timeline
    # An order done and waiting to be verified is not chased: nothing is owed.
    refused = operator.post(f"/orders/{done['id']}/chase", data={"csrf": csrf(page), "note": ""})
    assert refused.status_code == 409 and "只有等待运维单位处理的工单可以催办" in refused.text
    # The regulator has no queue.
    regulator, answer = login(desk, "regulator")
    assert answer.headers["location"] == "/" and regulator.get("/queue").status_code == 403


def test_the_verify_button_waits_for_the_readings_and_says_why_in_words(desk):
    desk.write("cod", [(h * HOUR, 95.0) for h in range(24)])
    desk.close_days(DAY + HOUR)
    [order] = desk.work_orders()
    desk.at(DAY + 2 * HOUR)
    desk.act(work_orders.done, order["id"], "qingyuan", "调整曝气")
    operator, _ = login(desk, "operator")
    page = operator.get(f"/orders/{order['id']}").text
    assert re.search(r'<button type="submit" disabled[^>]*>核验销号</button>', page)
    assert "读数确认故障消除后才能销号" in page and "出水日均值超标 化学需氧量" in page
    assert "daily_exceedance" not in page
    refused = operator.post(f"/orders/{order['id']}/verify", data={"csrf": csrf(page), "note": ""})
    assert (
        refused.status_code == 409
        and f"工单 {order['id']} 暂不能销号：告警 #1（出水日均值超标 化学需氧量）" in refused.text
    )
