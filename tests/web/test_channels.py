"""The console's chat groups page: an administrator sees what each group receives and whether it
works, sends a test message through the outbox to the real (local) robot, and a wrong key shows
as the group's last error there and on /healthz — never the robot's address, which holds it."""

import httpx
import pytest

from tests.browser import browser  # noqa: F401 — the fixture
from tests.chat_servers import DingTalk, WeCom, channel_toml
from tests.web.conftest import PASSWORD
from tests.web.test_console import base, csrf, login
from wastewatch.access import accounts
from wastewatch.maintenance.reaction import changing
from wastewatch.notify.outbox import Sender

SECRET = "SECf00dfeed"


# The robot's access token: long enough never to turn up in a page by chance (a CSRF token
# held "t1" once).
TOKEN = "dingtalk-robot-token-7f3e"


@pytest.fixture
def robots():
    started = {"bureau": DingTalk(TOKEN, secret=SECRET).start(), "crew": WeCom("k1").start()}
    yield started
    for robot in started.values():
        robot.stop()


@pytest.fixture
def desk(make_desk, robots):
    return make_desk(
        channel_toml("bureau", "dingtalk", robots["bureau"].url, SECRET)
        + channel_toml("crew", "wecom", robots["crew"].url.replace("key=k1", "key=wrong"))
        + """
[[routes]]
channels = ["bureau"]
notices = ["work-order-escalation", "monthly-report"]
"""
    )


def test_an_admin_sends_a_test_message_and_sees_which_group_works(desk, robots):
    admin, _ = login(desk, "admin")
    page = admin.get("/channels")
    assert page.status_code == 200
    assert "钉钉群机器人" in page.text and "企业微信群机器人" in page.text
    assert "逾期升级、运行月报" in page.text  # what the bureau's group receives, in words
    assert "无：没有路由指向此群" in page.text  # the crew's group: no route names it
    assert robots["bureau"].url not in page.text and TOKEN not in page.text  # the address holds the key

    for channel in ("bureau", "crew"):
        answer = admin.post(
            f"/channels/{channel}/test", data={"csrf": csrf(page.text)}, follow_redirects=False
        )
        assert answer.status_code == 303 and answer.headers["location"] == f"/channels?sent={channel}"
    assert "发往 crew 的测试消息已排入队列" in admin.get("/channels?sent=crew").text
    Sender(desk.config, desk.ctx.db).run_once()

    [message] = robots["bureau"].messages
    assert "Wastewatch 测试消息" in message["markdown"]["text"] and "admin" in message["markdown"]["text"]
    assert robots["crew"].messages == []
    page = admin.get("/channels").text
    crew_row = page[page.index(">crew <") :]
    assert "发送失败" in crew_row and "企业微信拒绝了机器人的 key" in crew_row
    assert 'title="WeCom errcode 93000: invalid webhook url"' in crew_row  # the robot's own words
    assert "被拒收" in page and robots["crew"].url not in page
    health = httpx.get(f"{base(desk)}/healthz")
    assert health.status_code == 503 and "channel crew: WeCom errcode 93000" in health.text
    assert "key=" not in health.text


def test_an_account_limited_to_some_towns_is_refused_the_groups(desk, robots):
    with changing(desk.ctx):
        accounts.add(desk.ctx.db, desk.config, "town_admin", "", "admin", PASSWORD, desk.clock.now)
        desk.ctx.db.execute("UPDATE users SET towns = :t WHERE username = 'town_admin'", {"t": '["城厢镇"]'})
    client, _ = login(desk, "town_admin")
    assert client.get("/channels").status_code == 403
    token = csrf(client.get("/account").text)
    assert client.post("/channels/bureau/test", data={"csrf": token}).status_code == 403
    assert desk.ctx.db.execute("SELECT COUNT(*) FROM outbox").scalar() == 0


@pytest.mark.parametrize(
    "stored, said",
    [
        (
            "WeCom errcode 93000: invalid webhook url",
            "企业微信拒绝了机器人的 key：机器人已被移除，或地址填写有误",
        ),
        ("DingTalk errcode 310000: sign not match", "钉钉拒收：加签密钥、关键词、服务器时间或 IP 不符"),
        ("DingTalk errcode 130101: send too fast", "钉钉：发送过快，机器人暂停十分钟"),
        ("HTTP 503 Service Unavailable", "对方服务异常（HTTP 503），稍后重试"),
        ("HTTP 429 Too Many Requests", "对方要求降低发送频率（HTTP 429），稍后重试"),
        ("HTTP 404 Not Found", "对方拒收了消息（HTTP 404）"),
        ("ConnectError: [Errno 111] Connection refused", "无法连接：网络不通或对方服务器停止，稍后重试"),
        ("ReadTimeout: timed out", "对方未在规定时间内应答，稍后重试"),
        ("no channel 'old' in the config", "配置中已没有此通道，其消息暂存待发"),
        ("DingTalk errcode 460101: message too long", "DingTalk errcode 460101: message too long"),
    ],
)
def test_a_channels_error_is_said_in_words_and_an_unknown_one_as_the_far_side_said_it(stored, said):
    from wastewatch.notify.channels import error_words

    assert error_words(stored, "zh-CN") == said


def test_the_groups_page_reads_whole_at_desk_and_phone_widths(desk, robots, browser):  # noqa: F811
    from tests.web.test_console_browser import reads_whole

    admin, _ = login(desk, "admin")
    token = csrf(admin.get("/channels").text)
    for channel in ("bureau", "crew"):
        admin.post(f"/channels/{channel}/test", data={"csrf": token})
    Sender(desk.config, desk.ctx.db).run_once()
    reads_whole(browser, desk.config.web.url, "admin", "/channels", "admin-channels")
