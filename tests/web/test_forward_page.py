"""The console's page of upper platforms: each platform's sites and kinds, up to when their data
has gone, what waits, the replies and the last error in words; only the sites an account may
see; whole at desk and phone widths. (The connection as the running forwarder sees it:
tests/test_forward.py, against a real platform.)"""

from tests.alerts.harness import T0, TZ
from tests.browser import browser  # noqa: F401 — the fixture
from tests.conftest import VILLAGE_SITE
from tests.web.conftest import PASSWORD
from tests.web.test_console import login
from tests.web.test_sites import site
from wastewatch.access import accounts
from wastewatch.jobs import forward_state
from wastewatch.maintenance.reaction import changing
from wastewatch.notify import forward_progress

HOUR = 3600
LOGIN = 'forward = { yaan-city = { mn = "511825000000000000HELIN1", pw = "654321" } }\n'
TARGET = """
[[forward]]
id = "yaan-city"
host = "127.0.0.1"
port = 9
kinds = ["realtime", "hourly"]
"""


def platform_desk(make_desk):
    """helin (城厢镇) forwards to the city; shiyang (始阳镇) forwards too; helin's hourly frames
    went through 05:00 and the last was unanswered."""
    other = site("shiyang", "始阳镇", "新村").replace(
        "metrics =", LOGIN.replace("HELIN1", "SHIYA1") + "metrics ="
    )
    desk = make_desk(TARGET + other, site=VILLAGE_SITE + LOGIN)
    desk.at(8 * HOUR + 30 * 60)  # 2026-10-12 08:30
    db, now = desk.ctx.db, desk.clock.now
    for site_id in ("helin", "shiyang"):
        for kind in ("realtime", "hourly"):
            forward_progress.through(db, "yaan-city", site_id, kind, T0)
    forward_progress.answered(db, "yaan-city", "helin", "realtime", now - 90, now - 60)
    for hour in range(5):
        forward_progress.answered(
            db, "yaan-city", "helin", "hourly", T0 + hour * HOUR, T0 + (hour + 1) * HOUR
        )
    forward_progress.failed(
        db,
        "yaan-city",
        "helin",
        "hourly",
        "no reply within 30 s (a wrong MN or PW is not answered)",
        now - 20,
        now + 40,
    )
    with changing(desk.ctx):
        accounts.add(db, desk.config, "sy_operator", "", "operator", PASSWORD, now, None, ("始阳镇",))
    return desk


def test_each_sites_progress_is_shown_in_words_and_only_to_those_who_may_see_the_site(make_desk):
    desk = platform_desk(make_desk)
    admin, _ = login(desk, "admin")
    page = admin.get("/forward")
    assert page.status_code == 200
    text = page.text
    assert "数据转发" in text and "127.0.0.1:9 · HJ 212-2017" in text
    assert "由主实例转发" in text  # no forwarder runs in this process
    assert "实时数据（CN 2011）" in text and "小时数据（CN 2061）" in text
    # Hours through 04:00–05:00 done: sent up to 05:00; 05:00–08:00 are over and due (three).
    assert "2026-10-12 05:00" in text and "3 个时段" in text
    assert "已应答 5，重发 1" in text
    assert "30 秒内未获应答：上级平台可能不认此站点的 MN 或访问密码" in text
    assert "2026-10-12 08:30 后重发" in text
    assert "始阳镇新村污水处理站" in text
    assert 'href="/forward"' in text  # in the navigation, since a platform is configured

    limited, _ = login(desk, "sy_operator")
    mine = limited.get("/forward").text
    assert "始阳镇新村污水处理站" in mine
    assert "禾林村" not in mine and "30 秒内未获应答" not in mine
    contractor, _ = login(desk, "contractor")
    assert contractor.get("/forward").status_code == 403


def test_up_to_when_waiting_and_behind_are_one_reckoning():
    """The page's and /metrics' figures: hours and days in local time, each due once over and
    settled (jobs/forwarder.py SETTLE_S)."""
    from wastewatch.config.forward import Forward

    target = Forward(id="c", host="h", port=1, kinds=["realtime", "minute", "hourly", "daily"])
    five = T0 + 5 * HOUR  # 05:00 local
    assert forward_state.delivered_until(target, "hourly", T0 + 4 * HOUR, TZ) == five
    assert forward_state.delivered_until(target, "hourly", five - 1, TZ) == five  # a stretch skipped
    # 06:09: the 05:00 hour is over but not settled; 06:10 it is due.
    assert forward_state.waiting(target, "hourly", T0 + 4 * HOUR, five + HOUR + 540, TZ) == 0
    assert forward_state.waiting(target, "hourly", T0 + 4 * HOUR, five + HOUR + 600, TZ) == 1
    assert forward_state.behind(target, "hourly", T0 + 4 * HOUR, five + HOUR + 600, TZ) == 0
    assert forward_state.behind(target, "hourly", T0 + 4 * HOUR, five + 3 * HOUR + 600, TZ) == 2 * HOUR
    # Days end at local midnight (16:00 UTC), not at a multiple of 86,400 s.
    assert forward_state.delivered_until(target, "daily", T0 + 10 * HOUR, TZ) == T0 + 24 * HOUR
    assert forward_state.waiting(target, "minute", five - 1, five + 600 + 120, TZ) == 1
    assert forward_state.waiting(target, "realtime", five, five + 600, TZ) is None
    assert forward_state.behind(target, "realtime", five, five + 600, TZ) == 600 - 60 - 1


def test_the_platforms_page_reads_whole_at_desk_and_phone_widths(make_desk, browser):  # noqa: F811
    from tests.web.test_console_browser import reads_whole

    desk = platform_desk(make_desk)
    reads_whole(browser, desk.config.web.url, "operator", "/forward", "operator-forward")
