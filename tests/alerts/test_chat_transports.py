"""The chat transports against local servers that answer as the platforms document: 加签 and a
stale timestamp, keywords, bad keys and tokens, HTTP 200 with an errcode, the rate limits,
byte limits cut on a character boundary, 5xx, timeouts and a server that is not there."""

import json
import time

import pytest

from tests.chat_servers import DingTalk, Receiver, WeCom
from wastewatch.notify.transports import TransportError, dingtalk, webhook, wecom
from wastewatch.notify.transports.chat import CUT, cut

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def robots():
    started = []

    def start(robot):
        started.append(robot.start())
        return robot

    yield start
    for robot in started:
        robot.stop()


def test_cut_keeps_whole_characters_and_says_where_the_rest_is():
    text = "禾林村污水处理站 COD 95 mg/L（限值 60）" * 40
    short = cut(text, 200)
    assert len(short.encode("utf-8")) <= 200 and short.endswith(CUT)
    assert text.startswith(short[: -len(CUT)])  # a prefix: no character broken or replaced
    assert cut("短消息", 200) == "短消息"
    for limit in range(len(CUT.encode()), 60):  # every cut point, through multi-byte characters
        assert len(cut(text, limit).encode("utf-8")) <= limit


def test_dingtalk_signs_each_request_and_a_wrong_secret_or_stale_clock_is_refused_for_good(robots):
    robot = robots(DingTalk("tok", secret=SECRET))
    body = dingtalk.markdown("COD 超标", "禾林村污水处理站 COD 95 mg/L")
    dingtalk.send(robot.url, SECRET, body)
    assert robot.messages == [body]
    with pytest.raises(TransportError) as wrong:
        dingtalk.send(robot.url, "SEC-not-this-one", body)
    assert wrong.value.permanent and "310000" in str(wrong.value)
    with pytest.raises(TransportError) as stale:
        dingtalk.send(robot.url, SECRET, body, now=time.time() - 3700)  # more than an hour off
    assert stale.value.permanent and "invalid timestamp" in str(stale.value)
    with pytest.raises(TransportError) as token:
        dingtalk.send(robot.url.replace("tok", "gone"), SECRET, body)
    assert token.value.permanent and "300005" in str(token.value)
    assert len(robot.messages) == 1 and robot.violations == []


def test_dingtalk_keyword_goes_into_the_title_when_the_text_lacks_it(robots):
    robot = robots(DingTalk("tok", keyword="运维"))
    dingtalk.send(robot.url, None, dingtalk.markdown("COD 超标", "禾林村", keyword="运维"))
    assert robot.messages[0]["markdown"]["title"] == "运维 COD 超标"
    with pytest.raises(TransportError) as refused:
        dingtalk.send(robot.url, None, dingtalk.markdown("COD 超标", "禾林村"))
    assert refused.value.permanent


def test_dingtalk_past_its_rate_is_throttled_and_told_to_wait_ten_minutes(robots):
    robot = robots(DingTalk("tok"))
    for n in range(20):
        dingtalk.send(robot.url, None, dingtalk.markdown("告警", f"第 {n} 条"))
    with pytest.raises(TransportError) as fast:
        dingtalk.send(robot.url, None, dingtalk.markdown("告警", "第 21 条"))
    assert not fast.value.permanent and fast.value.retry_after == 600
    assert len(robot.messages) == 20


def test_a_long_dingtalk_message_is_cut_to_the_body_limit_and_accepted(robots):
    robot = robots(DingTalk("tok"))
    body = dingtalk.markdown("日报", '站点 化学需氧量超标 "引号"\n' * 3000, mobiles=["13800000000"])
    assert len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()) <= dingtalk.BODY_LIMIT
    dingtalk.send(robot.url, None, body)
    text = robot.messages[0]["markdown"]["text"]
    assert text.endswith(CUT + " @13800000000") and robot.violations == []
    assert robot.messages[0]["at"] == {"atMobiles": ["13800000000"], "isAtAll": False}


def test_wecom_bad_key_is_permanent_frequency_is_retried_and_content_fits(robots):
    robot = robots(WeCom("k-1"))
    wecom.send(robot.url, wecom.markdown("**告警** 禾林村" + "超标" * 3000, userids=["wangke"]))
    content = robot.messages[0]["markdown"]["content"]
    assert len(content.encode()) <= wecom.MARKDOWN_LIMIT and content.endswith(CUT + "<@wangke>")
    wecom.send(robot.url, wecom.text("告警" * 2000, mobiles=["13800000000"]))
    assert robot.messages[1]["text"]["mentioned_mobile_list"] == ["13800000000"]
    with pytest.raises(TransportError) as bad:
        wecom.send(robot.url.replace("k-1", "k-2"), wecom.text("x"))
    assert bad.value.permanent and "93000" in str(bad.value)
    for _ in range(18):
        wecom.send(robot.url, wecom.text("x"))
    with pytest.raises(TransportError) as freq:
        wecom.send(robot.url, wecom.text("x"))
    assert not freq.value.permanent and freq.value.retry_after == 60 and "45009" in str(freq.value)
    assert robot.violations == []


def test_5xx_a_timeout_and_no_server_are_retried_not_lost(robots):
    robot = robots(WeCom("k"))
    robot.faults.extend([("status", 503), ("hang", 2.0)])
    with pytest.raises(TransportError) as busy:
        wecom.send(robot.url, wecom.text("x"))
    assert not busy.value.permanent and "503" in str(busy.value)
    with pytest.raises(TransportError) as slow:
        wecom.send(robot.url, wecom.text("x"), timeout=0.5)
    assert not slow.value.permanent
    url = robot.url
    robot.stop()
    with pytest.raises(TransportError) as away:
        wecom.send(url, wecom.text("x"), timeout=1)
    assert not away.value.permanent
    assert robot.messages == []


def test_webhook_is_signed_the_standard_way_and_only_2xx_counts(robots):
    receiver = robots(Receiver(WHSEC))
    payload = {"event": "alert.opened", "site_id": "helin", "value": 95.0}
    webhook.send(receiver.url, WHSEC, "msg_alert_41_opened", payload)
    webhook.send(receiver.url, WHSEC, "msg_alert_41_opened", payload)  # a retry: the same id
    assert receiver.messages == [payload, payload] and receiver.ids == ["msg_alert_41_opened"] * 2
    with pytest.raises(TransportError) as unsigned:
        webhook.send(receiver.url, "whsec_" + "QUJDREVGR0hJSktMTU5PUA==", "msg_2", payload)
    assert unsigned.value.permanent and "401" in str(unsigned.value)
    receiver.faults.append(("status", 500))
    with pytest.raises(TransportError) as down:
        webhook.send(receiver.url, WHSEC, "msg_3", payload)
    assert not down.value.permanent


def test_no_log_line_carries_a_robots_key_whatever_the_log_level(robots, caplog):
    import logging

    crew, ding = robots(WeCom("k-secret-key")), robots(DingTalk("t-secret-token", secret=SECRET))
    with caplog.at_level(logging.DEBUG):
        wecom.send(crew.url, wecom.text("禾林村"))
        dingtalk.send(ding.url, SECRET, dingtalk.markdown("t", "禾林村"))
        with pytest.raises(TransportError) as refused:
            wecom.send(crew.url.replace("k-secret-key", "k-wrong-key"), wecom.text("x"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert len(crew.messages) == len(ding.messages) == 1
    for secret in ("k-secret-key", "t-secret-token", "k-wrong-key", SECRET):
        assert secret not in logged and secret not in str(refused.value)
