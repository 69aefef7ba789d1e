"""A contractor at a plant without signal: the order's page opened earlier comes from the
service worker, the check-in and the report are made offline and kept on the phone (IndexedDB),
the browser is closed, and when it is opened again with signal both are sent, once, in order;
the server records the phone's times beside its own. A report sent again with its key changes
nothing. Screenshots at phone width go to artefacts/visits/."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, artefacts
from tests.conftest import VILLAGE_SITE
from tests.maintenance.test_checkin import PLANT, routine
from tests.web.test_checkin_browser import phone, plate_video
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.visits import visit

DAY, HOUR = 86400, 3600


@pytest.fixture
def desk(make_desk):
    return make_desk(site=VILLAGE_SITE + f"location = [{PLANT[0]}, {PLANT[1]}]\n")


def no_signal(page) -> None:
    """Wait until the emulated loss of signal holds for the page and for what its service
    worker lets through to the network (Chromium applies it to each a moment apart)."""
    probe = "fetch('/healthz', {cache: 'no-store'}).then(() => 'online', () => 'offline')"
    for _ in range(100):
        if page.evaluate("navigator.onLine") is False and page.evaluate(probe) == "offline":
            return
        time.sleep(0.05)
    raise AssertionError("the page still reaches the network after set_offline(True)")


def test_a_report_made_without_signal_is_sent_once_when_the_phone_is_online_again(desk, tmp_path):
    folder = artefacts("visits")
    order, urls, plate = routine(desk)
    url = urls["done"]
    video = plate_video(plate.code, tmp_path / "plate.y4m")
    profile = tmp_path / "phone"
    desk.at(9 * DAY + 8 * HOUR)  # opened in the village with signal, the evening before: kept
    made_at = desk.clock.now + HOUR  # at the plant the next hour, without signal

    def offline(page):
        context = page.context
        page.goto(url)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now through the worker, which keeps the page
        page.wait_for_load_state()
        context.set_offline(True)
        context.clock.set_fixed_time(made_at)
        page.reload()  # no signal: the kept page
        no_signal(page)
        page.click("#checkin-start")
        expect(page.locator("#outbox-list li")).to_have_count(1, timeout=30_000)
        for n in range(len(desk.ctx.rules.inspections.checklist)):
            page.check(f"input[name=q{n}][value=yes]")
        page.fill("#note", "格栅已清理")
        page.click("form[data-offline] button[type=submit]")
        expect(page.locator("#outbox-list li")).to_have_count(2)
        page.screenshot(path=str(folder / f"offline-waiting-{PHONE}.png"), full_page=True)
        return page.locator("#outbox").inner_text()

    waiting = phone(video, PLANT, 8, desk.clock.now, offline, profile)
    assert "本机待上传" in waiting and "到场签到 WO-202610-0001，填写于 10-21 09:00" in waiting
    assert "报告完成 WO-202610-0001，填写于 10-21 09:00" in waiting
    assert desk.ctx.db.execute("SELECT COUNT(*) FROM checkins").scalar() == 0
    assert desk.order(order["id"])["state"] == "open"

    # Two hours later, with signal, the browser is opened again: both go, in order, once.
    desk.at(9 * DAY + 11 * HOUR)

    def online(page):
        page.goto(url)
        expect(page.locator("#outbox-status")).to_contain_text("已上传", timeout=30_000)
        expect(page.locator("#outbox-list li")).to_have_count(0)
        page.screenshot(path=str(folder / f"offline-sent-{PHONE}.png"), full_page=True)
        return page.locator("#outbox").inner_text()

    sent = phone(video, PLANT, 8, desk.clock.now, online, profile)
    assert "到场签到 WO-202610-0001：已上传" in sent and "报告完成 WO-202610-0001：已上传" in sent
    [made] = desk.ctx.db.execute("SELECT * FROM checkins").fetchall()
    assert made["offline"] and made["phone_at"] == made_at and made["received_at"] == desk.clock.now
    done = desk.order(order["id"])
    assert done["state"] == "resolved" and done["resolved_at"] == desk.clock.now
    [submission] = desk.ctx.db.execute("SELECT * FROM work_order_submissions").fetchall()
    assert submission["made_at"] == made_at and submission["received_at"] == desk.clock.now
    said = work_orders.said.timeline(work_orders.transitions(desk.ctx.db, order["id"])[-1], "zh-CN")
    assert "离线填写于 2026-10-21 09:00，2026-10-21 11:00 上传" in said
    judged = visit.of_order(desk.ctx.db, desk.config, done)
    flags = {f.name: f.why.text("zh-CN") for f in judged.flags}
    assert flags["clock"] == "离线填写，120 分钟后上传" and flags["span"].startswith("签到后 0 分钟")

    # The phone sends the report again (its answer lost): received once, nothing changes.
    again = desk.http.post(
        url,
        data={"t": url.split("t=")[1], "key": submission["key"], "offline": "1", "made_at": str(made_at)},
    )
    assert again.status_code == 200 and "此报告已于 2026-10-21 11:00 收到" in again.text
    assert len(work_orders.transitions(desk.ctx.db, order["id"])) == 2
