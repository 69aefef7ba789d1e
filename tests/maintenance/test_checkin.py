"""到场签到 over HTTP, as the order page's script posts it: the plate read, the phone's position
and clock, recorded with the server's time; the visit's flags answered at once and shown on the
page after; a retry with the same key is the same check-in."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.conftest import VILLAGE_SITE
from tests.maintenance.desk import BUREAU, Desk, links, photo
from tests.maintenance.test_plates import SECOND_SITE
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.visits import plates, visit
from wastewatch.web.uploads import Photo, taken_at

DAY, HOUR = 86400, 3600
# The plant, as the inventory has it (WGS-84), and the phone's readings near and far.
PLANT = (102.7583, 30.0664)


@pytest.fixture
def desk(write_config, mail):
    site = VILLAGE_SITE + f"location = [{PLANT[0]}, {PLANT[1]}]\n"
    running = Desk(write_config(mail=mail, extra=BUREAU + SECOND_SITE, site=site), mail)
    yield running
    running.stop()


def routine(desk):
    """The fortnight's inspection order and its done link, with the site's plate issued."""
    desk.sweep(7 * DAY)
    [order] = [o for o in desk.work_orders() if o["kind"] == "routine_inspection" and o["site_id"] == "helin"]
    desk.send()
    urls = links(desk.emails(f"[工单 {order['id']}]")[0][1])
    with changing(desk.ctx):
        [plate] = plates.issue(desk.ctx.db, ["helin"], "admin", desk.clock.now)
    return order, urls, plate


def post(desk, urls, **fields):
    token = urls["done"].split("t=")[1]
    url = urls["done"].split("?")[0].replace("/done", "/checkin")
    return desk.http.post(url, data={"t": token, **fields})


def test_a_check_in_at_the_plant_with_its_plate_passes_and_shows_on_the_page(desk):
    order, urls, plate = routine(desk)
    desk.at(9 * DAY + 9 * HOUR)
    now = desk.clock.now
    answer = post(
        desk,
        urls,
        key="k1",
        plate=f"https://tqhb.example.cn/p/{plate.code}",
        lon=str(PLANT[0] + 0.0003),
        lat=str(PLANT[1]),
        accuracy="12.5",
        phone_at=str(now - 30),
        name="李师傅",
    )
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["recorded"] and not shown["repeated"] and shown["verdict"] == "passed"
    flags = {f["name"]: (f["state"], f["text"]) for f in shown["flags"]}
    assert flags["铭牌"] == ("passed", "本站点铭牌（第 1 版）")
    assert flags["距站点距离"] == ("passed", "距站点 29 米")
    assert flags["签到至报完成"] == ("unknown", "尚未报完成")
    # The phone retries (its answer lost): the same check-in, not a second one.
    again = post(desk, urls, key="k1", plate=plate.code, lon=str(PLANT[0]), lat=str(PLANT[1]), accuracy="5")
    assert again.json()["repeated"] and desk.ctx.db.execute("SELECT COUNT(*) FROM checkins").scalar() == 1
    row = desk.ctx.db.execute("SELECT * FROM checkins").fetchone()
    assert (row["received_at"], row["phone_at"], row["actor"]) == (now, now - 30, "qingyuan/李师傅")
    page = desk.http.get(urls["done"]).text
    assert "签到核验全部通过" in page and "距站点 29 米" in page and 'id="checkin"' in page


def test_a_retired_plate_far_from_the_plant_is_flagged_not_refused(desk):
    order, urls, plate = routine(desk)
    with changing(desk.ctx):
        plates.issue(desk.ctx.db, ["helin"], "admin", desk.clock.now, reissue=True)
    desk.at(9 * DAY + 9 * HOUR)
    shown = post(
        desk,
        urls,
        key="k2",
        plate=plate.code,
        lon=str(PLANT[0] + 0.02),
        lat=str(PLANT[1]),
        accuracy="8",
        phone_at=str(desk.clock.now),
    ).json()
    flags = {f["name"]: (f["state"], f["text"]) for f in shown["flags"]}
    assert shown["verdict"] == "flagged"
    assert flags["铭牌"] == ("failed", "已停用的铭牌（第 1 版）")
    assert flags["距站点距离"][0] == "failed" and "超出 300 米范围" in flags["距站点距离"][1]


def test_another_sites_plate_is_flagged_with_that_sites_name(desk):
    order, urls, _ = routine(desk)
    with changing(desk.ctx):
        [other] = plates.issue(desk.ctx.db, ["sanhe"], "admin", desk.clock.now)
    desk.at(9 * DAY + 9 * HOUR)
    shown = post(desk, urls, key="k5", plate=other.code, error="denied", phone_at=str(desk.clock.now)).json()
    flags = {f["name"]: (f["state"], f["text"]) for f in shown["flags"]}
    assert flags["铭牌"] == ("failed", "扫描的是其他站点（始阳镇三合村污水处理站）的铭牌")
    assert flags["距站点距离"] == ("unknown", "手机拒绝提供定位") and shown["verdict"] == "flagged"


@pytest.mark.parametrize(
    "fields, said",
    [
        ({"t": "forged"}, "签名"),
        ({"lon": "abc", "lat": "30", "accuracy": "5"}, "“lon”不是数字"),
        ({"lon": "102", "lat": "95", "accuracy": "5"}, "经度和纬度"),
        ({"error": "lost"}, "未知的定位错误"),
    ],
)
def test_a_check_in_that_does_not_describe_one_is_refused_in_words(desk, fields, said):
    order, urls, plate = routine(desk)
    answer = post(desk, urls, key="k3", plate=plate.code, **fields)
    assert answer.status_code >= 400 and not answer.json()["recorded"] and said in answer.json()["error"]
    assert desk.ctx.db.execute("SELECT COUNT(*) FROM checkins").scalar() == 0


def jpeg_taken(when: str, offset: str | None = None) -> bytes:
    """A phone's JPEG whose EXIF keeps when it was taken (DateTimeOriginal, OffsetTimeOriginal)."""
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[36867] = when
    if offset:
        ifd[36881] = offset
    out = io.BytesIO()
    Image.effect_noise((64, 48), 60).convert("RGB").save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, expected",
    [
        (jpeg_taken("2026:10:21 08:00:00"), "2026-10-21T08:00:00+08:00"),
        (jpeg_taken("2026:10:21 08:00:00", "+00:00"), "2026-10-21T08:00:00+00:00"),
        (jpeg_taken("2026:13:45 99:00:00"), None),
        (photo(), None),
    ],
)
def test_a_photos_own_time_is_read_from_its_exif_where_the_phone_kept_it(data, expected):
    found = taken_at(Photo(data, "p.jpg", "jpg", "image/jpeg", "x"), ZoneInfo("Asia/Shanghai"))
    assert found == (int(datetime.fromisoformat(expected).timestamp()) if expected else None)


def test_the_report_carries_the_check_in_and_a_photo_taken_the_day_before_is_flagged(desk):
    order, urls, plate = routine(desk)
    desk.at(9 * DAY + 9 * HOUR)
    now = desk.clock.now
    shown = post(
        desk,
        urls,
        key="k4",
        plate=plate.code,
        lon=str(PLANT[0]),
        lat=str(PLANT[1]),
        accuracy="6",
        phone_at=str(now),
    ).json()
    assert shown["verdict"] == "passed"
    desk.at(9 * DAY + 9 * HOUR + 25 * 60)
    token = urls["done"].split("t=")[1]
    answers = {f"q{i}": "yes" for i in range(len(desk.ctx.rules.inspections.checklist))}
    files = [
        ("photos", ("today.jpg", jpeg_taken("2026:10:21 09:10:00"), "image/jpeg")),
        ("photos", ("old.jpg", jpeg_taken("2026:10:20 15:00:00"), "image/jpeg")),
    ]
    done = desk.http.post(
        urls["done"], data={"t": token, "visited": "2026-10-21T09:00", **answers}, files=files
    )
    assert done.status_code == 200
    judged = visit.of_order(desk.ctx.db, desk.config, desk.order(order["id"]))
    flags = {f.name: (f.state, f.why.text("zh-CN")) for f in judged.flags}
    assert flags["photos"] == ("failed", "2 张中 1 张的拍摄时间早于签到")
    assert flags["span"] == ("passed", "签到后 25 分钟报完成")
    assert judged.verdict == "flagged"
    # The scorecards read many visits at once: the same judgement.
    [(_, batched)] = visit.of_orders(desk.ctx.db, desk.config, [desk.order(order["id"])]).items()
    assert said(batched) == said(judged)


def said(judged) -> tuple:
    return judged.verdict, [(f.name, f.state, f.why.text("zh-CN")) for f in judged.flags]


def visited_field(page: str) -> str:
    return re.search(r'id="visited" name="visited" value="([^"]*)"', page).group(1)


def test_the_report_form_starts_at_the_check_in_the_phones_time_when_made_offline(desk):
    order, urls, plate = routine(desk)
    desk.at(9 * DAY + 9 * HOUR + 40 * 60)
    assert visited_field(desk.http.get(urls["done"]).text) == "2026-10-21T09:40"  # none yet: now
    # Made at 09:05 in a valley without signal, sent when the phone found it at 09:35.
    desk.at(9 * DAY + 9 * HOUR + 35 * 60)
    made = desk.clock.now - 30 * 60
    post(desk, urls, key="k5", plate=plate.code, error="unavailable", phone_at=str(made), offline="1")
    desk.at(10 * DAY)
    assert visited_field(desk.http.get(urls["done"]).text) == "2026-10-21T09:05"
    # A later check-in, with signal, is the one the report will carry: its server time.
    desk.at(9 * DAY + 11 * HOUR)
    post(desk, urls, key="k6", plate=plate.code, error="unavailable", phone_at=str(desk.clock.now + 90))
    assert visited_field(desk.http.get(urls["done"]).text) == "2026-10-21T11:00"


def test_the_scorecard_counts_visits_passed_flagged_and_without_check_in(desk):
    """Three routine visits in October: one checked in at the plant with its plate, one far
    away, one reported without a check-in; the month's scorecard and its printed page say so."""
    from wastewatch.maintenance import work_orders
    from wastewatch.maintenance.report import document, figures
    from wastewatch.maintenance.visits import checkins
    from wastewatch.maintenance.visits.checkins import Position

    with changing(desk.ctx):
        [plate] = plates.issue(desk.ctx.db, ["helin"], "admin", desk.clock.now)
    for n, where in enumerate([PLANT, (PLANT[0] + 0.05, PLANT[1]), None]):
        desk.at(n * DAY + 9 * HOUR)
        with changing(desk.ctx):
            order = work_orders.open_order(
                desk.ctx, "helin", "routine_inspection", "schedule", "例行巡检", desk.clock.now, "schedule"
            )
            if where is not None:
                checkins.record(
                    desk.ctx.db,
                    desk.config,
                    order,
                    "qingyuan",
                    plate.code,
                    Position(*where, 10.0),
                    desk.clock.now,
                    desk.clock.now,
                )
        desk.at(n * DAY + 10 * HOUR)
        with changing(desk.ctx):
            work_orders.done(desk.ctx, order["id"], "qingyuan", "", desk.clock.now, checklist={})
    orders = [o for o in desk.work_orders() if o["kind"] == "routine_inspection"]
    batched = visit.of_orders(desk.ctx.db, desk.config, orders)
    assert {o["id"]: said(batched[o["id"]]) for o in orders} == {
        o["id"]: said(visit.of_order(desk.ctx.db, desk.config, o)) for o in orders
    }
    report = figures.build(desk.ctx, "2026-10")
    [card] = report.scorecards
    assert (card["visits_checked"], card["visits_flagged"], card["visits_unchecked"]) == (1, 1, 1)
    page = document.html(report, "zh-CN", 1, [])
    assert "巡检签到：通过/存疑/未签到" in page and "<td>1/1/1</td>" in page
