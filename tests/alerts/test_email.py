"""Alert and work-order emails through the outbox to a real SMTP server (aiosmtpd)."""

import re
import threading

import pytest

from tests.alerts.harness import HOUR, Harness
from tests.support import wait_until
from wastewatch.notify.outbox import Sender
from wastewatch.store.state import connect


@pytest.fixture
def plant(write_config, mail):
    harness = Harness(write_config(mail=mail))
    yield harness
    harness.close()


def over_limit(plant, start_hour: int = 0) -> None:
    plant.write("cod", [((start_hour + h) * HOUR, 80.0 + h) for h in range(3)])
    plant.cycle((start_hour + 2) * HOUR + 60)


def send(plant) -> tuple[int, int]:
    return Sender(plant.config, plant.ctx.db).run_once()


def test_the_alert_email_says_what_where_how_much_and_against_which_limit(plant, mail):
    over_limit(plant)
    assert send(plant) == (1, 0)
    [(recipients, message)] = mail.messages
    assert recipients == ["operator@tqhb.example.cn"]
    assert message["From"] == "wastewatch@tqhb.example.cn"
    assert message["Subject"] == "[警告] 城厢镇 城厢镇禾林村污水处理站：出水单样本超标（化学需氧量）"
    text = message.get_body(("plain",)).get_content()
    for fact in (
        "城厢镇禾林村污水处理站（helin）",
        "乡镇：城厢镇\n村：禾林村\n\n问题",  # the town and the village, each in its place
        "数值：82 mg/L",
        "限值：60 mg/L",
        "DB51/2626-2019 一级标准",
        "单次样本" if False else "日均值",
        "2026-10-12 00:00",
        "⚠ 此限值为暂定值",
        "下一步：",
        "岷江沱江重点控制区域",
    ):
        assert fact in text, fact
    html = message.get_body(("html",)).get_content()
    assert re.search(r'<th style="[^"]*padding: 6px 10px[^"]*">限值</th><td style="[^"]*">60 mg/L', html)


def test_the_html_part_escapes_what_people_typed(write_config, mail):
    from tests.conftest import VILLAGE_SITE

    plant = Harness(
        write_config(
            mail=mail,
            site=VILLAGE_SITE.replace('name = "城厢镇禾林村污水处理站"', 'name = "禾林<script>x</script>站"'),
        )
    )
    try:
        over_limit(plant)
        send(plant)
        html = mail.messages[0][1].get_body(("html",)).get_content()
        assert "<script>" not in html and "&lt;script&gt;" in html
    finally:
        plant.close()


def test_resolution_and_reminder_reply_in_the_incidents_thread(plant, mail):
    plant.write("flow", [(0, 2.0)])
    plant.cycle(0)
    plant.cycle(2 * HOUR)  # comms loss
    plant.cycle(6 * HOUR)  # reminder
    plant.write("flow", [(6 * HOUR + 60, 2.0)])
    plant.cycle(6 * HOUR + 120)  # resolved
    send(plant)
    comms = [m for _, m in mail.messages if "数据中断" in str(m["Subject"])]
    assert [str(m["Subject"])[:8] for m in comms] == ["[严重] 城厢镇", "[提醒·未确认]", "[已恢复] 城厢"]
    # Compared unfolded: a header over 78 characters is folded after its name, and the three
    # names differ in length, so one id may be folded where another is not (a random part of
    # the id makes its length vary; mail clients read the id either way).
    root = comms[0]["Message-ID"].strip()
    assert all(m["In-Reply-To"].strip() == root and m["References"].strip() == root for m in comms[1:])
    assert "原因：自 2026-10-12 06:01 起已恢复正常" in comms[2].get_body(("plain",)).get_content()


def test_the_work_order_email_goes_to_the_contractor_with_id_and_deadline(plant, mail):
    plant.write("pump_state", [(0, 4)])
    plant.cycle(60)
    send(plant)
    [(recipients, message)] = [(r, m) for r, m in mail.messages if "工单" in str(m["Subject"])]
    order = plant.work_orders()[0]
    assert recipients == ["dispatch@qingyuan.example.cn", "operator@tqhb.example.cn"]
    assert message["To"] == "dispatch@qingyuan.example.cn" and message["Cc"] == "operator@tqhb.example.cn"
    assert (
        str(message["Subject"])
        == f"[工单 {order['id']}] 城厢镇 城厢镇禾林村污水处理站：故障维修，2026-10-15 00:01 前完成"
    )
    text = message.get_body(("plain",)).get_content()
    assert "天全县清源环保运维有限公司：" in text and "接单期限：2026-10-13 00:01" in text
    assert "完成期限：2026-10-15 00:01" in text and "设备状态：报警" in text
    # Links the contractor acts from: one to acknowledge, one to report done.
    assert f"/wo/{order['id']}/acknowledge?t=" in text and f"/wo/{order['id']}/done?t=" in text


def test_english_is_available(write_config, mail):
    path = write_config(mail=mail)
    path.write_text(path.read_text().replace("[service]\n", '[service]\nlocale = "en"\n'))
    plant = Harness(path)
    try:
        over_limit(plant)
        send(plant)
        message = mail.messages[0][1]
        assert (
            message["Subject"] == "[warning] 城厢镇 城厢镇禾林村污水处理站: Effluent sample over limit (COD)"
        )
        assert (
            "Limit: 60 mg/L (DB51/2626-2019 grade 1, daily mean)"
            in message.get_body(("plain",)).get_content()
        )
    finally:
        plant.close()


def test_an_smtp_outage_delays_email_and_the_retries_deliver_each_one_without_repeats(plant, mail):
    mail.stop()
    over_limit(plant)
    plant.write("pump_state", [(3 * HOUR, 4)])
    plant.cycle(3 * HOUR + 60)  # a second alert and its work order
    assert send(plant) == (0, 3)
    rows = plant.ctx.db.execute("SELECT status, attempts, last_error FROM outbox").fetchall()
    assert all(
        r["status"] == "pending" and r["attempts"] == 1 and "Connection refused" in r["last_error"]
        for r in rows
    )
    assert send(plant) == (0, 0)  # backing off: nothing is due for at least retry_min_s (1 s)
    mail.start()
    sent = []
    wait_until(lambda: sent.append(send(plant)[0]) or sum(sent) == 3, timeout=10, what="the retries")
    assert send(plant) == (0, 0)
    assert len(mail.messages) == 3 and len(set(mail.subjects())) == 3


def test_pending_email_outlives_its_process_and_the_next_sender_sends_it(plant, mail):
    over_limit(plant)
    plant.restart()  # the process that queued it is gone
    assert Sender(plant.config, connect(plant.config.state_url)).run_once() == (1, 0)
    assert Sender(plant.config, connect(plant.config.state_url)).run_once() == (0, 0)
    assert len(mail.messages) == 1


def test_two_senders_at_once_never_send_the_same_email_twice(plant, mail):
    for day in range(10):  # ten incidents, each with its own email
        over_limit(plant, start_hour=day * 12)
        plant.write("cod", [((day * 12 + 3 + h) * HOUR, 30.0) for h in range(4)])
        plant.cycle((day * 12 + 6) * HOUR + 60)
    total = plant.ctx.db.execute("SELECT COUNT(*) FROM outbox").scalar()
    assert total == 20  # ten alerts, ten resolutions
    senders = [Sender(plant.config, connect(plant.config.state_url)) for _ in range(2)]
    threads = [threading.Thread(target=s.run_once) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: len(mail.messages) >= total, what="all emails")
    assert sorted(m["Message-ID"] for _, m in mail.messages) == sorted(
        set(m["Message-ID"] for _, m in mail.messages)
    )
    assert len(mail.messages) == total


def test_a_permanent_refusal_is_kept_as_failed_and_can_be_retried(plant, mail):
    from wastewatch.notify.outbox import retry

    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 no such mailbox"

    mail.stop()
    from aiosmtpd.controller import Controller

    refusing = Controller(Refusing(), hostname="127.0.0.1", port=mail.port)
    refusing.start()
    try:
        over_limit(plant)
        assert send(plant) == (0, 1)
    finally:
        refusing.stop()
    row = plant.ctx.db.execute("SELECT id, status, last_error FROM outbox").fetchone()
    assert row["status"] == "failed" and "550 no such mailbox" in row["last_error"]
    mail.start()
    assert retry(plant.ctx.db, row["id"])
    assert send(plant) == (1, 0)


def serving(mail, handler):
    """The test's mail server replaced, on its port, by one with `handler`'s answers."""
    from aiosmtpd.controller import Controller

    mail.stop()
    controller = Controller(handler, hostname="127.0.0.1", port=mail.port)
    controller.start()
    return controller


def queue_one(plant, recipients: list[str]) -> int:
    from email.message import EmailMessage

    from wastewatch.maintenance.reaction import changing
    from wastewatch.notify.outbox import enqueue

    message = EmailMessage()
    message["Subject"], message["From"] = "测试", "wastewatch@tqhb.example.cn"
    message["To"] = ", ".join(recipients)
    message.set_content("正文")
    with changing(plant.ctx) as ctx:
        return enqueue(ctx.db, "test", "test:1", recipients, message, plant.clock.now)


def test_an_email_whose_claim_lapsed_is_sent_by_the_next_sender_and_recorded_once(plant, mail):
    over_limit(plant)
    dead = Sender(plant.config, connect(plant.config.state_url), clock=plant.clock)
    assert dead._claim(0) is not None  # claimed, then the process died before sending
    alive = Sender(plant.config, connect(plant.config.state_url), clock=plant.clock)
    assert alive.run_once() == (0, 0)  # the claim still holds
    plant.clock.now += dead.lease_s + 1
    assert alive.run_once() == (1, 0)
    assert alive.run_once() == (0, 0)
    row = plant.ctx.db.execute("SELECT status, attempts, claimed_by FROM outbox").fetchone()
    assert (row["status"], row["attempts"], row["claimed_by"]) == ("sent", 1, None)
    assert len(mail.messages) == 1


def test_a_recipient_refused_among_others_is_noted_and_the_email_not_sent_again(plant, mail):
    received = []

    class RefusesOne:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.startswith("gone@"):
                return "550 5.1.1 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            received.append(list(envelope.rcpt_tos))
            return "250 OK"

    controller = serving(mail, RefusesOne())
    try:
        queue_one(plant, ["operator@tqhb.example.cn", "gone@tqhb.example.cn"])
        assert send(plant) == (1, 0)
        assert send(plant) == (0, 0)
    finally:
        controller.stop()
    assert received == [["operator@tqhb.example.cn"]]
    row = plant.ctx.db.execute("SELECT status, attempts, last_error FROM outbox").fetchone()
    assert (row["status"], row["attempts"]) == ("sent", 1)
    assert row["last_error"] == "refused for gone@tqhb.example.cn (550 5.1.1 no such mailbox)"


@pytest.mark.parametrize(
    "answer, status", [("554 5.7.1 message refused", "failed"), ("451 4.3.0 try again later", "pending")]
)
def test_an_answer_after_data_decides_between_failed_and_retried(plant, mail, answer, status):
    class AnswersData:
        async def handle_DATA(self, server, session, envelope):
            return answer

    sender = Sender(plant.config, plant.ctx.db, clock=plant.clock)
    controller = serving(mail, AnswersData())
    try:
        queue_one(plant, ["operator@tqhb.example.cn"])
        assert sender.run_once() == (0, 1)
    finally:
        controller.stop()
    row = plant.ctx.db.execute("SELECT status, attempts, last_error, next_attempt_at FROM outbox").fetchone()
    assert (row["status"], row["attempts"]) == (status, 1)
    assert row["last_error"] == f"SMTP {answer}"
    if status == "pending":  # retried after back-off, and then delivered once
        mail.start()
        assert sender.run_once() == (0, 0)  # not before its time
        plant.clock.now = row["next_attempt_at"]
        assert sender.run_once() == (1, 0)
        assert len(mail.messages) == 1
