"""The 通报 problem list: open problems by responsible party with age and deadline, what was
crossed off in the period, towns and contractors ranked by the monthly report sent; as a page
(printable) and as a workbook — over a real server, on both databases."""

import csv
import io
import re
from datetime import datetime

from openpyxl import load_workbook

from tests.alerts.harness import T0
from tests.browser import OVERFLOW, artefacts, browser, window  # noqa: F401
from tests.web.test_console import login
from tests.web.test_console_browser import sign_in
from tests.web.test_sites import county
from wastewatch.access import accounts
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.report.monthly import MonthlyReports

DAY, HOUR = 86400, 3600


def problems(desk) -> dict[str, str]:
    """Four orders at T0 + 10 d: two open at helin and xiaohe (helin's overdue), one crossed
    off on day 5 and one on day -20 (before the period). September's report for the ranking."""
    for site in ("helin", "shiyang"):
        desk.write("flow", [(-20 * DAY + h * HOUR, 2.0) for h in range(240)], site=site)
    desk.write("cod", [(-20 * DAY + h * HOUR, 30.0 if h % 50 else 90.0) for h in range(240)])
    MonthlyReports(desk.ctx).produce("2026-09", T0)

    def opened(site: str, summary: str, at: int) -> str:
        desk.at(at)
        order = desk.act(
            lambda ctx, now: work_orders.open_order(
                ctx, site, "fault_repair", "manual", summary, now, "王科长"
            )
        )
        return order["id"]

    def crossed_off(order_id: str, at: int) -> None:
        desk.at(at)
        desk.act(work_orders.done, order_id, "qingyuan", "已修复")
        desk.act(work_orders.verify, order_id, "王科长", "")

    ids = {
        "early": opened("shiyang", "更换进水泵", -25 * DAY),
        "late": opened("helin", "格栅堵塞", 1 * DAY),
        "fresh": opened("xiaohe", "风机异响", 9 * DAY + 12 * HOUR),  # not yet due to acknowledge
        "fixed": opened("sijing", "液位计失灵", 2 * DAY),
    }
    crossed_off(ids["early"], -20 * DAY)
    crossed_off(ids["fixed"], 5 * DAY)
    desk.at(10 * DAY)
    return ids


def test_the_list_groups_open_problems_by_party_and_lists_whats_crossed_off(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    ids = problems(desk)
    regulator, _ = login(desk, "regulator")
    page = regulator.get("/bulletin", params={"from": "2026-10-01", "to": "2026-10-22"})
    assert page.status_code == 200
    text = page.text
    # By party: qingyuan holds helin's (overdue); lvyuan xiaohe's.
    assert re.search(r"<h3>天全县清源环保运维有限公司（1 项）</h3>", text)
    assert re.search(r"<h3>绿源运维（1 项）</h3>", text)
    late = re.search(rf'<tr class="late">.*?{ids["late"]}.*?</tr>', text, re.S)[0]
    # Opened on day 1, listed on day 10: 9 days old; acknowledge in 24 h, done in 72 h.
    assert "9.0 天" in late and "接单超时 8 天；完成期限已过 6 天" in late
    assert ids["fresh"] in text and 'class="late"' not in text.split(ids["fresh"])[0].split("<tr")[-1]
    crossed = text[text.index("<h2>本期已销号</h2>") :]
    assert ids["fixed"] in crossed and ids["early"] not in crossed  # day -20 is before the period
    assert "3.0 天" in crossed  # day 2 to day 5
    # The ranking is the September report's: recompute it from the CSV that was sent.
    folder = desk.config.data_dir / "reports" / "2026-09" / "v1"
    scores = {
        r["site_id"]: float(r["score"])
        for r in csv.DictReader(io.StringIO((folder / "operations-2026-09.csv").read_text(encoding="utf-8")))
        if r["score"]
    }
    assert set(scores) >= {"helin", "shiyang"}
    ranking = text[text.index("<h2>月度考核得分排名</h2>") :]
    for town, site_id in (("城厢镇", "helin"), ("始阳镇", "shiyang")):
        assert re.search(rf"<td>{town}</td><td>1</td><td>{scores[site_id]:.1f}</td>", ranking), town
    bad = regulator.get("/bulletin", params={"from": "2026-10-22", "to": "2026-10-01"})
    assert bad.status_code == 400 and "结束不早于开始" in bad.text


def test_the_workbook_has_the_same_rows_and_a_town_account_sees_its_towns(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    ids = problems(desk)
    regulator, _ = login(desk, "regulator")
    answer = regulator.get("/bulletin.xlsx", params={"from": "2026-10-01", "to": "2026-10-22"})
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="bulletin-20261001-20261022.xlsx"'
    path = tmp_path / "b.xlsx"
    path.write_bytes(answer.content)
    book = load_workbook(path)
    assert book.sheetnames == ["未销号问题", "本期已销号", "乡镇得分排名", "运维单位得分排名"]
    rows = list(book["未销号问题"].values)
    assert rows[0][:4] == ("运维单位", "乡镇", "站点名称", "工单号")
    assert sorted(r[3] for r in rows[1:]) == sorted([ids["late"], ids["fresh"]])
    late = next(r for r in rows[1:] if r[3] == ids["late"])
    assert late[7] == datetime.fromtimestamp(T0 + DAY, desk.config.tz).replace(tzinfo=None)
    assert late[8] == 9.0 and late[10] > 0  # age and days overdue
    assert [r[3] for r in list(book["本期已销号"].values)[1:]] == [ids["fixed"]]
    with changing(desk.ctx):
        accounts.add(
            desk.ctx.db, desk.config, "xh", "小河镇", "regulator", "a long password", T0, towns=("小河镇",)
        )
    town, _ = login(desk, "xh", "a long password")
    page = town.get("/bulletin").text
    assert ids["fresh"] in page and ids["late"] not in page


def print_view(base: str, folder):
    def work(chromium):
        with window(chromium, 794) as page:  # A4 at 96 dpi
            sign_in(page, base, "regulator", "/bulletin?from=2026-10-01&to=2026-10-22")
            page.emulate_media(media="print")
            page.screenshot(path=str(folder / "bulletin-print.png"), full_page=True)
            page.pdf(path=str(folder / "bulletin.pdf"), format="A4")
            return (
                page.evaluate(OVERFLOW),
                page.locator("header").is_visible(),
                page.locator("form.filters").is_visible(),
                page.locator("p.lede").inner_text(),
            )

    return work


def test_the_list_prints_without_the_console_around_it(make_desk, tmp_path, browser):  # noqa: F811
    desk = make_desk(county(tmp_path))
    problems(desk)
    overflow, header, form, lede = browser.run(print_view(desk.config.web.url, artefacts("console")))
    assert overflow <= 0 and not header and not form
    assert "2026-10-01 至 2026-10-22" in lede
