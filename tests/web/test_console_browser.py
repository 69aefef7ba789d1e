"""The console in a real browser (Debian's Chromium through Playwright): sign in, look at each
page at desktop and phone widths, be refused what the role may not do, sign out. The
screenshots are kept in artefacts/console/ to be looked at."""

from tests.browser import DESKTOP, PHONE, WRAPPED, artefacts, browser  # noqa: F401
from tests.web.conftest import PASSWORD

PAGES = {"admin": ["/", "/users", "/audit"], "regulator": ["/", "/audit"], "contractor": ["/my"]}


def visit(base: str, role: str, width: int, folder):
    """Sign in as `role` at `width`, screenshot its pages; what each measured."""

    def work(chromium):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        seen = {}
        try:
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
                page.screenshot(path=str(folder / f"{role}-{name}-{width}.png"), full_page=True)
                seen[path] = (
                    page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
                    page.evaluate(WRAPPED, "th, .card .l, header a"),
                )
            page.goto(base + "/users")
            seen["users"] = page.locator("h1").inner_text()
            page.click("header button")  # sign out
            page.wait_for_load_state()
            seen["after"] = page.url.removeprefix(base)
            page.goto(base + "/")
            seen["again"] = page.url.removeprefix(base)
        finally:
            context.close()
        return seen

    return work


def test_each_role_signs_in_sees_its_pages_whole_and_signs_out(desk, browser):  # noqa: F811
    folder = artefacts("console")
    for role in PAGES:
        for width in (DESKTOP, PHONE):
            seen = browser.run(visit(desk.config.web.url, role, width, folder))
            assert seen["landed"] == ("/my" if role == "contractor" else "/"), role
            for path in PAGES[role]:
                overflow, wrapped = seen[path]
                assert overflow <= 0 and wrapped == [], (role, path, width, seen[path])
            # /users is the administrator's; the others are told so in words.
            assert seen["users"] == ("用户管理" if role == "admin" else "无权操作"), role
            assert seen["after"] == "/login" and seen["again"].startswith("/login?next=")
