"""`wastewatch serve` end to end: MQTT in, email out, the contractor's links on its own pages,
and a kill in the middle."""

import time

import httpx

from tests.maintenance.desk import BUREAU, links
from tests.support import wait_until
from wastewatch.config import load_config
from wastewatch.maintenance import work_orders
from wastewatch.store.state import connect

FAST = "check_interval_s = 1\noutbox_interval_s = 1\nsla_interval_s = 1\n"


def test_a_kill_in_the_middle_loses_no_order_transition_or_email(
    write_config, broker, publisher, service, mail
):
    path = write_config(broker, mail=mail, extra=BUREAU, alerts=FAST)
    svc = service(path).start()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time()) // 60 * 60 - 60))
    publisher.send("helin", {"ts": stamp, "values": {"pump_state": 4}})
    wait_until(
        lambda: [m for _, m in mail.messages if "故障维修" in str(m["Subject"])], what="the work-order email"
    )
    [order_email] = [m for _, m in mail.messages if "故障维修" in str(m["Subject"])]
    urls = links(order_email)
    order_id = urls["done"].split("/wo/")[1].split("/")[0]

    with httpx.Client(timeout=10) as http:
        ack = http.post(urls["acknowledge"], data={"t": urls["acknowledge"].split("t=")[1], "name": "李师傅"})
        assert ack.status_code == 200
        mail.stop()  # the operators' email about the report cannot leave yet
        done = http.post(urls["done"], data={"t": urls["done"].split("t=")[1], "note": "更换浮球开关"})
        assert done.status_code == 200
    svc.kill()

    db = connect(load_config(path).state_url)
    pending = db.execute(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'work-order-update' AND status = 'pending'"
    )
    assert pending.scalar() == 1
    mail.start()
    svc = service(path).start()
    wait_until(
        lambda: [m for _, m in mail.messages if "运维单位报告已完成" in str(m["Subject"])],
        what="the queued email after the restart",
    )
    assert [(t["old_state"], t["new_state"]) for t in work_orders.transitions(db, order_id)] == [
        (None, "open"),
        ("open", "acknowledged"),
        ("acknowledged", "resolved"),
    ]
    with httpx.Client(timeout=10) as http:  # the links outlive the process, and stay spent
        assert http.post(urls["done"], data={"t": urls["done"].split("t=")[1]}).status_code == 409
        assert http.get(urls["done"].split("/wo/")[0] + "/healthz").text == "ok"
    # Once nothing is pending no sender can send anything again: counting then is final.
    wait_until(
        lambda: db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").scalar() == 0,
        what="every email sent",
    )
    subjects = [str(m["Subject"]) for _, m in mail.messages]
    assert (
        sum("故障维修" in s for s in subjects) == 1 and sum("运维单位报告已完成" in s for s in subjects) == 1
    )
    assert svc.stop() == 0


def test_serve_says_in_one_sentence_when_the_pages_port_is_taken(write_config, broker):
    import socket

    from tests.support import wastewatch

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    path = write_config(broker)
    path.write_text(path.read_text().replace("[web]\nport = ", f"[web]\nport = {port}\n# was "))
    try:
        result = wastewatch("serve", "--config", path, timeout=60)
    finally:
        taken.close()
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        f"wastewatch: the work-order pages cannot listen on 127.0.0.1:{port} "
        "(is the port taken? set [web] port, or [web] enabled = false)"
    )
