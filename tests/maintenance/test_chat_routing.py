"""Notices reach the chat groups their routes name, through the real lifecycle and the one
outbox, on both engines: the bureau's DingTalk group hears of critical alerts and missed
deadlines, the contractor's WeCom group of its orders, a provincial webhook of one town only —
each message short, in words, with console links and never a contractor's signed link."""

import re

import pytest

from tests.alerts.harness import DAY, HOUR, T0, Clock
from tests.chat_servers import DingTalk, Receiver, WeCom, channel_toml
from tests.maintenance.desk import BUREAU, Desk
from tests.words import codes
from wastewatch.maintenance import work_orders
from wastewatch.notify import channels

SECRET = "SECf00dfeed"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SITE = """
[[sites]]
id = "sijing"
name = "思经镇思经村污水处理站"
town = "思经镇"
capacity_m3d = 30.0
receiving_water = "III"
contractor = "qingyuan"
operators = ["operator@tqhb.example.cn"]
metrics = { flow = 300, pump_state = 300 }
"""


def routes_toml(ding, crew, hook) -> str:
    return (
        channel_toml("bureau", "dingtalk", ding.url, SECRET, keyword="运维")
        + channel_toml("crew", "wecom", crew.url, mentions=["zhangshifu"])
        + channel_toml("province", "webhook", hook.url, WHSEC)
        + """
[[routes]]
channels = ["bureau"]
notices = ["alert", "alert-resolved", "unplanned-stop", "work-order-escalation", "monthly-report"]
severities = ["critical"]

[[routes]]
channels = ["crew"]
notices = ["work-order", "work-order-reminder", "work-order-chase", "work-order-update", "work-order-digest"]
contractors = ["qingyuan"]

[[routes]]
channels = ["province"]
notices = ["alert"]
towns = ["思经镇"]
"""
    )


@pytest.fixture
def groups(write_config, mail):
    clock = Clock(T0)  # the service's and the far sides' (they check signatures by it)
    ding = DingTalk("t1", secret=SECRET, keyword="运维", clock=clock).start()
    crew, hook = WeCom("k1", clock=clock).start(), Receiver(WHSEC, clock=clock).start()
    desk = Desk(write_config(mail=mail, extra=BUREAU + OTHER_SITE + routes_toml(ding, crew, hook)), mail)
    desk.clock = clock
    desk.ctx.clock = clock
    yield desk, ding, crew, hook
    desk.stop()
    for robot in (ding, crew, hook):
        robot.stop()
        assert robot.violations == []


def texts(robot) -> list[str]:
    return [
        m["markdown"]["content"] if "content" in m["markdown"] else m["markdown"]["text"]
        for m in robot.messages
    ]


def send(desk) -> None:
    from wastewatch.notify.outbox import Sender

    Sender(desk.config, desk.ctx.db, clock=desk.clock).run_once()


def test_each_notice_goes_to_the_groups_its_routes_name_in_words_with_console_links(groups):
    desk, ding, crew, hook = groups
    desk.write("pump_state", [(0, 4)])  # a pump alarm at 禾林村: critical, and a repair order
    desk.cycle(10 * 60)
    desk.write("ph", [(10 * 60, 9.8)])  # a single pH sample over 6–9: a warning
    desk.cycle(20 * 60)
    send(desk)

    [alert] = texts(ding)  # the critical alert only: the pH warning is not the bureau's
    assert "城厢镇 城厢镇禾林村污水处理站" in alert and "状态：提升泵报警" in alert
    assert "/alerts/1)" in alert and "运维" in ding.messages[0]["markdown"]["title"]
    [order] = texts(crew)  # the order to the contractor's crew, mentioning its member
    [wo] = desk.work_orders()
    assert wo["id"] in order and "完成期限" in order and order.endswith("<@zhangshifu>")
    assert f"/orders/{wo['id']})" in order
    assert hook.messages == []  # the province's route is 思经镇's
    # Group messages carry no signed link, whatever the email has.
    for text in texts(ding) + texts(crew):
        assert "/wo/" not in text and "t=" not in text
    assert any("/wo/" in str(m.get_body(("plain",)).get_content()) for _, m in desk.emails(wo["id"]))

    desk.write("pump_state", [(0, 4)], site="sijing")  # 思经镇: the province hears of it
    desk.cycle(30 * 60)
    send(desk)
    [event] = hook.messages
    assert event["type"] == "alert" and event["site"] == {
        "id": "sijing",
        "name": "思经镇思经村污水处理站",
        "town": "思经镇",
    }
    assert event["severity"] == "critical" and event["url"].endswith(f"/alerts/{event['alert_id']}")
    assert "/wo/" not in str(event)

    # The contractor reports done: the update goes to the crew; the bureau is not told.
    desk.act(work_orders.acknowledge, wo["id"], "qingyuan", "")
    desk.write("pump_state", [(h * 600, 1) for h in range(4, 40)])
    desk.cycle(7 * HOUR)
    desk.act(work_orders.done, wo["id"], "qingyuan/张师傅", "更换了浮球开关")
    send(desk)
    assert any("已完成" in t or "核验" in t for t in texts(crew)[1:])
    resolved = [t for t in texts(ding) if "已恢复" in t]
    assert len(resolved) == 1 and "解除" in resolved[0]
    # The first alert, 思经镇's two (critical too: the bureau's route has no town), resolved.
    assert sorted(t.split("：")[1].split("**")[0] for t in texts(ding)) == [
        "数据中断",
        "设备故障（提升泵状态）",
        "设备故障（提升泵状态）",
        "设备故障（提升泵状态）",
    ]

    # A missed deadline: the escalation to the bureau's group.
    other = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "清理格栅", now, "王科长"
        )
    )
    desk.sweep(5 * DAY)
    send(desk)
    missed = [t for t in texts(ding) if t.startswith(f"**[逾期][工单 {other['id']}]")]
    assert [t.split("**")[1].split(" — ")[0] for t in missed] == [
        f"[逾期][工单 {other['id']}] 天全县清源环保运维有限公司 未按期接单",
        f"[逾期][工单 {other['id']}] 天全县清源环保运维有限公司 未按期完成",
    ]
    assert all(f"/orders/{other['id']})" in t for t in missed)
    assert not any(t.startswith("**[逾期]") for t in texts(crew))  # the crew hears its reminder instead
    assert channels.states(desk.ctx.db)["bureau"]["last_error"] is None
    # Words, not codes, in every message a group read.
    assert [found for t in texts(ding) + texts(crew) if (found := codes(t))] == []


def test_a_days_exceedance_is_said_for_its_day(groups):
    desk, ding, _, _ = groups
    desk.write("cod", [(h * HOUR, 95.0) for h in range(24)])  # the daily mean is over 60 mg/L
    desk.close_days(DAY + HOUR)
    send(desk)
    [day] = [t for t in texts(ding) if "出水日均值超标" in t]
    assert "化学需氧量：95 mg/L，限值 60 mg/L（日均值）" in day and "日期：2026-10-12" in day
    assert "已持续" not in day  # a day's mean has a day, not a duration


def test_a_notice_about_no_site_goes_only_to_routes_without_places(groups):
    desk, ding, crew, hook = groups
    from wastewatch.notify.brief import About, channels_for

    kinds = {c.id for c in channels_for(desk.config, "monthly-report", About())}
    assert kinds == {"bureau"}
    assert channels_for(desk.config, "work-order-digest", About(contractor="qingyuan"))[0].id == "crew"
    assert channels_for(desk.config, "alert", About("sijing", "思经镇", "qingyuan", "warning")) == [
        desk.config.channel_by_id["province"]
    ]
    assert [
        c.id for c in channels_for(desk.config, "alert", About("helin", "城厢镇", "qingyuan", "critical"))
    ] == ["bureau"]


def test_a_route_that_names_what_does_not_exist_is_refused(tmp_path):
    from wastewatch.config import ConfigError, load_config

    path = tmp_path / "ww.toml"
    base = '[[contractors]]\nid = "q"\nname = "清源"\nemail = "d@q.example.cn"\n'
    base += '[[channels]]\nid = "crew"\nkind = "wecom"\nurl = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"\n'
    for route, said in (
        (
            'channels = ["crews"]\nnotices = ["alert"]',
            "routes[0].channels: unknown channel 'crews'; known: crew",
        ),
        (
            'channels = ["crew"]\nnotices = ["alert"]\ncontractors = ["p"]',
            "routes[0].contractors: unknown contractor 'p'",
        ),
        (
            'channels = ["crew"]\nnotices = ["alert"]\ntowns = ["小河镇"]',
            "routes[0].towns: unknown town '小河镇'",
        ),
        (
            'channels = ["crew"]\nnotices = ["alerts"]',
            "routes[0].notices[0]: must be 'alert', 'alert-reminder'",
        ),
    ):
        path.write_text(base + "[[routes]]\n" + route + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(said)):
            load_config(path)
