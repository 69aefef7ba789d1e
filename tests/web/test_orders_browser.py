"""A work order's loop in a real browser (Debian's Chromium through Playwright): an operator
opens it, the contractor reports it done with a photo from a phone, the operator reopens it,
the contractor reports again, the operator verifies it (销号). Screenshots go to
artefacts/console/."""

from tests.browser import DESKTOP, OVERFLOW, PHONE, WRAPPED, artefacts, browser, window  # noqa: F401
from tests.maintenance.desk import photo
from tests.web.test_console_browser import sign_in


def open_order(base: str, folder):
    def work(chromium):
        with window(chromium, DESKTOP) as page:
            sign_in(page, base, "operator", "/orders")
            page.click("details.new-order summary")
            page.select_option("#new-site", "helin")
            page.select_option("#new-kind", "fault_repair")
            page.fill("#new-summary", "提升泵异响")
            page.screenshot(path=str(folder / f"operator-new-order-{DESKTOP}.png"), full_page=True)
            page.click("details.new-order button")
            page.wait_for_load_state()
            return page.url.removeprefix(base)

    return work


def report_done(base: str, order_id: str, note: str, picture, folder, shot: str):
    def work(chromium):
        with window(chromium, PHONE) as page:
            sign_in(page, base, "contractor", "/my")
            page.click(f"a[href='/my/orders/{order_id}']")
            page.wait_for_load_state()
            form = page.locator(f"form[action='/my/orders/{order_id}/done']")
            form.locator("textarea").fill(note)
            form.locator("input[type=file]").set_input_files(picture)
            page.screenshot(path=str(folder / f"{shot}-{PHONE}.png"), full_page=True)
            seen = (page.evaluate(OVERFLOW), page.evaluate(WRAPPED, "th, header a, button"))
            form.locator("button").click()
            page.wait_for_load_state()
            return seen, page.locator("table.facts").inner_text()

    return work


def operator_acts(base: str, order_id: str, action: str, note: str, folder):
    def work(chromium):
        with window(chromium, DESKTOP) as page:
            sign_in(page, base, "operator", f"/orders/{order_id}")
            page.screenshot(path=str(folder / f"operator-order-{action}-{DESKTOP}.png"), full_page=True)
            form = page.locator(f"form[action='/orders/{order_id}/{action}']")
            form.locator("input[name=note]").fill(note)
            form.locator("button").click()
            page.wait_for_load_state()
            return page.locator("table.facts").inner_text()

    return work


def test_an_order_goes_round_the_loop_in_the_browser(desk, browser, tmp_path):  # noqa: F811
    folder = artefacts("console")
    base = desk.config.web.url
    url = browser.run(open_order(base, folder))
    assert url.startswith("/orders/WO-")
    order_id = url.removeprefix("/orders/")
    picture = tmp_path / "浮球开关.png"
    picture.write_bytes(photo((640, 480), noise=True))
    seen, facts = browser.run(report_done(base, order_id, "更换浮球开关", picture, folder, "contractor-done"))
    assert seen == (0, []) or (seen[0] <= 0 and seen[1] == []), seen
    assert "已完成待核验" in facts and "1 张照片" in facts  # the page after the report
    assert desk.order(order_id)["state"] == "resolved"
    facts = browser.run(operator_acts(base, order_id, "reopen", "出水仍浑浊，请复查", folder))
    assert "已重新打开" in facts, facts
    assert desk.order(order_id)["state"] == "reopened"
    browser.run(report_done(base, order_id, "已复查并清理沉淀池", picture, folder, "contractor-done-again"))
    facts = browser.run(operator_acts(base, order_id, "verify", "现场核实", folder))
    assert "已销号" in facts, facts
    assert desk.order(order_id)["state"] == "closed"
    assert [new for _, new, _ in desk.history(order_id)] == [
        "open",
        "resolved",
        "reopened",
        "resolved",
        "closed",
    ]
