"""The console in a real browser (Debian's Chromium through Playwright): sign in, look at each
page at desktop and phone widths, be refused what the role may not do, sign out. The
screenshots are kept in artefacts/console/ to be looked at."""

from urllib.parse import quote

from tests.browser import CLIPPED, DESKTOP, OVERFLOW, PHONE, WRAPPED, artefacts, browser, window  # noqa: F401
from tests.web.conftest import PASSWORD
from tests.words import codes

ORDER = "WO-202610-0001"  # an_order()'s
ROUTINE = "WO-202610-0002"  # a routine visit, with its checklist: most of a contractor's orders
PAGES = {
    "admin": ["/", "/alerts", "/orders", "/windows", "/bulletin", "/reports", "/users", "/audit", "/account"],
    "operator": [
        "/queue",
        "/",
        "/sites/helin",
        "/alerts",
        "/alerts/1",
        "/orders",
        f"/orders/{ORDER}",
        "/windows",
        "/bulletin",
        "/reports",
        "/account",
    ],
    "regulator": ["/", "/alerts", "/orders", "/bulletin", "/reports", "/audit"],
    "contractor": ["/my", f"/my/orders/{ORDER}", f"/my/orders/{ROUTINE}", "/account"],
}
LANDING = {"contractor": "/my", "operator": "/queue"}


def sign_in(page, base: str, username: str, target: str = "/") -> None:
    page.goto(f"{base}/login?next={quote(target, safe='/')}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def reads_whole(chromium_thread, base: str, role: str, path: str, shot: str) -> None:
    """`role` signs in and opens `path` at desk and phone widths, in `chromium_thread` (the
    `browser` fixture), screenshots in artefacts/console/`shot`-WIDTH.png: nothing wider than the
    window, no heading, menu item or state badge broken over lines, no code where a word
    belongs."""
    folder = artefacts("console")

    def look(width: int):
        def work(chromium):
            with window(chromium, width) as page:
                sign_in(page, base, role, path)
                page.screenshot(path=str(folder / f"{shot}-{width}.png"), full_page=True)
                return (
                    page.evaluate(OVERFLOW),
                    page.evaluate(WRAPPED, "th, header a, .st"),
                    codes(page.inner_text("body")),
                )

        return work

    for width in (DESKTOP, PHONE):
        overflow, wrapped, found = chromium_thread.run(look(width))
        assert overflow <= 0 and wrapped == [] and found == [], (width, wrapped, found)


def visit(base: str, role: str, width: int, folder):
    """Sign in as `role` at `width`, screenshot its pages; what each measured."""

    def work(chromium):
        seen = {}
        with window(chromium, width) as page:
            page.goto(f"{base}/login")
            page.screenshot(path=str(folder / f"login-{width}.png"), full_page=True)
            page.fill("#username", role)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            seen["landed"] = page.url.removeprefix(base)
            for path in PAGES[role]:
                page.goto(base + path)
                name = path.strip("/") or "overview"
                page.screenshot(
                    path=str(folder / f"{role}-{name.replace('/', '_')}-{width}.png"), full_page=True
                )
                seen[path] = (
                    page.evaluate(OVERFLOW),
                    page.evaluate(WRAPPED, "th, .card .l, header a")
                    + page.evaluate(CLIPPED, ".card, .card *"),
                    codes(page.inner_text("body")),
                )
            page.goto(base + "/users")
            seen["users"] = page.locator("h1").inner_text()
            page.click("header button")  # sign out
            page.wait_for_load_state()
            seen["after"] = page.url.removeprefix(base)
            page.goto(base + "/")
            seen["again"] = page.url.removeprefix(base)
        return seen

    return work


def test_each_role_signs_in_sees_its_pages_whole_in_chinese_words_and_signs_out(desk, browser):  # noqa: F811
    """Every page of every role at a desk and on a phone: nothing to scroll sideways, no label
    broken over two lines, and no code or English sentence where a person reads Chinese."""
    from tests.web.test_console import a_routine_order, an_alert, an_order

    an_alert(desk)
    an_order(desk)
    routine = a_routine_order(desk)
    assert routine["id"] == ROUTINE
    folder = artefacts("console")
    for role in PAGES:
        for width in (DESKTOP, PHONE):
            seen = browser.run(visit(desk.config.web.url, role, width, folder))
            assert seen["landed"] == LANDING.get(role, "/"), role
            for path in PAGES[role]:
                overflow, wrapped, found = seen[path]
                assert overflow <= 0 and wrapped == [], (role, path, width, seen[path])
                assert found == [], (role, path, found)
            # /users is the administrator's; the others are told so in words.
            assert seen["users"] == ("用户管理" if role == "admin" else "无权操作"), role
            assert seen["after"] == "/login" and seen["again"].startswith("/login?next=")


def acknowledge(base: str, width: int, folder):
    def work(chromium):
        with window(chromium, width) as page:
            sign_in(page, base, "operator", "/alerts")
            page.screenshot(path=str(folder / f"operator-alerts-{width}.png"), full_page=True)
            listed = page.evaluate(OVERFLOW)
            page.click("a[href='/alerts/1']")
            page.fill("#ack-note", "已通知运维单位")
            page.click("form[action='/alerts/1/ack'] button")
            page.wait_for_load_state()
            page.screenshot(path=str(folder / f"operator-alert-{width}.png"), full_page=True)
            return listed, page.url.removeprefix(base), page.locator("td").all_inner_texts()

    return work


def test_an_operator_acknowledges_an_alert_in_the_browser(desk, browser):  # noqa: F811
    desk.write("cod", [(h * 3600, 90.0) for h in range(3)])
    desk.cycle(3 * 3600)
    listed, url, cells = browser.run(acknowledge(desk.config.web.url, PHONE, artefacts("console")))
    assert listed <= 0 and url == "/alerts/1"
    assert "已确认" in cells and "已通知运维单位" in cells
    assert desk.alerts()[0]["state"] == "acknowledged"
    browser.run(acknowledge_again_at(desk.config.web.url, DESKTOP, artefacts("console")))


def acknowledge_again_at(base: str, width: int, folder):
    """The same pages at desktop width (the alert is acknowledged by now: no form to fill)."""

    def work(chromium):
        with window(chromium, width) as page:
            sign_in(page, base, "operator", "/alerts/1")
            page.screenshot(path=str(folder / f"operator-alert-{width}.png"), full_page=True)
            page.goto(f"{base}/alerts?state=all")
            page.screenshot(path=str(folder / f"operator-alerts-{width}.png"), full_page=True)

    return work
