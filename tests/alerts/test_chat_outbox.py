"""A message for a channel goes through the one outbox, on both state engines: stored whole,
claimed, sent to the robot, retried no sooner than the robot asked, failed for good on a wrong
secret, and each channel's last success and last error recorded."""

import json

from tests.chat_servers import DingTalk, Receiver, WeCom, channel_toml
from tests.conftest import VILLAGE_SITE
from wastewatch.config import load_config
from wastewatch.notify import channels, outbox
from wastewatch.notify.transports import dingtalk, wecom
from wastewatch.store.state import connect

SECRET = "SECf00dfeed"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def rows(db) -> list[dict]:
    return [
        dict(r) for r in db.execute("SELECT id, status, attempts, next_attempt_at, last_error FROM outbox")
    ]


def test_channel_messages_are_sent_retried_as_asked_and_refused_for_good(tmp_path, state_database):
    now = 1_790_000_000
    clock = [float(now)]  # the sender's and the far sides' (they check signatures by it)
    ding = DingTalk("t1", secret=SECRET, clock=lambda: clock[0]).start()
    crew, hook = WeCom("k1", clock=lambda: clock[0]).start(), Receiver(WHSEC, clock=lambda: clock[0]).start()
    try:
        path = tmp_path / "ww.toml"
        path.write_text(
            f'[service]\ndata_dir = "{tmp_path}"\n'
            + state_database
            + channel_toml("bureau", "dingtalk", ding.url, SECRET)
            + channel_toml("crew", "wecom", crew.url)
            + channel_toml("province", "webhook", hook.url, WHSEC)
            + channel_toml("wrong", "dingtalk", ding.url, "SECnot-this-one")
            + '\n[[contractors]]\nid = "qingyuan"\nname = "清源"\nemail = "d@q.example.cn"\n'
            + VILLAGE_SITE,
            encoding="utf-8",
        )
        config = load_config(path)
        db = connect(config.state_url)
        sender = outbox.Sender(config, db, clock=lambda: clock[0])
        body = dingtalk.markdown("COD 超标", "禾林村污水处理站 COD 95 mg/L（限值 60）")
        first = outbox.enqueue_chat(db, "alert", "alert:1", "bureau", "COD 超标", body, now)
        outbox.enqueue_chat(db, "alert", "alert:1", "crew", "COD 超标", wecom.text("禾林村 COD 95"), now)
        outbox.enqueue_chat(
            db, "alert", "alert:1", "province", "alert.opened", {"event": "alert.opened"}, now
        )
        refused = outbox.enqueue_chat(db, "alert", "alert:1", "wrong", "COD 超标", body, now)
        assert sender.run_once() == (3, 1)
        assert ding.messages == [body] and crew.messages[0]["text"]["content"] == "禾林村 COD 95"
        assert hook.messages == [{"event": "alert.opened"}] and hook.ids == ["wastewatch-3"]
        states = channels.states(db)
        assert states["bureau"]["last_success_at"] == now and states["bureau"]["last_error"] is None
        assert "310000" in states["wrong"]["last_error"]
        by_id = {r["id"]: r for r in rows(db)}
        assert by_id[first]["status"] == "sent"
        assert by_id[refused]["status"] == "failed" and "sign not match" in by_id[refused]["last_error"]

        # Past the robot's rate: the row waits the ten minutes DingTalk throttles for, not the
        # outbox's own 30 s back-off, and nothing is lost.
        ding.per_minute = 1  # the robot's budget is spent for this minute (it took one)
        waiting = outbox.enqueue_chat(db, "alert", "alert:2", "bureau", "pH", body, now)
        assert sender.run_once() == (0, 1)
        row = {r["id"]: r for r in rows(db)}[waiting]
        assert row["status"] == "pending" and row["next_attempt_at"] >= now + 600
        assert "130101" in channels.states(db)["bureau"]["last_error"]
        assert sender.run_once() == (0, 0)  # not due yet
        ding.throttled_until, ding.per_minute = 0, 20
        ding._sent.clear()
        clock[0] = now + 601
        assert sender.run_once() == (1, 0) and len(ding.messages) == 2
        assert (
            json.loads(db.execute("SELECT message FROM outbox WHERE id = :i", {"i": waiting}).scalar())
            == body
        )
        db.close()
    finally:
        for server in (ding, crew, hook):
            server.stop()


def test_a_channel_gone_from_the_config_keeps_its_messages(tmp_path):
    path = tmp_path / "ww.toml"
    path.write_text(f'[service]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    config = load_config(path)
    db = connect(config.state_url)
    row = outbox.enqueue_chat(db, "alert", "alert:1", "removed", "x", {"msgtype": "text"}, 0)
    sender = outbox.Sender(config, db)
    assert sender.run_once() == (0, 1)
    kept = {r["id"]: r for r in rows(db)}[row]
    assert kept["status"] == "pending" and kept["last_error"] == "no channel 'removed' in the config"
    db.close()
