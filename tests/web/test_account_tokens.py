"""API tokens on one's own account page: made and shown once, used by the API, revoked by their
owner only; the page whole at desk and phone widths with the new token on it."""

import re

import httpx

from tests.browser import browser  # noqa: F401 — the fixture
from tests.web.test_console import csrf, login
from wastewatch.access import audit, tokens

SECRET = re.compile(r'<code class="secret">(ww_[A-Za-z0-9_-]+)</code>')


def test_a_token_is_shown_once_works_and_is_revoked_by_its_owner_only(desk):
    admin, _ = login(desk, "admin")
    page = admin.get("/account")
    assert "接口令牌" in page.text and "创建令牌" in page.text
    made = admin.post("/account/tokens", data={"csrf": csrf(page.text), "name": "省级平台", "days": "30"})
    assert made.status_code == 200 and "新令牌仅此一次显示" in made.text
    secret = SECRET.search(made.text)[1]
    again = admin.get("/account").text
    assert secret not in again and f"{secret[:10]}…" in again and "省级平台" in again
    api = httpx.Client(
        base_url=desk.config.web.url + "/api/v1", headers={"Authorization": f"Bearer {secret}"}
    )
    assert "尚未使用" in again
    assert api.get("/sites").status_code == 200
    assert "尚未使用" not in admin.get("/account").text  # its use is on the page at once

    refused = admin.post("/account/tokens", data={"csrf": csrf(again), "name": "x", "days": "9999"})
    assert refused.status_code == 400 and "令牌有效期为 1 至 365 天" in refused.text
    unnamed = admin.post("/account/tokens", data={"csrf": csrf(again), "name": " ", "days": "3"})
    assert unnamed.status_code == 400 and "令牌需要一个说明用途的名称" in unnamed.text

    [token] = tokens.listing(desk.ctx.db, "admin")
    operator, _ = login(desk, "operator")
    other = operator.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf": csrf(operator.get("/account").text)}
    )
    assert other.status_code == 404 and tokens.get(desk.ctx.db, token.id).revoked_at is None
    assert api.get("/sites").status_code == 200

    gone = admin.post(f"/account/tokens/{token.id}/revoke", data={"csrf": csrf(again)}, follow_redirects=True)
    assert "令牌已吊销" in gone.text and "已于" in gone.text
    assert api.get("/sites").status_code == 401
    actions = [(e.actor, e.action) for e in audit.listing(desk.ctx.db, 50)]
    assert ("admin", "api.token.create") in actions and ("admin", "api.token.revoke") in actions


def test_the_account_page_with_a_new_token_reads_whole_at_desk_and_phone_widths(desk, browser):  # noqa: F811
    from tests.browser import DESKTOP, OVERFLOW, PHONE, WRAPPED, artefacts, window
    from tests.web.test_console_browser import sign_in
    from tests.words import codes

    folder = artefacts("console")

    def look(width: int):
        def work(chromium):
            with window(chromium, width) as page:
                sign_in(page, desk.config.web.url, "regulator", "/account")
                page.fill("#token-name", f"县GIS（{width}）")
                page.click("form[action='/account/tokens'] button")
                page.wait_for_load_state()
                page.screenshot(path=str(folder / f"regulator-account-tokens-{width}.png"), full_page=True)
                return (
                    page.evaluate(OVERFLOW),
                    page.evaluate(WRAPPED, "th, header a, .st"),
                    codes(page.inner_text("body")),
                    page.locator("code.secret").count(),
                )

        return work

    for width in (DESKTOP, PHONE):
        overflow, wrapped, found, shown = browser.run(look(width))
        assert overflow <= 0 and wrapped == [] and shown == 1, (width, wrapped)
        assert [c for c in found if not c.startswith("ww_")] == [], (width, found)
