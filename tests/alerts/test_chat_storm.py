"""An incident storm through the chat groups, on both engines: 200 alerts within a minute reach
each robot without its limit ever crossed — what the minute has no room for is folded into a
digest — every notice is accounted for in a message or a digest, a restart in the middle
loses nothing and sends nothing twice, and a group robot down for an hour gets everything once
it is back. The robots count their minute by the test's clock, as the sender does."""

import json

import pytest

from tests.alerts.harness import HOUR, Harness
from tests.chat_servers import DingTalk, Receiver, WeCom, channel_toml
from wastewatch.notify import channels
from wastewatch.notify.outbox import Sender
from wastewatch.store.health import HEALTH

SECRET = "SECf00dfeed"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SITES = 100


def sites_toml() -> str:
    return "".join(
        f"""
[[sites]]
id = "s{n:03d}"
name = "示范村{n:03d}污水处理站"
town = "{("城厢镇", "始阳镇", "小河镇", "思经镇")[n % 4]}"
capacity_m3d = 30.0
receiving_water = "III"
contractor = "qingyuan"
operators = ["operator@tqhb.example.cn"]
metrics = {{ ph = 300, pump_state = 300 }}
"""
        for n in range(SITES)
    )


class Storm(Harness):
    def __init__(self, path, robots):
        super().__init__(path)
        self.robots = robots
        self.sender = Sender(self.config, self.ctx.db, clock=self.clock)

    def restart(self) -> None:
        super().restart()
        self.sender = Sender(self.config, self.ctx.db, clock=self.clock)

    def raise_storm(self) -> None:
        """Every site's pump alarms and its pH stays out of 6–9 (three samples in a row): 200
        alerts in one evaluation."""
        for n in range(SITES):
            self.write("pump_state", [(0, 4)], site=f"s{n:03d}")
            self.write("ph", [(0, 9.8), (300, 9.8), (600, 9.8)], site=f"s{n:03d}")
        self.cycle(660)

    def run(self, seconds: int, step: int = 1) -> None:
        for _ in range(0, seconds, step):
            self.sender.run_once()
            self.clock.now += step

    def rows(self, channel: str) -> dict[int, dict]:
        found = self.ctx.db.execute("SELECT * FROM outbox WHERE channel = :c", {"c": channel}).fetchall()
        return {r["id"]: dict(r) for r in found}


@pytest.fixture
def storm(write_config, mail):
    robots = {
        "bureau": DingTalk("t1", secret=SECRET),
        "crew": WeCom("k1"),
        "province": Receiver(WHSEC),
    }
    path = write_config(
        mail=mail,
        site=sites_toml(),
        extra=channel_toml("bureau", "dingtalk", robots["bureau"].url, SECRET)
        + channel_toml("crew", "wecom", robots["crew"].url)
        + channel_toml("province", "webhook", robots["province"].url, WHSEC, per_minute=600)
        + """
[[routes]]
channels = ["bureau", "crew", "province"]
notices = ["alert"]
""",
    )
    running = Storm(path, robots)
    for robot in robots.values():
        robot.clock = running.clock
        robot.start()
    yield running
    running.close()
    for robot in robots.values():
        robot.stop()


def account(storm: Storm, channel: str) -> dict[str, int]:
    """Every alert notice for `channel` is in a message the robot took, or in a digest it took;
    returns how many went each way, after checking that the robot holds each message once."""
    rows = storm.rows(channel)
    notices = [r for r in rows.values() if r["kind"] == "alert"]
    sent = {i: r for i, r in rows.items() if r["status"] == "sent"}
    ways = {"alone": 0, "digest": 0}
    for notice in notices:
        if notice["status"] == "sent":
            ways["alone"] += 1
            continue
        assert notice["status"] == "folded", notice
        digest = rows[notice["folded_into"]]
        assert digest["status"] == "sent" and digest["kind"] == "chat-digest"
        ways["digest"] += 1
    robot = storm.robots[channel]
    assert len(robot.messages) == len(sent)  # nothing twice, nothing sent unrecorded
    stored = sorted(json.dumps(json.loads(bytes(r["message"])), sort_keys=True) for r in sent.values())
    received = sorted(json.dumps(m, sort_keys=True) for m in robot.messages)
    assert stored == received
    return ways


def said_count(message: dict) -> int:
    """How many notices a robot's digest message says it carries ("另有 181 条通知")."""
    content = message["markdown"].get("content") or message["markdown"]["text"]
    return int(content.split("另有 ")[1].split(" 条")[0])


def test_a_storm_of_200_alerts_never_crosses_a_robots_limit_and_loses_no_notice(storm):
    storm.raise_storm()
    notices = {c: [r for r in storm.rows(c).values() if r["kind"] == "alert"] for c in storm.robots}
    assert {c: len(rows) for c, rows in notices.items()} == {c: 200 for c in storm.robots}
    storm.run(30)
    storm.restart()  # a restart in the middle: a new process, nothing carried over in memory
    storm.run(300, step=5)

    for channel in ("bureau", "crew"):
        robot = storm.robots[channel]
        assert robot.busiest_minute() <= 20 and robot.violations == []
        ways = account(storm, channel)
        assert ways == {"alone": 19, "digest": 181}  # the minute's last place carried the rest
        digests = [m for m in robot.messages if "另有" in json.dumps(m, ensure_ascii=False)]
        assert [said_count(m) for m in digests] == [181]
    assert storm.robots["bureau"].throttled_until == 0  # DingTalk never had to stop it
    # The provincial system takes 600 a minute: each alert its own event, none folded.
    assert account(storm, "province") == {"alone": 200, "digest": 0}
    assert channels.states(storm.ctx.db)["crew"]["last_error"] is None


def test_a_robot_down_for_an_hour_gets_every_notice_once_it_is_back(storm):
    crew = storm.robots["crew"]
    crew.down()
    storm.raise_storm()
    storm.run(HOUR, step=30)
    assert crew.messages == [] and any(p["component"] == "channel crew" for p in HEALTH.problems())
    assert "ConnectError" in channels.states(storm.ctx.db)["crew"]["last_error"]
    assert "127.0.0.1" not in channels.states(storm.ctx.db)["crew"]["last_error"]  # its address: a key
    crew.up()
    storm.run(2 * HOUR, step=30)
    ways = account(storm, "crew")
    assert ways["alone"] + ways["digest"] == 200 and crew.busiest_minute() <= 20
    assert (
        sum(said_count(m) for m in crew.messages if "另有" in json.dumps(m, ensure_ascii=False))
        == ways["digest"]
    )
    assert not any(p["component"] == "channel crew" for p in HEALTH.problems())
    # The other groups were never held up by it.
    assert account(storm, "bureau") == {"alone": 19, "digest": 181}


def test_a_sender_killed_after_the_robot_took_a_message_sends_it_once_more_at_most(storm):
    """The bound the docs state: a sender that dies between the robot's answer and the outbox's
    record leaves its claim; once the claim lapses the message goes again — one message per
    channel per sender killed, never more."""
    storm.raise_storm()
    row = storm.sender._claim(0)  # email first: claim until a chat row is in hand
    while row["channel"] is None:
        row = storm.sender._claim(row["id"])
    channel = storm.config.channel_by_id[row["channel"]]
    channels.deliver(channel, row["message"], f"wastewatch-{row['id']}", 5, storm.clock())
    storm.restart()  # …and the process is killed before it records the send
    storm.run(storm.sender.lease_s + 10, step=5)
    robot = storm.robots[channel.id]
    body = json.loads(bytes(row["message"]))
    assert robot.messages.count(body) == 2
    assert storm.rows(channel.id)[row["id"]]["status"] == "sent"
