"""The whole path in real parts: a logger publishes, the service stores and checks, the
operator's mailbox (aiosmtpd) receives the alert."""

import email
import email.policy
import time

from tests.support import wait_until, wastewatch


def test_an_over_limit_reading_published_by_a_site_becomes_an_email(
    write_config, broker, publisher, app, mail
):
    path = write_config(broker, mail=mail, alerts="check_interval_s = 1\noutbox_interval_s = 1\n")
    running = app(path)
    assert running.ingestor.connected.wait(10), "the ingestor subscribes"
    now = int(time.time()) // 60 * 60
    for minutes in (3, 2, 1):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - minutes * 60))
        publisher.send("helin", {"ts": stamp, "values": {"cod": 95.0, "flow": 2.1}})
    wait_until(
        lambda: any("化学需氧量" in s for s in mail.subjects()), timeout=30, what="the COD alert email"
    )
    recipients, message = next((r, m) for r, m in mail.messages if "化学需氧量" in str(m["Subject"]))
    assert recipients == ["operator@tqhb.example.cn"]
    assert "数值：95 mg/L" in message.get_body(("plain",)).get_content()


def test_check_prints_what_opened_and_alerts_can_be_acknowledged_and_resolved(write_config, tmp_path):
    path = write_config()
    csv = tmp_path / "cod.csv"
    csv.write_text(
        "site,metric,ts,value\n"
        + "".join(f"helin,cod,2026-10-12T0{h}:00:00+08:00,{80 + h}\n" for h in range(3))
    )

    def run(*args):
        return wastewatch(*args, "--config", path)

    assert run("import", str(csv)).returncode == 0
    out = run("check", "--at", "2026-10-12T02:30").stdout
    assert "opened   alert 1: helin sample_exceedance cod value 82 (limit 60)" in out
    assert "opened   alert 2: helin comms_loss" not in out  # the last reading is 30 minutes old
    assert "0 reminders; 1 email is waiting in the outbox\n" in out
    listed = run("alerts", "list").stdout
    assert "firing" in listed and "sample_exceedance" in listed
    assert run("alerts", "ack", "1", "--by", "王工").stdout == "alert 1 acknowledged by 王工\n"
    again = run("alerts", "ack", "1", "--by", "王工")
    assert again.returncode == 1
    assert again.stderr == "wastewatch: alert 1 is acknowledged; only a firing alert can be acknowledged\n"
    assert run("alerts", "resolve", "1", "--note", "复核正常", "--by", "王工").returncode == 0
    shown = run("alerts", "show", "1").stdout
    # Facts one per line, in figures people read: no JSON, no float's every digit.
    assert (
        "{" not in shown
        and "value: 82  peak: 82" in shown
        and "  limit: 60 (DB51/2626-2019 一级标准)" in shown
    )
    assert (
        "firing → acknowledged by 王工" in shown
        and "acknowledged → resolved by 王工: resolved by hand: 复核正常" in shown
    )
    outbox = run("outbox", "list").stdout
    assert "2 emails (all)" in outbox and "Connection refused" not in outbox  # not sent yet: nothing tried
    assert run("alerts", "show", "99").stderr == "wastewatch: no alert 99; see 'wastewatch alerts list'\n"


def test_an_operator_takes_a_work_order_through_its_life_from_the_command_line(write_config, tmp_path):
    path = write_config()
    csv = tmp_path / "pump.csv"
    csv.write_text("site,metric,ts,value\nhelin,pump_state,2026-10-12T08:00:00+08:00,4\n")
    running = tmp_path / "running.csv"
    running.write_text("site,metric,ts,value\nhelin,pump_state,2026-10-12T09:00:00+08:00,1\n")

    def run(*args):
        return wastewatch(*args, "--config", path)

    run("import", str(csv))
    assert "opened   work order WO-202610-0001" in run("check", "--at", "2026-10-12T08:01").stdout
    listed = run("workorders", "list").stdout
    assert "WO-202610-0001 open" in listed and "fault_repair" in listed
    assert run("workorders", "ack", "WO-202610-0001", "--by", "李师傅").returncode == 0
    done = run("workorders", "done", "WO-202610-0001", "--note", "更换浮球开关", "--by", "李师傅")
    assert done.stdout == "work order WO-202610-0001 reported done by 李师傅; an operator verifies it next\n"
    refused = run("workorders", "verify", "WO-202610-0001", "--by", "王科长")
    assert refused.stderr == (
        "wastewatch: work order WO-202610-0001 cannot be closed yet: "
        "alert 1 (equipment pump_state) is still firing\n"
    )
    assert (
        "verification: not yet\n  alert 1 (equipment pump_state) is still firing"
        in run("workorders", "show", "WO-202610-0001").stdout
    )
    run("import", str(running))
    assert "resolved alert 1" in run("check", "--at", "2026-10-12T09:01").stdout
    verified = run("workorders", "verify", "WO-202610-0001", "--by", "王科长").stdout
    assert verified.startswith("work order WO-202610-0001 verified and closed (销号) by 王科长\n")
    assert "verification: alert 1 (equipment pump_state) resolved 2026-10-12 09:01" in verified
    shown = run("workorders", "show", "WO-202610-0001").stdout
    assert "state: closed" in shown and "acknowledged → resolved by 李师傅: 更换浮球开关" in shown
    assert "resolved → closed by 王科长" in shown
    closed_twice = run("workorders", "verify", "WO-202610-0001", "--by", "王科长")
    assert (
        closed_twice.stderr
        == "wastewatch: work order WO-202610-0001 is closed; verify needs it to be resolved\n"
    )
    assert (
        run("workorders", "reopen", "WO-202610-0001", "--note", "泵又报警", "--by", "王科长").returncode == 0
    )
    assert "WO-202610-0001 reopened" in run("workorders", "list", "--state", "reopened").stdout
    no_reason = run("workorders", "cancel", "WO-202610-0001", "--note", " ", "--by", "王科长")
    assert no_reason.stderr == "wastewatch: cancelling a work order needs a reason\n"
    assert run(
        "workorders", "assign", "WO-202610-0001", "--contractor", "nobody", "--by", "王科长"
    ).stderr == ("wastewatch: unknown contractor 'nobody'; the config has: qingyuan\n")
    new = run("workorders", "new", "--site", "helin", "--summary", "清理格栅", "--by", "王科长")
    assert new.stdout.startswith("work order WO-") and " opened for qingyuan, due " in new.stdout
    assert run("workorders", "show", "WO-209901-0001").stderr == (
        "wastewatch: no work order WO-209901-0001; see 'wastewatch workorders list'\n"
    )


def test_email_queued_while_smtp_is_down_outlives_a_restart_and_is_sent_without_repeats(
    write_config, broker, publisher, service, mail
):
    path = write_config(broker, mail=mail, alerts="check_interval_s = 1\noutbox_interval_s = 1\n")
    mail.stop()
    svc = service(path).start()
    now = int(time.time()) // 60 * 60
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    publisher.send("helin", {"ts": stamp, "values": {"pump_state": 4}})  # alarm: an alert and a work order
    from wastewatch.config import load_config
    from wastewatch.store.state import connect

    db = connect(load_config(svc.config_path).state_url)
    # The alarm's two emails. Not every row: on some days the sweep also opens the site's
    # routine inspection order, with an email of its own (the test ran into one at 00:42).
    alarm = (
        "(ref LIKE 'alert:%' OR ref IN (SELECT 'work_order:' || id FROM work_orders WHERE origin = 'alert'))"
    )
    wait_until(
        lambda: db.execute(f"SELECT COUNT(*) FROM outbox WHERE attempts > 0 AND {alarm}").scalar() == 2,
        timeout=30,
        what="two failed delivery attempts",
    )
    assert svc.stop() == 0
    mail.start()
    svc.start()
    # Once both rows are marked sent no sender claims them again: counting then is final.
    wait_until(
        lambda: db.execute(f"SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND {alarm}").scalar() == 2,
        timeout=30,
        what="both emails sent",
    )
    ids = [
        str(email.message_from_bytes(row["message"], policy=email.policy.default)["Message-ID"])
        for row in db.execute(f"SELECT message FROM outbox WHERE {alarm}")
    ]
    received = {str(m["Message-ID"]): str(m["Subject"]) for _, m in mail.messages}
    assert [sum(str(m["Message-ID"]) == i for _, m in mail.messages) for i in ids] == [1, 1]  # each once
    assert sorted(received[i][:5] for i in ids) == ["[严重] ", "[工单 W"]
    db.close()
    assert svc.stop() == 0
