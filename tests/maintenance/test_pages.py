"""The contractor acts from the email: real SMTP, real uvicorn, an HTTP client, the clock passed in."""

import hashlib
import json

import pytest

from tests.alerts.harness import DAY, HOUR
from tests.maintenance.desk import links, photo, text
from wastewatch.maintenance import work_orders


def pump_alarm(desk, at: int = 60):
    desk.write("pump_state", [(0, 4)])
    desk.cycle(at)
    [order] = [o for o in desk.work_orders() if o["kind"] == "fault_repair"]
    desk.send()
    [(recipients, message)] = desk.emails(f"[工单 {order['id']}]")
    return order, links(message)


def test_a_contractor_acknowledges_and_reports_done_from_the_links_in_the_email(desk, tmp_path):
    order, urls = pump_alarm(desk)
    assert set(urls) == {"acknowledge", "done"}

    page = desk.http.get(urls["acknowledge"])
    assert page.status_code == 200
    assert order["id"] in page.text and "城厢镇禾林村污水处理站" in page.text and "确认接单" in page.text
    token = urls["acknowledge"].split("t=")[1]
    desk.at(2 * HOUR)
    done = desk.http.post(urls["acknowledge"], data={"t": token, "name": "李师傅", "note": "已安排人员前往"})
    assert done.status_code == 200 and "已接单" in done.text
    assert desk.order(order["id"])["state"] == "acknowledged"
    assert desk.order(order["id"])["acknowledged_at"] == desk.clock.now

    desk.at(20 * HOUR)
    picture = photo()
    form = desk.http.get(urls["done"])
    assert form.status_code == 200 and 'type="file"' in form.text
    # The name is optional, and the form says so and what becomes of it.
    assert "您的姓名（选填）" in form.text and "记入工单记录" in form.text
    assert (
        'id="name" name="name" maxlength="40"' in form.text
        and "required" not in form.text.split('id="name"')[1][:120]
    )
    reported = desk.http.post(
        urls["done"],
        data={"t": urls["done"].split("t=")[1], "name": "李师傅", "note": "更换浮球开关，泵恢复运行"},
        files=[("photos", ("现场.png", picture, "image/png"))],
    )
    assert (
        reported.status_code == 200
        and "已提交完成报告" in reported.text
        and "已保存照片 1 张" in reported.text
    )
    saved = desk.order(order["id"])
    assert saved["state"] == "resolved" and saved["resolved_at"] == desk.clock.now
    [attachment] = work_orders.attachments(desk.ctx.db, order["id"])
    stored = desk.config.data_dir / attachment["path"]
    assert stored.read_bytes() == picture and attachment["sha256"] == hashlib.sha256(picture).hexdigest()
    assert attachment["content_type"] == "image/png" and attachment["original_name"] == "现场.png"
    assert desk.history(order["id"]) == [
        (None, "open", "rules"),
        ("open", "acknowledged", "qingyuan/李师傅"),
        ("acknowledged", "resolved", "qingyuan/李师傅"),
    ]

    # The operators hear about it and cross it off.
    desk.send()
    [(recipients, message)] = desk.emails("运维单位报告已完成")
    assert recipients[0] == "operator@tqhb.example.cn" and "更换浮球开关，泵恢复运行（附照片 1 张）" in text(
        message
    )
    assert "乡镇：城厢镇\n村：禾林村" in text(message)  # the town and the village, each in its place
    assert "已处理完毕（报告人：李师傅）" in text(message)
    assert message["In-Reply-To"] is not None  # in the order's thread
    with pytest.raises(work_orders.WorkOrderError, match=r"alert 1 \(equipment pump_state\) is still firing"):
        desk.act(work_orders.verify, order["id"], "王科长", "现场核实")
    desk.write("pump_state", [(20 * HOUR, 1)])  # the pump runs again: the alarm resolves
    desk.cycle(20 * HOUR + 60)
    desk.act(work_orders.verify, order["id"], "王科长", "现场核实")
    assert desk.order(order["id"])["state"] == "closed"


def test_links_that_are_tampered_with_expired_replayed_or_for_another_order_are_refused(desk):
    order, urls = pump_alarm(desk)
    desk.at(HOUR)
    other = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "清理格栅", now, "王科长"
        )
    )
    desk.send()
    other_urls = links(desk.emails(f"[工单 {other['id']}]")[0][1])
    ack, token = urls["acknowledge"], urls["acknowledge"].split("t=")[1]
    base = ack.split("/wo/")[0]

    tampered = ack[:-3] + ("A" if ack[-3] != "A" else "B") + ack[-2:]
    page = desk.http.get(tampered)
    assert page.status_code == 400 and "签名校验失败" in page.text
    missing = desk.http.get(ack.split("?")[0])
    assert missing.status_code == 400 and "缺少签名" in missing.text
    cross = desk.http.get(f"{base}/wo/{other['id']}/acknowledge?t={token}")
    assert cross.status_code == 400 and "属于另一张工单" in cross.text
    wrong_action = desk.http.get(f"{base}/wo/{order['id']}/done?t={token}")
    assert wrong_action.status_code == 400
    assert desk.order(order["id"])["state"] == "open"  # none of that changed anything

    assert desk.http.post(ack, data={"t": token}).status_code == 200
    replay = desk.http.post(ack, data={"t": token})
    # Said as what became of the order, not that the link was used.
    assert replay.status_code == 409 and "此工单已于 2026-10-12 01:00 接单" in replay.text
    assert desk.http.get(ack).status_code == 409
    assert [h[1] for h in desk.history(order["id"])].count("acknowledged") == 1

    desk.at(HOUR + 7 * DAY + 1)  # link_valid_h = 168
    expired = desk.http.get(other_urls["acknowledge"])
    assert expired.status_code == 410 and "链接已过期" in expired.text
    assert desk.order(other["id"])["state"] == "open"


def test_photos_are_checked_by_their_content_and_size_and_a_refusal_does_not_spend_the_link(
    write_config, mail
):
    from tests.maintenance.desk import BUREAU, Desk

    desk = Desk(write_config(mail=mail, extra=BUREAU, web="max_photos = 2\nmax_photo_mb = 0.05\n"), mail)
    try:
        order, urls = pump_alarm(desk)
        url, token = urls["done"], urls["done"].split("t=")[1]
        renamed = desk.http.post(
            url,
            data={"t": token, "note": "x"},
            files=[("photos", ("photo.jpg", b"%PDF-1.4 not a photo", "image/jpeg"))],
        )
        assert renamed.status_code == 415 and "“photo.jpg”不是支持的图片格式" in renamed.text
        big = photo((400, 400), noise=True)
        assert len(big) > 0.05 * 1024 * 1024
        too_big = desk.http.post(
            url, data={"t": token, "note": "x"}, files=[("photos", ("big.png", big, "image/png"))]
        )
        assert too_big.status_code == 413 and "每张照片不超过 0.05 MB" in too_big.text
        three = [("photos", (f"p{i}.png", photo(), "image/png")) for i in range(3)]
        too_many = desk.http.post(url, data={"t": token, "note": "x"}, files=three)
        assert too_many.status_code in (400, 413)
        assert desk.order(order["id"])["state"] == "open" and not work_orders.attachments(
            desk.ctx.db, order["id"]
        )
        jpeg = photo(kind="JPEG")
        ok = desk.http.post(
            url, data={"t": token, "note": "修好了"}, files=[("photos", ("a.jpg", jpeg, "image/jpeg"))]
        )
        assert ok.status_code == 200 and desk.order(order["id"])["state"] == "resolved"
        assert [a["content_type"] for a in work_orders.attachments(desk.ctx.db, order["id"])] == [
            "image/jpeg"
        ]
    finally:
        desk.stop()


def test_a_routine_visit_records_its_time_and_checklist_answers(desk):
    from tests.alerts.harness import T0

    desk.sweep(7 * DAY)  # 2026-10-19: the fortnight's inspection opens a week before it is due
    [order] = [o for o in desk.work_orders() if o["kind"] == "routine_inspection"]
    desk.send()
    urls = links(desk.emails(f"[工单 {order['id']}]")[0][1])
    desk.at(9 * DAY + 12 * HOUR)  # 2026-10-21 12:00
    page = desk.http.get(urls["done"])
    assert page.status_code == 200 and "设备运行正常" in page.text and 'name="visited"' in page.text
    token = urls["done"].split("t=")[1]
    questions = desk.ctx.rules.inspections.checklist
    answers = {f"q{i}": "yes" for i in range(len(questions))}
    partial = desk.http.post(urls["done"], data={"t": token, "visited": "2026-10-21T09:30", "q0": "yes"})
    assert partial.status_code == 400 and "请回答全部巡检项目" in partial.text
    future = desk.http.post(urls["done"], data={"t": token, "visited": "2026-10-29T09:30", **answers})
    assert future.status_code == 400 and "到场时间" in future.text
    answers["q1"] = "no"
    done = desk.http.post(
        urls["done"],
        data={"t": token, "visited": "2026-10-21T09:30", "note": "格栅有堵塞，已清理", **answers},
    )
    assert done.status_code == 200
    saved = desk.order(order["id"])
    assert saved["visited_at"] == T0 + 9 * DAY + 9 * HOUR + 30 * 60
    checklist = json.loads(saved["checklist"])
    assert list(checklist) == questions and checklist[questions[1]] == "no"


@pytest.mark.parametrize("lang, words", [("en", "Acknowledge"), ("zh-CN", "确认接单")])
def test_the_page_speaks_chinese_by_default_and_english_on_request(desk, lang, words):
    order, urls = pump_alarm(desk)
    page = desk.http.get(urls["acknowledge"] + ("&lang=en" if lang == "en" else ""))
    assert page.status_code == 200 and words in page.text and f'lang="{lang}"' in page.text


def test_what_a_contractor_types_is_shown_back_escaped(desk):
    order, urls = pump_alarm(desk)
    page = desk.http.post(
        urls["done"],
        data={"t": urls["done"].split("t=")[1], "note": "<script>alert(1)</script>"},
        files=[("photos", ("x.png", b"not an image", "image/png"))],
    )
    assert page.status_code == 415
    assert (
        "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    )


def test_a_phone_jpeg_with_mpf_data_is_accepted_as_a_jpeg(desk):
    import io

    from PIL import Image

    order, urls = pump_alarm(desk)
    frames = [Image.new("RGB", (64, 48), colour) for colour in ((30, 120, 200), (200, 120, 30))]
    out = io.BytesIO()
    frames[0].save(out, "MPO", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    done = desk.http.post(
        urls["done"],
        data={"t": urls["done"].split("t=")[1], "note": "已修复"},
        files=[("photos", ("IMG_0001.JPG", out.getvalue(), "image/jpeg"))],
    )
    assert done.status_code == 200
    [saved] = work_orders.attachments(desk.ctx.db, order["id"])
    assert (saved["content_type"], saved["path"][-4:]) == ("image/jpeg", ".jpg")


def test_a_checklist_field_with_a_non_ascii_digit_is_ignored_not_a_server_error(desk):
    desk.sweep(7 * DAY)
    [order] = [o for o in desk.work_orders() if o["kind"] == "routine_inspection"]
    desk.send()
    urls = links(desk.emails(f"[工单 {order['id']}]")[0][1])
    desk.at(9 * DAY + 12 * HOUR)
    token = urls["done"].split("t=")[1]
    answers = {f"q{i}": "yes" for i in range(len(desk.ctx.rules.inspections.checklist))}
    odd = desk.http.post(
        urls["done"], data={"t": token, "visited": "2026-10-21T09:30", "q²": "yes", "q٣": "no"}
    )
    assert odd.status_code == 400 and "请回答全部巡检项目" in odd.text
    done = desk.http.post(
        urls["done"], data={"t": token, "visited": "2026-10-21T09:30", "q²": "yes", **answers}
    )
    assert done.status_code == 200


def test_control_characters_a_contractor_types_never_reach_a_log_line_or_the_cli_as_such(desk, caplog):
    from tests.support import wastewatch

    order, urls = pump_alarm(desk)
    name = "张三\r\n2026-10-12 INFO forged line\x1b[2J"
    note = "换了泵\r\n明天复查\x1b[31m\u202e"
    with caplog.at_level("INFO", logger="wastewatch.web"):
        done = desk.http.post(
            urls["done"], data={"t": urls["done"].split("t=")[1], "name": name, "note": note}
        )
    assert done.status_code == 200
    [last] = [
        t
        for t in desk.ctx.db.execute(
            "SELECT actor, note FROM work_order_transitions WHERE work_order_id = :id "
            "ORDER BY id DESC LIMIT 1",
            {"id": order["id"]},
        )
    ]
    assert last["actor"] == "qingyuan/张三 2026-10-12 INFO forged line [2J"  # one line, no escape byte
    assert last["note"] == "换了泵\n明天复查[31m\u202e"  # line breaks kept as LF
    logged = [r.getMessage() for r in caplog.records if order["id"] in r.getMessage()]
    assert logged and all("\n" not in m and "\r" not in m and "\x1b" not in m for m in logged)
    shown = wastewatch("workorders", "show", order["id"], "--config", desk.path)
    assert shown.returncode == 0, shown.stderr
    [line] = [line for line in shown.stdout.splitlines() if "换了泵" in line]
    assert line.endswith("换了泵\\n明天复查[31m\\u202e")
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout


SECOND_CONTRACTOR = (
    '[[contractors]]\nid = "lvshui"\nname = "雅安绿水环境工程有限公司"\nemail = "crew@lvshui.example.cn"\n'
)


def test_reassigning_an_order_retires_the_old_contractors_links(write_config, mail):
    from tests.maintenance.desk import BUREAU, Desk
    from wastewatch.maintenance import work_orders as orders

    desk = Desk(write_config(mail=mail, extra=BUREAU + SECOND_CONTRACTOR), mail)
    try:
        order, old = pump_alarm(desk)
        desk.act(lambda ctx, now: orders.assign(ctx, order["id"], "lvshui", "王科长", "换单位", now))
        desk.send()
        refused = desk.http.get(old["acknowledge"])
        assert refused.status_code == 409 and "此链接已使用过" in refused.text
        posted = desk.http.post(old["done"], data={"t": old["done"].split("t=")[1], "note": "x"})
        assert posted.status_code == 409
        assert desk.order(order["id"])["state"] == "open"
        new_mail = [m for r, m in desk.emails(f"[工单 {order['id']}]") if "crew@lvshui.example.cn" in r]
        assert new_mail, [(r, str(m["Subject"])) for r, m in desk.mail.messages]
        new = links(new_mail[-1])
        ok = desk.http.post(new["acknowledge"], data={"t": new["acknowledge"].split("t=")[1], "name": "赵"})
        assert ok.status_code == 200 and desk.order(order["id"])["state"] == "acknowledged"
        assert desk.history(order["id"])[-1][2] == "lvshui/赵"
    finally:
        desk.stop()


def test_two_submits_of_one_link_at_the_same_moment_act_once(desk):
    import threading

    order, urls = pump_alarm(desk)
    token = urls["done"].split("t=")[1]
    start = threading.Barrier(2)
    answers = []

    def submit(note: str) -> None:
        import httpx

        with httpx.Client(timeout=10) as client:
            start.wait()
            answers.append(client.post(urls["done"], data={"t": token, "note": note}).status_code)

    threads = [threading.Thread(target=submit, args=(f"第{n}次",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    done = [h for h in desk.history(order["id"]) if h[1] == "resolved"]
    assert len(done) == 1
    desk.send()
    assert len(desk.emails(f"[工单 {order['id']}]")) == 2  # the order, then one report of it done
