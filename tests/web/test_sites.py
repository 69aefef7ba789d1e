"""The overview's site board and treatment coverage, and a site's page: its charts reduced on
the server with the limit, exceedances, invalid readings and windows kept, and its readings
as CSV — over a real server, on both state databases."""

import csv
import io
import re
import textwrap
from datetime import datetime, timedelta

from tests.alerts.harness import T0, TZ
from tests.web.test_console import an_alert, csrf, login
from wastewatch.access import accounts, audit
from wastewatch.alerts import windows
from wastewatch.maintenance.reaction import changing
from wastewatch.web.console.board import NEWEST_S

HOUR, DAY = 3600, 86400


def site(site_id: str, town: str, village: str, contractor: str = "qingyuan") -> str:
    return textwrap.dedent(f"""
        [[sites]]
        id = "{site_id}"
        name = "{town}{village}污水处理站"
        town = "{town}"
        village = "{village}"
        capacity_m3d = 30.0
        receiving_water = "IV"
        contractor = "{contractor}"
        operators = ["operator@tqhb.example.cn"]
        metrics = {{ flow = 300, cod = 3600 }}
    """)


OTHER = """
[[contractors]]
id = "lvyuan"
name = "绿源运维"
email = "lvyuan@example.cn"
"""


def county(tmp_path) -> str:
    """Three more sites, another contractor and the village inventory: 禾林村 and 新村 have
    sites, 小河村 is piped to the town plant, 两路村 and 紫石村 have nothing."""
    villages = tmp_path / "villages.csv"
    villages.write_text(
        "乡镇,行政村,其他治理方式\n城厢镇,禾林村,\n始阳镇,新村,\n小河镇,小河村,纳入场镇污水处理厂\n"
        "城厢镇,两路村,\n紫石乡,紫石村,\n",
        encoding="utf-8",
    )
    return (
        OTHER
        + site("shiyang", "始阳镇", "新村")
        + site("xiaohe", "小河镇", "大坪村", "lvyuan")
        + site("sijing", "思经镇", "团结村")
        + f'\n[inventory]\nvillages_csv = "{villages}"\n'
    )


def board(page: str) -> dict[str, str]:
    """{site id: state} of the board's rows."""
    return dict(
        (site_id, state)
        for state, site_id in re.findall(
            r'<tr class="row row-(\w+)">\s*<td class="site head"><a href="/sites/(\w+)"', page
        )
    )


def test_the_board_shows_each_sites_state_and_filters_by_town_contractor_and_state(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    an_alert(desk)  # helin: COD over the limit, readings up to T0 + 2 h, an open alert
    desk.write("flow", [(2 * HOUR, 1.0)], site="shiyang")
    desk.write("flow", [(0, 1.0)], site="shiyang")
    desk.write("flow", [(3 * HOUR - 60, 1.0)], site="xiaohe")
    windows.add(desk.ctx.db, "xiaohe", "planned_stop", T0, None, "检修进水泵", "王科长", T0)
    # Silent: shiyang's newest reading is 1 h old at T0 + 3 h; comms loss waits 2 h. Move on.
    desk.at(5 * HOUR)
    client, _ = login(desk, "operator")
    page = client.get("/").text
    assert board(page) == {"helin": "silent", "shiyang": "silent", "xiaohe": "stopped", "sijing": "no_data"}
    desk.write("cod", [(5 * HOUR - 600, 95.0)])  # helin reports again, the alert still open
    desk.at(5 * HOUR + NEWEST_S)  # the board reuses the newest readings that long (board.py)
    page = client.get("/").text
    assert board(page) == {"helin": "alarm", "shiyang": "silent", "xiaohe": "stopped", "sijing": "no_data"}
    helin = page[page.index('href="/sites/helin"') : page.index('href="/sites/shiyang"')]
    # Over its limit, but COD is judged on the daily mean: a reading is no exceedance, not red.
    assert re.search(r'<span title="限值 \d+">95</span>', helin)
    assert "10 分钟前" in helin
    assert board(client.get("/", params={"town": "始阳镇"}).text) == {"shiyang": "silent"}
    assert board(client.get("/", params={"contractor": "lvyuan"}).text) == {"xiaohe": "stopped"}
    assert board(client.get("/", params={"state": "no_data"}).text) == {"sijing": "no_data"}
    assert "显示 1 个站点（共 4 个）" in client.get("/", params={"state": "alarm"}).text
    # 治理率: 禾林村 and 新村 have sites, 小河村 is piped; 两路村 and 紫石村 have nothing.
    assert "60.0&nbsp;%" in page and "已治理 3 个 / 共 5 个行政村" in page
    assert "城厢镇 两路村" in page and "紫石乡 紫石村" in page and "小河镇 小河村" not in page


def test_an_account_limited_to_a_town_sees_its_sites_and_villages_only(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    with changing(desk.ctx):
        accounts.add(
            desk.ctx.db,
            desk.config,
            "chengxiang",
            "城厢镇监管员",
            "regulator",
            "a long password",
            desk.clock.now,
            towns=("城厢镇",),
        )
    client, _ = login(desk, "chengxiang", "a long password")
    page = client.get("/").text
    assert set(board(page)) == {"helin"}
    assert "50.0&nbsp;%" in page and "已治理 1 个 / 共 2 个行政村" in page
    assert client.get("/sites/shiyang").status_code == 404
    assert client.get("/sites/shiyang/readings.csv").status_code == 404


def a_month_of_cod(desk) -> tuple[int, int]:
    """30 days of 5-minute COD at helin ending at T0: 50 everywhere, one 5-minute spike of 140
    ten days in, a day of 150 fifteen days in (its mean over any grade's limit), a run of
    invalid (flag D) readings, and a maintenance window."""
    start = T0 - 30 * DAY
    spike = start + 10 * DAY + 7 * HOUR + 5 * 60
    points = []
    for ts in range(start, T0, 300):
        flag = "D" if start + 20 * DAY <= ts < start + 20 * DAY + HOUR else "N"
        high_day = start + 15 * DAY <= ts < start + 16 * DAY
        points.append((ts - T0, 140.0 if ts == spike else 150.0 if high_day else 50.0, flag))
    desk.write("cod", points)
    windows.add(
        desk.ctx.db, "helin", "maintenance", start + 25 * DAY, start + 26 * DAY, "更换曝气头", "王科长", T0
    )
    return start, spike


def chart(page: str, metric: str) -> str:
    return re.search(rf'<figure class="chart" data-metric="{metric}".*?</figure>', page, re.S)[0]


def test_a_30_day_chart_ships_at_most_2000_points_and_keeps_the_limit_spike_invalid_and_window(desk):
    a_month_of_cod(desk)
    desk.at(0)
    client, _ = login(desk, "regulator")
    page = client.get("/sites/helin", params={"range": "30d"})
    assert page.status_code == 200
    cod = chart(page.text, "cod")
    points = int(re.search(r'data-points="(\d+)"', cod)[1])
    assert 1000 < points <= 2000  # 8,640 readings reduced, not dropped to a handful
    assert (
        len(re.findall(r"\d+\.\d,\d+\.\d", " ".join(re.findall(r'class="readings" points="([^"]+)"', cod))))
        == points
    )
    assert 'class="limit"' in cod and re.search(r'class="limit-label"[^>]*>限值 \d+<', cod)
    # COD is judged on the daily mean: the 5-minute spike stays in the line (its bucket's
    # greatest value) but is no exceedance, while the day of 150 is drawn red as a day.
    assert "<circle" not in cod
    assert any(
        float(p.split(",")[1]) < 60 for p in re.findall(r"[\d.]+,[\d.]+", cod.split('class="readings"')[1])
    )
    assert len(re.findall(r'class="invalid"', cod)) >= 2  # the hour of flag D, apart from the line
    assert len(re.findall(r'<rect class="window"', cod)) == 1
    # A mean for each day but the one inside the maintenance window (no valid samples).
    assert len(re.findall(r'class="mean"', cod)) == 28 and len(re.findall(r'class="mean over"', cod)) == 1
    # The facts beside the chart: the standard and grade with why, each limit with its source.
    assert "DB51/2626-2019" in page.text and "化学需氧量" in page.text


def test_the_chart_counts_valid_what_the_rules_count_and_marks_what_they_judge(desk):
    """pH is judged per sample: a reading of 9.5 is an exceedance (a red dot); 15.5 is no pH at
    all, invalid for the rules and the report, so a grey cross outside the line and the mean."""
    ph = [(-DAY + h * HOUR, 7.0) for h in range(24)]
    ph[5], ph[9] = (-DAY + 5 * HOUR, 9.5), (-DAY + 9 * HOUR, 15.5)
    desk.write("ph", ph)
    desk.at(0)
    from wastewatch.maintenance import trends
    from wastewatch.web.console.plot import plot

    site = desk.config.site_by_id["helin"]
    found = trends.trend(desk.ctx, site, "ph", T0 - DAY, T0)
    drawn = plot(found, TZ, "限值")
    assert drawn.points == 2 * 23 and len(set(drawn.invalid)) == 1  # 15.5: a cross, not on the line
    assert len(drawn.over) == 1  # 9.5 beyond 6–9, judged per sample
    [day] = [d for d in found.days if d.mean is not None]
    assert abs(day.mean - (22 * 7.0 + 9.5) / 23) < 1e-9  # the report's mean: 15.5 left out


def test_a_days_chart_shows_each_reading_and_a_gap_breaks_the_line(desk):
    # COD is expected hourly at helin: 20 readings with 4 hours missing.
    desk.write("cod", [(-DAY + h * HOUR, 40.0 + h % 3) for h in range(24) if not 10 <= h < 14])
    desk.at(0)
    client, _ = login(desk, "operator")
    page = client.get("/sites/helin").text  # 24 h by default
    cod = chart(page, "cod")
    assert re.search(r'data-points="40"', cod)  # 20 readings, each its own bucket (low = high)
    assert len(re.findall(r'class="readings"', cod)) == 2  # the missing hours break the line
    assert 'class="limit"' in cod and "<circle" not in cod
    flow = chart(page, "flow")
    assert "该时段无数据" in flow and 'class="limit"' not in flow  # flow has no limit


def test_chosen_days_are_checked_and_the_csv_holds_every_reading_of_them(desk):
    start, spike = a_month_of_cod(desk)
    desk.at(0)
    client, _ = login(desk, "operator")
    bad = client.get("/sites/helin", params={"from": "2026-10-05", "to": "2026-10-01"})
    assert bad.status_code == 400 and "结束不早于开始" in bad.text
    day = datetime.fromtimestamp(spike, TZ).date()
    answer = client.get("/sites/helin/readings.csv", params={"from": str(day), "to": str(day)})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == f'attachment; filename="helin-{day:%Y%m%d}.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 288 and {r["metric"] for r in rows} == {"cod"}
    assert [r for r in rows if r["value"] == "140.0"][0]["time"] == datetime.fromtimestamp(
        spike, TZ
    ).isoformat()
    assert rows[0]["time"] == f"{day}T00:00:00+08:00"
    flagged = client.get(
        "/sites/helin/readings.csv",
        params={"from": str(day + timedelta(days=10)), "to": str(day + timedelta(days=10))},
    )
    assert sum(r["flag"] == "D" for r in csv.DictReader(io.StringIO(flagged.text))) == 12
    assert client.get("/sites/helin/readings.csv", params={"from": "x", "to": "y"}).status_code == 400


def seeded(make_desk, tmp_path):
    """The county of four sites with a month of COD at helin, for the browser tests."""
    desk = make_desk(county(tmp_path))
    a_month_of_cod(desk)
    desk.write("flow", [(-600, 1.0)], site="shiyang")
    windows.add(desk.ctx.db, "xiaohe", "planned_stop", T0 - DAY, None, "检修进水泵", "王科长", T0)
    desk.at(0)
    return desk


def test_an_account_reads_the_console_in_english_once_it_says_so(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    an_alert(desk)
    client, _ = login(desk, "regulator")
    page = client.get("/account").text
    assert "界面语言" in page and '<option value="zh-CN" selected>中文</option>' in page
    refused = client.post("/account", data={"csrf": csrf(page), "locale": "fr"})
    assert refused.status_code == 400 and "未知语言“fr”" in refused.text
    assert '<option value="en">English</option>' in refused.text
    saved = client.post("/account", data={"csrf": csrf(page), "locale": "en"}, follow_redirects=True)
    assert "Saved." in saved.text and '<option value="en" selected>English</option>' in saved.text
    board_page = client.get("/").text
    assert "Site board" in board_page and "Villages treated" in board_page and "60.0" in board_page
    assert '<span class="st st-alarm">alarm</span>' in board_page and ">no data</span>" in board_page
    site_page = client.get("/sites/helin").text
    assert "Design capacity" in site_page and "COD" in site_page and "daily mean" in site_page
    assert accounts.get(desk.ctx.db, "regulator").locale == "en"
    assert [e.action for e in audit.listing(desk.ctx.db) if e.actor == "regulator"][0] == "account.locale"


def test_the_overview_gives_the_months_compliance_and_transmission_so_far(desk):
    # Two full days at helin (T0 is 2026-10-12 00:00): COD 20 on the first day, 90 on the second;
    # every other metric silent. The day close judges both days.
    desk.write("cod", [(h * HOUR, 20.0 if h < 24 else 90.0) for h in range(48)])
    desk.close_days(2 * DAY + HOUR)
    client, _ = login(desk, "operator")
    page = client.get("/").text
    from wastewatch.maintenance.status import month_so_far

    found = month_so_far(desk.ctx, desk.config.sites, desk.clock.now)
    assert (found.month, found.clear, found.over, found.received) == ("2026-10", 1, 1, 48)
    # Expected since the 1st: 13 days and 1 h of every metric at its interval.
    site = desk.config.site_by_id["helin"]
    elapsed = (11 + 2) * DAY + HOUR
    assert found.expected == sum(elapsed // site.metric(m).interval_s for m in site.metrics)
    assert "50.00\u00a0%" in page and "截至目前已判定 2 个指标日" in page
    assert f"已收 48 / 应收 {found.expected:,} 条" in page
