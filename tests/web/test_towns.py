"""Accounts limited to some towns, tried as an attacker would: every state-changing route of the
console posted with another town's objects, by each town-limited role, changes nothing; and an
administrator grants only the towns it has."""

import re

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_console import csrf, login
from tests.web.test_sites import county
from wastewatch.access import accounts, audit
from wastewatch.alerts import reviews, windows
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.lab import records
from wastewatch.maintenance.reaction import changing

ELSEWHERE = "思经镇"  # the limited accounts' town; every object below is at helin, in 城厢镇
# The state a hostile request could change (not the audit log, sessions or sign-in failures,
# which record the attempt itself).
TABLES = (
    "alerts",
    "alert_transitions",
    "work_orders",
    "work_order_transitions",
    "work_order_links",
    "maintenance_windows",
    "samples",
    "sample_results",
    "lab_imports",
    "data_reviews",
    "users",
    "outbox",
    "plates",
    "checkins",
)
REVIEW = {
    "site": "helin",
    "metric": "cod",
    "from": "2026-10-11T08:00",
    "until": "2026-10-11T09:00",
    "reason": "calibration",
}
# What each state-changing route is tried with: the action that would change an object of 城厢镇
# were the town not checked. Every POST route of the console is here or in NOT_OBJECTS.
HOSTILE = {
    "/alerts/{alert_id}/{action}": [
        ("/alerts/{alert}/ack", {"note": "x"}),
        ("/alerts/{alert}/resolve", {"note": "x"}),
    ],
    "/orders/{order_id}/{action}": [
        ("/orders/{done}/verify", {"note": "x"}),
        ("/orders/{done}/reopen", {"note": "x"}),
        ("/orders/{open}/cancel", {"note": "x"}),
        ("/orders/{open}/assign", {"contractor": "lvyuan", "note": "x"}),
    ],
    "/orders/new": [
        ("/orders/new", {"site": "helin", "kind": "operator_request", "priority": "high", "summary": "x"})
    ],
    "/windows/add": [("/windows/add", {"site": "helin", "kind": "planned_stop", "reason": "x"})],
    "/windows/{window_id}/end": [("/windows/{window}/end", {})],
    "/my/orders/{order_id}/{action}": [
        ("/my/orders/{open}/acknowledge", {"note": "x"}),
        ("/my/orders/{open}/done", {"note": "x"}),
        ("/my/orders/{open}/checkin", {"plate": "x", "error": "denied"}),
    ],
    "/sites/{site_id}/plate": [("/sites/helin/plate", {}), ("/sites/helin/plate", {"reissue": "1"})],
    "/lab/import": [("/lab/import", {"kind": "spot_check"})],
    "/lab/samples": [("/lab/samples", {"site": "helin", "at": "2026-10-12T08:00", "kind": "spot_check"})],
    "/lab/samples/{sample_id}/results": [
        ("/lab/samples/{sample}/results", {"r_cod": "85", "laboratory": "x", "reason": "x"})
    ],
    "/reviews/add": [("/reviews/add", REVIEW)],
    "/reviews/propose": [("/reviews/propose", REVIEW)],
    "/reviews/{review_id}/{action}": [
        ("/reviews/{proposed}/accept", {}),
        ("/reviews/{proposed}/reject", {}),
        ("/reviews/{review}/restore", {"note": "x"}),
    ],
    "/users": [
        # Reach an all-towns account: take it over, or lock it out.
        ("/users", {"do": "reset", "username": "admin"}),
        ("/users", {"do": "disable", "username": "admin"}),
        ("/users", {"do": "role", "username": "admin", "role": "regulator"}),
        # Grant more than one has: an all-towns admin, another town's, or its own limit removed.
        ("/users", {"do": "add", "username": "boss", "role": "admin"}),
        ("/users", {"do": "add", "username": "boss", "role": "operator", "towns": "城厢镇"}),
        ("/users", {"do": "role", "username": "far_operator", "role": "admin", "towns": "城厢镇"}),
        ("/users", {"do": "role", "username": "far_admin", "role": "admin"}),
    ],
}
# State-changing routes with no other town's object to reach: one's own session and language,
# the month's draft report (built for the county and replaced by the next), and the emails'
# signed links (no account: each carries its own order's signature, tests/web/test_pages.py).
# The chat groups are the county's, not a town's: a town-limited account is refused them whole
# (tests/web/test_channels.py). One's API tokens are one's own: another account's is not there
# to revoke (tests/web/test_account_tokens.py). A check-in through a signed link is its order's
# link's (tests/maintenance/test_checkin.py).
NOT_OBJECTS = {
    "/account/tokens",
    "/account/tokens/{token_id}/revoke",
    "/login",
    "/logout",
    "/account",
    "/reports/draft",
    "/wo/{order_id}/{action:str}",
    "/wo/{order_id}/checkin",
    "/channels/{channel_id}/test",
}


def _snapshot(db) -> dict:
    return {
        table: sorted((tuple(dict(row).items()) for row in db.execute(f"SELECT * FROM {table}")), key=repr)
        for table in TABLES
    }


def _objects(desk) -> dict:
    """At helin (城厢镇): a firing alert, an order waiting on the contractor, one done and waiting
    to be verified, and a maintenance window in force."""
    desk.write("cod", [(h * 3600, 90.0) for h in range(3)])
    desk.cycle(3 * 3600)
    [alert] = desk.alerts()

    def opened(summary: str):
        return desk.act(
            lambda ctx, now: work_orders.open_order(
                ctx, "helin", "operator_request", "manual", summary, now, "王科长"
            )
        )

    waiting, done = opened("清理格栅"), opened("更换曝气头")
    desk.act(work_orders.done, done["id"], "qingyuan/李师傅", "已更换")
    with changing(desk.ctx):
        window = windows.add(
            desk.ctx.db, "helin", "maintenance", desk.clock.now, None, "检修", "王科长", desk.clock.now
        )
    t = desk.clock.now
    with changing(desk.ctx):
        sample = records.add_sample(desk.ctx.db, "helin", t, "spot_check", "王科长", t)
        review = reviews.propose(
            desk.ctx.db, "helin", "cod", t - 7200, t - 3600, "calibration", "", "王科长", t, True
        )
        proposed = reviews.propose(
            desk.ctx.db, "helin", "cod", t - 3600, t, "outlier", "", "qingyuan/李师傅", t, False
        )
    return {
        "alert": alert["id"],
        "open": waiting["id"],
        "done": done["id"],
        "window": window,
        "sample": sample,
        "review": review,
        "proposed": proposed,
    }


def test_every_state_changing_route_refuses_another_towns_objects_for_every_limited_role(make_desk, tmp_path):
    from wastewatch.web.app import create_app

    desk = make_desk(county(tmp_path))
    posted = {
        r.path
        for r in create_app(desk.config, desk.ctx).routes
        if "POST" in (getattr(r, "methods", None) or ())
    }
    assert posted == set(HOSTILE) | NOT_OBJECTS  # a new state-changing route needs its row here
    ids = _objects(desk)
    with changing(desk.ctx):
        for role, contractor in (
            ("admin", None),
            ("operator", None),
            ("regulator", None),
            ("contractor", "qingyuan"),
        ):
            accounts.add(
                desk.ctx.db,
                desk.config,
                f"far_{role}",
                "",
                role,
                PASSWORD,
                desk.clock.now,
                contractor,
                (ELSEWHERE,),
            )
    before = _snapshot(desk.ctx.db)
    tried = 0
    for role in ("admin", "operator", "regulator", "contractor"):
        client, _ = login(desk, f"far_{role}")
        token = csrf(client.get("/my" if role == "contractor" else "/").text)
        for requests in HOSTILE.values():
            for path, data in requests:
                answer = client.post(path.format(**ids), data={**data, "csrf": token})
                assert answer.status_code in (400, 403, 404), (role, path, data, answer.status_code)
                tried += 1
        assert _snapshot(desk.ctx.db) == before, role
    assert tried == 4 * sum(len(r) for r in HOSTILE.values())
    # And the same requests from an account of 城厢镇 do change things: the test can fail.
    client, _ = login(desk, "operator")
    token = csrf(client.get("/").text)
    assert client.post(f"/windows/{ids['window']}/end", data={"csrf": token}).status_code == 303
    assert _snapshot(desk.ctx.db) != before
    denied = [e for e in audit.listing(desk.ctx.db) if e.outcome == "denied" and e.actor == "far_operator"]
    assert f"POST /windows/{ids['window']}/end" in {e.action for e in denied}


def test_a_town_limited_admin_manages_only_its_towns_accounts_and_grants_only_its_towns(make_desk, tmp_path):
    desk = make_desk(county(tmp_path))
    with changing(desk.ctx):
        accounts.add(
            desk.ctx.db, desk.config, "sj_admin", "", "admin", PASSWORD, desk.clock.now, None, (ELSEWHERE,)
        )
        accounts.add(
            desk.ctx.db, desk.config, "sj_clerk", "", "operator", PASSWORD, desk.clock.now, None, (ELSEWHERE,)
        )
    client, _ = login(desk, "sj_admin")
    page = client.get("/users").text
    # It lists only the accounts it may change (and its own), and offers only its town.
    listed = set(re.findall(r'<td class="head">([a-z_.]+)</td>', page))
    assert listed == {"sj_admin", "sj_clerk"}
    assert re.findall(r'name="towns" value="([^"]+)"', page) == [ELSEWHERE, ELSEWHERE]
    token = csrf(page)
    all_towns = client.post("/users", data={"csrf": token, "do": "add", "username": "boss", "role": "admin"})
    assert all_towns.status_code == 400 and "只能授予您所辖的乡镇（思经镇）" in all_towns.text
    added = client.post(
        "/users",
        data={"csrf": token, "do": "add", "username": "sj_new", "role": "operator", "towns": ELSEWHERE},
    )
    assert added.status_code == 200 and accounts.get(desk.ctx.db, "sj_new").towns == (ELSEWHERE,)
    own = client.post("/users", data={"csrf": token, "do": "role", "username": "sj_admin", "role": "admin"})
    assert own.status_code == 400 and "不能在此修改自己的账号" in own.text
    assert accounts.get(desk.ctx.db, "sj_admin").towns == (ELSEWHERE,)
    county_admin = client.post("/users", data={"csrf": token, "do": "reset", "username": "admin"})
    assert county_admin.status_code == 400 and "请由管辖这些乡镇的管理员修改" in county_admin.text
    assert login(desk, "admin")[1].status_code == 303  # its password still works


@pytest.mark.parametrize("towns", ["", "城厢镇"])
def test_an_all_towns_admin_may_give_any_towns_or_none(desk, towns):
    client, _ = login(desk, "admin")
    data = {"csrf": csrf(client.get("/users").text), "do": "add", "username": "li", "role": "operator"}
    answer = client.post("/users", data={**data, "towns": towns})
    assert answer.status_code == 200
    assert accounts.get(desk.ctx.db, "li").towns == ((towns,) if towns else ())
