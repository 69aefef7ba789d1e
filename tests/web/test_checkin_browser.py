"""到场签到 in a real browser on a phone's width: Chromium's fake camera plays a video of the
site's plate (--use-file-for-fake-video-capture), its position is set where the plant is or
far from it, and the page reads the plate with jsQR, posts the check-in and shows its flags;
the report sent after carries it. Screenshots go to artefacts/visits/."""

import numpy as np
import pytest
import segno

from tests.browser import CHROMIUM, DESKTOP, OVERFLOW, PHONE, Browser, artefacts, browser, window  # noqa: F401
from tests.conftest import VILLAGE_SITE
from tests.maintenance.test_checkin import PLANT, routine
from tests.maintenance.test_plates import SECOND_SITE
from tests.web.test_console_browser import sign_in
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.visits import plates, visit

DAY, HOUR = 86400, 3600


def plate_video(text: str, path) -> str:
    """A Y4M video (what Chromium's fake camera plays) of a plate's QR code held up to the
    camera: 640 × 480, grey, the code in the middle, 10 frames looped."""
    code = np.array(segno.make(text, error="m").matrix, dtype=bool)
    scale = 300 // (len(code) + 8)
    image = np.kron(np.pad(code, 4), np.ones((scale, scale), dtype=bool))
    frame = np.full((480, 640), 200, dtype=np.uint8)
    top, left = (480 - image.shape[0]) // 2, (640 - image.shape[1]) // 2
    frame[top : top + image.shape[0], left : left + image.shape[1]] = np.where(image, 16, 235)
    chroma = np.full((240, 320), 128, dtype=np.uint8).tobytes()
    with open(path, "wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return str(path)


@pytest.fixture
def desk(make_desk):
    """The village site with its coordinates, a user of every role."""
    return make_desk(site=VILLAGE_SITE + f"location = [{PLANT[0]}, {PLANT[1]}]\n")


def watch(context) -> list[str]:
    """What went wrong in the pages' scripts: an uncaught error, or anything the page's CSP
    (script-src 'self') refused."""
    faults: list[str] = []
    context.on("weberror", lambda error: faults.append(str(error.error)))
    context.on(
        "console",
        lambda message: faults.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return faults


def phone(video: str, where: tuple[float, float], accuracy: float, phone_at: int, steps, profile=None):
    """`steps(page)` on a phone-wide page whose camera plays `video`, at `where`, its clock at
    `phone_at` in China's zone; what the steps return. With `profile`, the browser keeps its
    data in that folder: closing it and opening it again is a phone's browser closed and
    reopened (its service worker, its IndexedDB)."""
    camera = Browser(
        (
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        )
    )

    def work(chromium):
        options = dict(
            viewport={"width": PHONE, "height": 900},
            timezone_id="Asia/Shanghai",
            locale="zh-CN",
            geolocation={"longitude": where[0], "latitude": where[1], "accuracy": accuracy},
            permissions=["geolocation", "camera"],
        )
        if profile is None:
            context = chromium.new_context(**options)
        else:
            context = chromium.browser_type.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, args=camera.args, **options
            )
        # The phone's clock with the test's (timers still run: the scanner's loop needs them).
        context.clock.set_fixed_time(phone_at)
        faults = watch(context)
        try:
            return steps(context.pages[0] if context.pages else context.new_page())
        finally:
            context.close()
            assert faults == [], faults

    try:
        return camera.run(work)
    finally:
        camera.close()


def check_in(video: str, url: str, where: tuple[float, float], accuracy: float, phone_at: int, shot):
    """The done page opened on a phone at `where` whose clock reads `phone_at`, 到场签到 pressed,
    the plate read: the flags shown, and how far the page is wider than the phone."""

    def steps(page):
        page.goto(url)
        page.screenshot(path=str(shot("before")), full_page=True)
        page.click("#checkin-start")
        page.wait_for_selector("#visit .verdict", timeout=30_000)
        page.screenshot(path=str(shot("after")), full_page=True)
        return page.locator("#visit").inner_text(), page.evaluate(OVERFLOW)

    return phone(video, where, accuracy, phone_at, steps)


def test_a_contractor_checks_in_by_the_plate_at_the_plant_and_the_report_carries_it(desk, tmp_path):
    folder = artefacts("visits")
    order, urls, plate = routine(desk)
    desk.at(9 * DAY + 9 * HOUR)
    video = plate_video(f"https://tqhb.example.cn/p/{plate.code}", tmp_path / "plate.y4m")
    near = (PLANT[0] + 0.0002, PLANT[1] + 0.0001)
    shown, overflow = check_in(
        video,
        urls["done"],
        near,
        10,
        desk.clock.now - 20,
        lambda s: folder / f"checkin-passed-{s}-{PHONE}.png",
    )
    assert "签到核验全部通过" in shown and "本站点铭牌（第 1 版）" in shown and "距站点 22 米" in shown
    assert overflow == 0
    [made] = desk.ctx.db.execute("SELECT * FROM checkins").fetchall()
    assert made["received_at"] == desk.clock.now and made["accuracy_m"] == 10

    # The report, 40 minutes later, carries the check-in: every check passed.
    desk.at(9 * DAY + 9 * HOUR + 40 * 60)
    token = urls["done"].split("t=")[1]
    answers = {f"q{i}": "yes" for i in range(len(desk.ctx.rules.inspections.checklist))}
    done = desk.http.post(urls["done"], data={"t": token, "visited": "2026-10-21T09:00", **answers})
    assert done.status_code == 200
    judged = visit.of_order(desk.ctx.db, desk.config, desk.order(order["id"]))
    assert judged.verdict == "passed" and judged.checkin.id == made["id"]
    assert {f.name: f.why.text("zh-CN") for f in judged.flags}["span"] == "签到后 40 分钟报完成"


@pytest.mark.parametrize("whose", ["retired", "another site's"])
def test_a_plate_that_does_not_count_read_far_from_the_plant_is_shown_flagged(make_desk, tmp_path, whose):
    desk = make_desk(extra=SECOND_SITE, site=VILLAGE_SITE + f"location = [{PLANT[0]}, {PLANT[1]}]\n")
    folder = artefacts("visits")
    order, urls, old = routine(desk)
    with changing(desk.ctx):
        plates.issue(desk.ctx.db, ["helin"], "admin", desk.clock.now + 1, reissue=True)
        [other] = plates.issue(desk.ctx.db, ["sanhe"], "admin", desk.clock.now + 1)
    desk.at(9 * DAY + 9 * HOUR)
    code = old.code if whose == "retired" else other.code
    video = plate_video(code, tmp_path / "plate.y4m")
    far = (PLANT[0] + 0.05, PLANT[1])
    shot = "retired" if whose == "retired" else "other-site"
    shown, overflow = check_in(
        video, urls["done"], far, 900, desk.clock.now, lambda s: folder / f"checkin-{shot}-{s}-{PHONE}.png"
    )
    said = "已停用的铭牌（第 1 版）" if whose == "retired" else "其他站点（始阳镇三合村污水处理站）的铭牌"
    assert "已签到，有存疑项" in shown and said in shown
    assert "超出 300 米范围" in shown and "精度仅 900 米" in shown
    assert overflow == 0


def test_in_the_console_the_contractor_checks_in_and_the_operator_reads_the_flags(desk, browser, tmp_path):  # noqa: F811
    folder = artefacts("visits")
    base = desk.config.web.url
    desk.sweep(7 * DAY)
    [order] = [o for o in desk.work_orders() if o["kind"] == "routine_inspection"]
    with changing(desk.ctx):
        [plate] = plates.issue(desk.ctx.db, ["helin"], "admin", desk.clock.now)
    desk.at(9 * DAY + 9 * HOUR)
    video = plate_video(f"https://tqhb.example.cn/p/{plate.code}", tmp_path / "plate.y4m")

    def contractor(page):
        sign_in(page, base, "contractor", f"/my/orders/{order['id']}")
        page.click("#checkin-start")
        page.wait_for_selector("#visit .verdict", timeout=30_000)
        page.screenshot(path=str(folder / f"console-checkin-{PHONE}.png"), full_page=True)
        return page.locator("#visit").inner_text(), page.evaluate(OVERFLOW)

    shown, overflow = phone(video, PLANT, 15, desk.clock.now, contractor)
    assert "签到核验全部通过" in shown and overflow == 0
    # Reported three minutes later: too quick for the checklist, and the operator is told.
    desk.at(9 * DAY + 9 * HOUR + 180)
    assert desk.ctx.db.execute("SELECT COUNT(*) FROM checkins").scalar() == 1

    def report(page):
        sign_in(page, base, "contractor", f"/my/orders/{order['id']}")
        page.screenshot(path=str(folder / f"console-report-{PHONE}.png"), full_page=True)
        seen = page.locator(".cardlist").inner_text(), page.locator("#visited").input_value()
        form = page.locator(f"form[action='/my/orders/{order['id']}/done']")
        for n in range(len(desk.ctx.rules.inspections.checklist)):
            form.locator(f"input[name=q{n}][value=yes]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        return seen

    timeline, visited = phone(video, PLANT, 15, desk.clock.now, report)
    assert "到场签到" in timeline and "签到至报完成：尚未报完成" in timeline and visited == "2026-10-21T09:00"
    assert desk.order(order["id"])["state"] == "resolved"

    def operator(width: int):
        def work(chromium):
            with window(chromium, width) as page:
                sign_in(page, base, "operator", f"/orders/{order['id']}")
                page.screenshot(path=str(folder / f"operator-order-{width}.png"), full_page=True)
                return (
                    page.locator(".visit").inner_text(),
                    page.locator(".cardlist").inner_text(),
                    page.evaluate(OVERFLOW),
                )

        return work

    for width in (DESKTOP, PHONE):
        visit_text, timeline, overflow = browser.run(operator(width))
        assert "已签到，有存疑项" in visit_text and "签到后 3 分钟即报完成，少于 5 分钟" in visit_text
        assert "到场签到" in timeline and overflow == 0
