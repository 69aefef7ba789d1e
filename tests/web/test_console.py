"""The console's door: signing in and out, sessions, CSRF, throttling, the audit log and the
exact allow/deny matrix of every route for every role, over a real server."""

import re

import httpx
import pytest

from tests.web.conftest import PASSWORD, ROLES
from wastewatch.access import accounts, audit
from wastewatch.maintenance.reaction import changing

MINUTE = 60
# Every console route and what each role gets: 200 (the page), 403 (refused), and for anyone
# not signed in a redirect (303) to the sign-in page. Written out, not derived from the
# permissions table: this is what the bureau was promised.
MATRIX = {
    ("GET", "/"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    # The queue of those who act: alerts to acknowledge, orders to verify or chase.
    ("GET", "/queue"): {"admin": 200, "operator": 200, "regulator": 403, "contractor": 403},
    ("GET", "/sites/{site_id}"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    ("GET", "/sites/{site_id}/readings.csv"): {
        "admin": 200,
        "operator": 200,
        "regulator": 200,
        "contractor": 403,
    },
    # A site's first plate issued (the second POST finds it in use), then printed.
    ("POST", "/sites/{site_id}/plate"): {
        "admin": 303,
        "operator": 303,
        "regulator": 403,
        "contractor": 403,
    },
    ("GET", "/sites/{site_id}/plate.pdf"): {
        "admin": 200,
        "operator": 200,
        "regulator": 403,
        "contractor": 403,
    },
    ("GET", "/account"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 200},
    # The guide, for everyone signed in.
    ("GET", "/help"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 200},
    # Saving without a language: refused for what it is (400), for everyone.
    ("POST", "/account"): {"admin": 400, "operator": 400, "regulator": 400, "contractor": 400},
    ("GET", "/bulletin"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    ("GET", "/bulletin.xlsx"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    ("GET", "/reports"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    # Building the month in course: harmless, a draft is not a version (303 back to the list).
    ("POST", "/reports/draft"): {"admin": 303, "operator": 303, "regulator": 403, "contractor": 403},
    ("GET", "/reports/{month}/{version}/{name}"): {
        "admin": 200,
        "operator": 200,
        "regulator": 200,
        "contractor": 403,
    },
    ("GET", "/audit"): {"admin": 200, "operator": 403, "regulator": 200, "contractor": 403},
    ("GET", "/users"): {"admin": 200, "operator": 403, "regulator": 403, "contractor": 403},
    ("POST", "/users"): {"admin": 200, "operator": 403, "regulator": 403, "contractor": 403},
    ("GET", "/my"): {"admin": 403, "operator": 403, "regulator": 403, "contractor": 200},
    ("GET", "/my/orders/{order_id}"): {"admin": 403, "operator": 403, "regulator": 403, "contractor": 200},
    # Acknowledging an order already acknowledged: told why not (409).
    ("POST", "/my/orders/{order_id}/{action}"): {
        "admin": 403,
        "operator": 403,
        "regulator": 403,
        "contractor": 409,
    },
    # A manual order without a site: refused for what it is (400).
    ("POST", "/orders/new"): {"admin": 400, "operator": 400, "regulator": 403, "contractor": 403},
    ("GET", "/alerts"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    ("GET", "/alerts/{alert_id}"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    # Resolving without a note: the roles that may act reach the lifecycle and are told why
    # not (409); the others are refused before it (403). Nothing changes either way.
    ("POST", "/alerts/{alert_id}/{action}"): {
        "admin": 409,
        "operator": 409,
        "regulator": 403,
        "contractor": 403,
    },
    ("GET", "/orders"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    ("GET", "/orders/{order_id}"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    ("GET", "/orders/{order_id}/photos/{n}"): {
        "admin": 200,
        "operator": 200,
        "regulator": 200,
        "contractor": 403,
    },
    # Reopening an order that is not done: the roles that may act are told why not (409).
    ("POST", "/orders/{order_id}/{action}"): {
        "admin": 409,
        "operator": 409,
        "regulator": 403,
        "contractor": 403,
    },
    # The chat groups: administrators only; a test message to a channel the config lacks: 404.
    ("GET", "/channels"): {"admin": 200, "operator": 403, "regulator": 403, "contractor": 403},
    ("POST", "/channels/{channel_id}/test"): {
        "admin": 404,
        "operator": 403,
        "regulator": 403,
        "contractor": 403,
    },
    # One's own API tokens: a token without a name is refused for what it is (400); revoking a
    # token that is not one's own: 404.
    ("POST", "/account/tokens"): {"admin": 400, "operator": 400, "regulator": 400, "contractor": 400},
    ("POST", "/account/tokens/{token_id}/revoke"): {
        "admin": 404,
        "operator": 404,
        "regulator": 404,
        "contractor": 404,
    },
    # The upper platforms' state per site: everyone who sees the sites, not contractors.
    ("GET", "/forward"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    # Laboratory results: everyone sees them (a contractor its company's sites), a contractor
    # enters its laboratory's results; operators import sheets and record spot checks.
    ("GET", "/lab"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 200},
    # A sheet upload without a file, a sample without its time: refused for what they are (400).
    ("POST", "/lab/import"): {"admin": 400, "operator": 400, "regulator": 403, "contractor": 403},
    ("POST", "/lab/samples"): {"admin": 400, "operator": 400, "regulator": 403, "contractor": 403},
    ("GET", "/lab/samples/{sample_id}"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 200},
    # Saving with no result typed: nothing changes, back to the sample (303).
    ("POST", "/lab/samples/{sample_id}/results"): {
        "admin": 303,
        "operator": 303,
        "regulator": 403,
        "contractor": 303,
    },
    # A sample without its laboratory's file: 404 for everyone who may see it.
    ("GET", "/lab/samples/{sample_id}/report"): {
        "admin": 404,
        "operator": 404,
        "regulator": 404,
        "contractor": 404,
    },
    ("GET", "/reviews"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 200},
    # A review without its series: refused for what it is (400).
    ("POST", "/reviews/add"): {"admin": 400, "operator": 400, "regulator": 403, "contractor": 403},
    ("POST", "/reviews/propose"): {"admin": 403, "operator": 403, "regulator": 403, "contractor": 400},
    ("POST", "/reviews/{review_id}/{action}"): {
        "admin": 404,
        "operator": 404,
        "regulator": 403,
        "contractor": 403,
    },
    ("GET", "/windows"): {"admin": 200, "operator": 200, "regulator": 200, "contractor": 403},
    # A window without a reason: refused for what it is; ending one that does not exist: 404.
    ("POST", "/windows/add"): {"admin": 400, "operator": 400, "regulator": 403, "contractor": 403},
    ("POST", "/windows/{window_id}/end"): {
        "admin": 404,
        "operator": 404,
        "regulator": 403,
        "contractor": 403,
    },
}
# The concrete request for a route with parameters.
CONCRETE = {
    "/sites/{site_id}": "/sites/helin",
    "/reports/{month}/{version}/{name}": "/reports/2026-09/v1/compliance-2026-09.csv",
    "/sites/{site_id}/readings.csv": "/sites/helin/readings.csv",
    "/sites/{site_id}/plate": "/sites/helin/plate",
    "/sites/{site_id}/plate.pdf": "/sites/helin/plate.pdf",
    "/alerts/{alert_id}": "/alerts/1",
    "/alerts/{alert_id}/{action}": "/alerts/1/resolve",
    "/orders/{order_id}": "/orders/WO-202610-0001",
    "/my/orders/{order_id}": "/my/orders/WO-202610-0001",
    "/my/orders/{order_id}/{action}": "/my/orders/WO-202610-0001/acknowledge",
    "/orders/{order_id}/photos/{n}": "/orders/WO-202610-0001/photos/1",
    "/orders/{order_id}/{action}": "/orders/WO-202610-0001/reopen",
    "/windows/{window_id}/end": "/windows/99/end",
    "/lab/samples/{sample_id}": "/lab/samples/1",
    "/lab/samples/{sample_id}/results": "/lab/samples/1/results",
    "/lab/samples/{sample_id}/report": "/lab/samples/1/report",
    "/reviews/{review_id}/{action}": "/reviews/99/accept",
    "/channels/{channel_id}/test": "/channels/bureau/test",
    "/account/tokens/{token_id}/revoke": "/account/tokens/99/revoke",
}


def an_order(desk) -> str:
    """WO-202610-0001, opened by hand, acknowledged, with a PNG photo attached (stored as the
    contractor's page stores one)."""
    import hashlib

    from tests.maintenance.desk import photo
    from wastewatch.maintenance import work_orders
    from wastewatch.web.uploads import Photo, store

    order = desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx, "helin", "operator_request", "manual", "清理格栅", now, "王科长"
        )
    )
    desk.act(work_orders.acknowledge, order["id"], "qingyuan", "")
    data = photo()
    picture = Photo(data, "格栅.png", "png", "image/png", hashlib.sha256(data).hexdigest())
    path = store(desk.config.data_dir, order["id"], picture)
    with changing(desk.ctx):
        work_orders.attach_photo(
            desk.ctx.db,
            order["id"],
            path,
            picture.name,
            "image/png",
            len(data),
            picture.sha256,
            "qingyuan",
            desk.clock.now,
        )
    return order["id"]


def a_routine_order(desk):
    """A routine inspection at the village site as the calendar opens one, due in a day."""
    from wastewatch.maintenance import work_orders

    return desk.act(
        lambda ctx, now: work_orders.open_order(
            ctx,
            "helin",
            "routine_inspection",
            "schedule",
            "例行巡检（每两周）",
            now,
            "schedule",
            due_at=now + 86400,
        )
    )


def an_alert(desk) -> None:
    """Alert 1: three COD samples over the limit at the village site."""
    desk.write("cod", [(h * 3600, 90.0) for h in range(3)])
    desk.cycle(3 * 3600)


def a_sample(desk) -> int:
    """Sample 1: the bureau's spot check at the village site, its results not yet in."""
    from wastewatch.maintenance.lab import records

    with changing(desk.ctx):
        return records.add_sample(
            desk.ctx.db, "helin", desk.clock.now, "spot_check", "王科长", desk.clock.now
        )


def a_report(desk) -> None:
    """Version 1 of September's monthly report, as the scheduler sends it."""
    from wastewatch.maintenance.report.monthly import MonthlyReports

    MonthlyReports(desk.ctx).produce("2026-09", desk.clock.now)


def base(desk) -> str:
    return desk.config.web.url


def login(desk, username: str, password: str = PASSWORD, client: httpx.Client | None = None):
    client = client or httpx.Client(base_url=base(desk), timeout=10)
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    answer = client.post("/login", data={"csrf": token, "username": username, "password": password})
    return client, answer


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]


def test_every_route_answers_every_role_exactly_as_the_matrix_says(desk):
    from wastewatch.web.app import create_app

    routes = {
        (method, r.path)
        for r in create_app(desk.config, desk.ctx).routes
        if getattr(getattr(r, "endpoint", None), "action", None)
        for method in r.methods - {"HEAD"}
    }
    assert routes == set(MATRIX)  # a new route needs its row here
    an_alert(desk)
    an_order(desk)
    a_report(desk)
    a_sample(desk)
    anonymous = httpx.Client(base_url=base(desk), timeout=10)
    # One session per role for every route: signing in checks an Argon2 hash, on purpose slow.
    signed_in = {role: login(desk, role)[0] for role in ROLES}
    for (method, route), expected in MATRIX.items():
        path = CONCRETE.get(route, route)
        answer = anonymous.request(method, path, data={} if method == "POST" else None)
        assert (answer.status_code, answer.headers["location"]) == (
            303,
            f"/login?next={path}",
        )
        for role, status in expected.items():
            client = signed_in[role]
            data = None
            if method == "POST":
                page = client.get("/my" if role == "contractor" else "/").text
                # Harmless whatever it reaches: re-enabling an enabled user, a window without reason.
                data = {"csrf": csrf(page), "do": "enable", "username": "regulator", "site": "helin"}
            got = client.request(method, path, data=data)
            assert got.status_code == status, (role, method, path)
    assert desk.alerts()[0]["state"] == "firing"  # nobody changed it
    assert desk.order("WO-202610-0001")["state"] == "acknowledged"
    denied = [e for e in audit.listing(desk.ctx.db) if e.outcome == "denied"]
    assert ("regulator", "POST /users") in {(e.actor, e.action) for e in denied}


def test_signing_in_sets_a_new_http_only_cookie_and_signing_out_ends_the_session(desk):
    client, answer = login(desk, "operator")
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"  # an operator's landing
    cookie = answer.headers["set-cookie"]
    assert "ww_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # http here; Secure when base_url is https
    first = client.cookies["ww_session"]
    home = client.get("/")
    assert home.status_code == 200 and "总览" in home.text and "在办工单" in home.text
    # Signing in again gives a new token; the old one signs nobody in.
    _, again = login(desk, "operator", client=client)
    assert client.cookies["ww_session"] != first
    stale = httpx.Client(base_url=base(desk), cookies={"ww_session": first}, timeout=10)
    assert stale.get("/").status_code == 303
    out = client.post("/logout", data={"csrf": csrf(client.get("/").text)})
    assert out.status_code == 303 and client.get("/").status_code == 303
    actions = [(e.actor, e.action, e.outcome) for e in audit.listing(desk.ctx.db)]
    assert ("operator", "logout", "ok") in actions and actions.count(("operator", "login", "ok")) == 2


def test_a_session_ends_after_the_idle_time_and_a_contractor_lands_on_its_orders(desk):
    client, answer = login(desk, "contractor")
    assert answer.headers["location"] == "/my" and "本单位工单" in client.get("/my").text
    desk.clock.now += desk.config.web.session_idle_min * MINUTE + 1
    assert client.get("/my").status_code == 303


def test_a_form_without_its_csrf_token_is_refused_and_recorded(desk):
    client, _ = login(desk, "admin")
    refused = client.post("/users", data={"do": "add", "username": "intruder", "role": "admin"})
    assert refused.status_code == 403 and "安全令牌" in refused.text
    assert "intruder" not in client.get("/users").text
    [entry] = [e for e in audit.listing(desk.ctx.db) if e.outcome == "denied"]
    assert (entry.actor, entry.action, entry.detail) == ("admin", "POST /users", "csrf")
    # The sign-in form has its own token too (a cookie set with the form).
    bare = httpx.Client(base_url=base(desk), timeout=10)
    assert bare.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 403
    # A token of any characters is refused the same way (compare_digest raised on non-ASCII
    # text: a 500, found by fuzzing the forms).
    bare.get("/login")
    assert bare.post("/login", data={"csrf": "令牌", "username": "admin"}).status_code == 403
    assert client.post("/users", data={"csrf": "令牌", "do": "add", "username": "x"}).status_code == 403


def test_failed_sign_ins_are_throttled_per_account_then_forgiven_after_the_window(desk):
    limit = desk.config.web.login_failures
    for _ in range(limit):
        assert login(desk, "regulator", "wrong password")[1].status_code == 401
    blocked = login(desk, "regulator")[1]  # the right password, too late
    assert blocked.status_code == 429 and "分钟后再试" in blocked.text
    desk.clock.now += desk.config.web.login_window_min * MINUTE + 1
    assert login(desk, "regulator")[1].status_code == 303
    outcomes = [e.outcome for e in audit.listing(desk.ctx.db) if e.actor == "regulator"]
    assert outcomes.count("failed") == limit and "denied" in outcomes


def test_sign_ins_sent_at_once_all_meet_the_throttle_and_pages_keep_answering(desk):
    """Passwords are checked off the event loop, one attempt per account at a time: people
    signing in at once from one address (an office behind one gateway) all get in, and a burst
    against one account cannot slip more tries past the limit while others are being checked."""
    from concurrent.futures import ThreadPoolExecutor

    limit = desk.config.web.login_failures
    with changing(desk.ctx):
        for n in range(8):
            accounts.add(desk.ctx.db, desk.config, f"clerk{n}", "科员", "operator", PASSWORD, desk.clock.now)
    with ThreadPoolExecutor(8) as pool:
        signed = list(pool.map(lambda n: login(desk, f"clerk{n}")[1].status_code, range(8)))
    assert signed == [303] * 8
    forms = []
    for _ in range(limit + 4):
        client = httpx.Client(base_url=base(desk), timeout=30)
        forms.append((client, csrf(client.get("/login").text)))
    reader, _ = login(desk, "operator")

    def attempt(form):
        client, token = form
        return client.post("/login", data={"csrf": token, "username": "regulator", "password": "wrong"})

    with ThreadPoolExecutor(len(forms)) as pool:
        answers = list(pool.map(attempt, forms))
    assert sorted(a.status_code for a in answers) == [401] * limit + [429] * 4
    assert reader.get("/").status_code == 200


def test_an_admin_adds_and_disables_users_and_a_disabled_account_is_signed_out(desk):
    admin, _ = login(desk, "admin")
    operator, _ = login(desk, "operator")
    page = admin.get("/users").text
    added = admin.post(
        "/users",
        data={"csrf": csrf(page), "do": "add", "username": "li.gong", "name": "李工", "role": "operator"},
    )
    assert added.status_code == 200
    password = re.search(r"用户 li.gong 的密码（仅显示一次）：(\S+)</p>", added.text)[1]
    assert login(desk, "li.gong", password)[1].status_code == 303
    admin.post("/users", data={"csrf": csrf(page), "do": "disable", "username": "operator"})
    assert operator.get("/").status_code == 303  # its session ended
    assert login(desk, "operator")[1].status_code == 401
    assert [e.action for e in audit.listing(desk.ctx.db) if e.actor == "admin"][:2] == [
        "user.disable",
        "user.add",
    ]


def test_security_headers_are_on_every_page_and_no_page_has_inline_script(desk):
    client, _ = login(desk, "admin")
    for path in ("/login", "/", "/users", "/audit", "/static/console.css"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        csp = answer.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "<script" not in answer.text
    assert client.get("/").headers["cache-control"] == "no-store"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_sign_in_never_redirects_off_the_console(desk, target):
    client = httpx.Client(base_url=base(desk), timeout=10)
    token = csrf(client.get("/login").text)
    answer = client.post(
        f"/login?next={target}", data={"csrf": token, "username": "regulator", "password": PASSWORD}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_roles_cover_every_role_and_the_matrix_covers_every_role():
    from wastewatch.access.roles import ROLES as ALL

    assert set(ROLES) == set(ALL) and all(set(row) == set(ALL) for row in MATRIX.values())


def test_an_operator_acknowledges_and_resolves_an_alert_and_a_regulator_may_only_look(desk):
    an_alert(desk)
    regulator, _ = login(desk, "regulator")
    page = regulator.get("/alerts/1")
    assert page.status_code == 200 and "出水单样本超标" in page.text and "确认告警" not in page.text
    assert regulator.post("/alerts/1/ack", data={"csrf": csrf(page.text)}).status_code == 403
    operator, _ = login(desk, "operator")
    listed = operator.get("/alerts", params={"severity": "warning"}).text
    assert 'href="/alerts/1"' in listed and "城厢镇禾林村污水处理站" in listed
    assert 'href="/alerts/1"' not in operator.get("/alerts", params={"severity": "critical"}).text
    page = operator.get("/alerts/1").text
    acked = operator.post("/alerts/1/ack", data={"csrf": csrf(page), "note": "已通知运维单位"})
    assert acked.status_code == 303 and desk.alerts()[0]["state"] == "acknowledged"
    again = operator.post("/alerts/1/ack", data={"csrf": csrf(page), "note": ""})
    assert again.status_code == 409 and "告警 #1 已确认，只有告警中的告警可以确认" in again.text
    resolved = operator.post("/alerts/1/resolve", data={"csrf": csrf(page), "note": "复核为仪表故障"})
    assert resolved.status_code == 303 and desk.alerts()[0]["state"] == "resolved"
    history = operator.get("/alerts/1").text
    assert (
        "operator 的名字（operator）" in history
        and "已通知运维单位" in history
        and "复核为仪表故障" in history
    )
    desk.send()
    assert desk.emails("[已恢复]")  # the operators are told, as from the command line
    actions = [(e.actor, e.action, e.target) for e in audit.listing(desk.ctx.db) if e.outcome == "ok"]
    assert ("operator", "alert.ack", "1") in actions and ("operator", "alert.resolve", "1") in actions
    # An alert email points at its page.
    [(_, first)] = [(r, m) for r, m in desk.mail.messages if str(m["Subject"]).startswith("[警告]")]
    assert f"{base(desk)}/alerts/1" in first.get_body(("plain",)).get_content()


def test_an_account_limited_to_other_towns_does_not_see_the_alert(desk):
    from wastewatch.access import accounts
    from wastewatch.maintenance.reaction import changing

    an_alert(desk)
    with changing(desk.ctx):
        db = desk.ctx.db
        accounts.add(db, desk.config, "elsewhere", "", "operator", PASSWORD, desk.clock.now)
        db.execute("UPDATE users SET towns = :t WHERE username = 'elsewhere'", {"t": '["思经镇"]'})
    client, _ = login(desk, "elsewhere")
    assert 'href="/alerts/1"' not in client.get("/alerts").text
    assert client.get("/alerts/1").status_code == 404


def test_an_operator_verifies_and_reopens_an_order_and_its_photo_is_served_as_what_it_is(desk):
    from wastewatch.maintenance import work_orders

    order_id = an_order(desk)
    operator, _ = login(desk, "operator")
    listed = operator.get("/orders").text
    assert (
        f'href="/orders/{order_id}"' in listed
        and "清理格栅" in listed
        and "天全县清源环保运维有限公司" in listed
    )
    page = operator.get(f"/orders/{order_id}").text
    assert "核验销号" not in page  # not done yet: nothing to verify
    refused = operator.post(f"/orders/{order_id}/verify", data={"csrf": csrf(page), "note": ""})
    assert refused.status_code == 409 and "核验销号需要工单处于已完成待核验状态" in refused.text
    desk.act(work_orders.done, order_id, "qingyuan/李师傅", "格栅已清理", desk.clock.now)
    page = operator.get(f"/orders/{order_id}").text
    assert "核验销号" in page and f'src="/orders/{order_id}/photos/1"' in page
    photo = operator.get(f"/orders/{order_id}/photos/1")
    assert (
        photo.headers["content-type"] == "image/png" and photo.headers["x-content-type-options"] == "nosniff"
    )
    assert photo.content.startswith(b"\x89PNG")
    assert operator.get(f"/orders/{order_id}/photos/2").status_code == 404
    verified = operator.post(f"/orders/{order_id}/verify", data={"csrf": csrf(page), "note": "现场核实"})
    assert verified.status_code == 303 and desk.order(order_id)["state"] == "closed"
    timeline = operator.get(f"/orders/{order_id}").text
    assert (
        "operator 的名字（operator）" in timeline
        and "现场核实" in timeline
        and "已销号" in timeline
        or "closed" in timeline
    )
    actions = [
        (e.action, e.target)
        for e in audit.listing(desk.ctx.db)
        if e.actor == "operator" and e.outcome == "ok"
    ]
    assert ("order.verify", order_id) in actions
    regulator, _ = login(desk, "regulator")
    assert (
        regulator.post(f"/orders/{order_id}/reopen", data={"csrf": csrf(timeline), "note": "x"}).status_code
        == 403
    )


def test_an_operator_registers_and_ends_a_maintenance_window_and_a_regulator_only_reads(desk):
    from wastewatch.alerts import windows

    operator, _ = login(desk, "operator")
    page = operator.get("/windows").text
    assert "登记检修时段" in page and "时段内的数据不计为有效样本" in page
    form = {"csrf": csrf(page), "site": "helin", "kind": "calibration", "reason": "COD 仪表校准"}
    backwards = operator.post(
        "/windows/add", data={**form, "from": "2026-10-12T08:00", "until": "2026-10-12T07:00"}
    )
    assert backwards.status_code == 400 and "结束时间须晚于开始时间" in backwards.text
    added = operator.post("/windows/add", data={**form, "from": "2026-10-12T00:00", "until": ""})
    assert added.status_code == 303
    [window] = windows.listing(desk.ctx.db, "helin")
    assert (window["kind"], window["starts_at"], window["ends_at"]) == ("calibration", desk.clock.now, None)
    listed = operator.get("/windows", params={"active": "1"}).text
    assert "COD 仪表校准" in listed and "未结束" in listed and "立即结束" in listed
    regulator, _ = login(desk, "regulator")
    seen = regulator.get("/windows").text
    assert "COD 仪表校准" in seen and "立即结束" not in seen and "登记检修时段" not in seen
    assert regulator.post(f"/windows/{window['id']}/end", data={"csrf": csrf(seen)}).status_code == 403
    desk.clock.now += 3600
    assert operator.post(f"/windows/{window['id']}/end", data={"csrf": csrf(listed)}).status_code == 303
    assert windows.listing(desk.ctx.db, "helin")[0]["ends_at"] == desk.clock.now
    assert "window.end" in [e.action for e in audit.listing(desk.ctx.db) if e.actor == "operator"]


def test_alerts_are_filtered_by_the_days_they_opened_on(desk):
    an_alert(desk)  # opened on 2026-10-12 (T0 + 2 h)
    regulator, _ = login(desk, "regulator")
    assert "#1</a>" in regulator.get("/alerts", params={"from": "2026-10-12", "to": "2026-10-12"}).text
    assert "#1</a>" not in regulator.get("/alerts", params={"from": "2026-10-13", "to": "2026-10-20"}).text
    assert "#1</a>" not in regulator.get("/alerts", params={"from": "2026-10-01", "to": "2026-10-11"}).text
    wrong = regulator.get("/alerts", params={"from": "2026-10-13", "to": "2026-10-01"})
    assert wrong.status_code == 400 and "结束不早于开始" in wrong.text and "#1</a>" in wrong.text


def test_an_admin_changes_a_users_role_and_it_applies_at_the_next_page(desk):
    admin, _ = login(desk, "admin")
    operator, _ = login(desk, "operator")
    assert operator.get("/orders").status_code == 200
    page = admin.get("/users").text
    wrong = admin.post(
        "/users", data={"csrf": csrf(page), "do": "role", "username": "operator", "role": "contractor"}
    )
    assert wrong.status_code == 400  # a contractor account needs its company
    changed = admin.post(
        "/users",
        data={
            "csrf": csrf(page),
            "do": "role",
            "username": "operator",
            "role": "contractor",
            "contractor": "qingyuan",
            "towns": "城厢镇",
        },
    )
    assert changed.status_code == 200 and "operator" in changed.text
    user = accounts.get(desk.ctx.db, "operator")
    assert (user.role, user.contractor, user.towns) == ("contractor", "qingyuan", ("城厢镇",))
    assert operator.get("/orders").status_code == 403 and operator.get("/my").status_code == 200
    assert [e.action for e in audit.listing(desk.ctx.db) if e.actor == "admin"][0] == "user.set-role"


def test_sessions_follow_a_clock_of_their_own_when_the_services_races(write_config, mail):
    """The demo's clock runs a day a minute; people sign in on the real one (session_clock), so
    nobody is signed out while simulated days pass, and the idle limit still holds."""
    from tests.maintenance.desk import BUREAU, Desk
    from wastewatch.web.server import WebServer

    desk = Desk(write_config(mail=mail, extra=BUREAU), mail, pages=False)
    real = [desk.clock.now]
    server = WebServer(desk.config, desk.clock, session_clock=lambda: real[0])
    server.start()
    try:
        with changing(desk.ctx):
            accounts.add(desk.ctx.db, desk.config, "operator", "王科长", "operator", PASSWORD, desk.clock.now)
        client, answer = login(desk, "operator")
        assert answer.status_code == 303
        desk.clock.now += 30 * 86400  # a simulated month
        assert client.get("/alerts").status_code == 200
        real[0] += desk.config.web.session_idle_min * MINUTE + 1
        assert client.get("/alerts").status_code == 303
    finally:
        server.stop()
        desk.stop()
