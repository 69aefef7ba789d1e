"""The read API (/api/v1/) over a real server, on both state databases: its OpenAPI document is
valid OpenAPI 3.1; every route answers within its schema; schemathesis tries every route with
data made from the document and finds no server error and no answer outside the schema; a
town-limited token sees nothing of another town by any route or filter; a revoked token is
refused at once; a token over its rate is told when to come back; every call is audited."""

import re
from datetime import datetime

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from tests.alerts.harness import T0, TZ
from tests.web.test_console import a_report, login
from tests.web.test_sites import county
from tests.web.test_towns import ELSEWHERE, _objects
from wastewatch.access import accounts, audit, tokens
from wastewatch.maintenance.reaction import changing

FAST = "\n[api]\nrate_per_minute = 100000\npage_size = 10\n"


def token(desk, username: str) -> str:
    with changing(desk.ctx):
        user = accounts.get(desk.ctx.db, username)
        secret, _ = tokens.create(desk.ctx.db, user, f"{username}'s system", 30, desk.clock.now, "test")
    return secret


def client(desk, secret: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.Client(base_url=desk.config.web.url + "/api/v1", headers=headers, timeout=30)


@pytest.fixture
def county_desk(make_desk, tmp_path):
    """The county's four sites with helin's (城厢镇) alert, orders, window, sample, review and
    September's report; accounts limited to 思经镇 in every role."""
    desk = make_desk(county(tmp_path) + FAST)
    objects = _objects(desk)
    a_report(desk)
    with changing(desk.ctx):
        for role, contractor in (("operator", None), ("regulator", None), ("admin", None)):
            accounts.add(
                desk.ctx.db, desk.config, f"sj_{role}", "", role, "correct horse battery", desk.clock.now,
                contractor, (ELSEWHERE,),
            )  # fmt: skip
    desk.objects = objects
    return desk


def concrete(desk) -> dict[str, str]:
    """A request for every route of the document, at helin's objects."""
    order = desk.objects["done"]
    return {
        "/sites": "/sites",
        "/sites/{site_id}": "/sites/helin",
        "/sites/{site_id}/readings": "/sites/helin/readings?from=2026-10-11T00:00:00%2B08:00",
        "/sites/{site_id}/aggregates": "/sites/helin/aggregates?period=day&from=2026-10-01",
        "/alerts": "/alerts",
        "/work-orders": "/work-orders",
        "/work-orders/{order_id}": f"/work-orders/{order}",
        "/windows": "/windows",
        "/samples": "/samples",
        "/reviews": "/reviews",
        "/reports": "/reports",
        "/reports/{month}": "/reports/2026-09",
    }


def test_the_document_is_valid_openapi_31_and_every_route_answers_within_it(county_desk):
    desk = county_desk
    api = client(desk, token(desk, "admin"))
    document = api.get("/openapi.json").json()
    validate(document)  # raises on an invalid document
    assert document["openapi"].startswith("3.1")
    routes = concrete(desk)
    assert set(document["paths"]) == set(routes)  # a new route needs its request here
    schema = schemathesis.openapi.from_dict(document)
    for path, url in routes.items():
        answer = api.get(url)
        assert answer.status_code == 200, (url, answer.text)
        schema[path]["GET"].validate_response(answer)  # raises outside the schema
    # What a county's system reads, with its units and times.
    readings = api.get(routes["/sites/{site_id}/readings"]).json()
    [cod] = [s for s in readings["series"] if s["metric"] == "cod"]
    assert cod["unit"] == "mg/L" and cod["values"][:3] == [90.0, 90.0, 90.0]
    assert cod["times"][0] == datetime.fromtimestamp(T0, TZ).isoformat()
    order = api.get(routes["/work-orders/{order_id}"]).json()
    assert [s["to_state"] for s in order["timeline"]] == ["open", "resolved"]
    report = api.get("/reports/2026-09").json()
    assert report["version"] == 1 and {r["site_id"] for r in report["operations"]} == {
        "helin",
        "shiyang",
        "xiaohe",
        "sijing",
    }


def test_the_reports_figures_are_the_csv_files_numbers(county_desk):
    desk = county_desk
    report = client(desk, token(desk, "regulator")).get("/reports/2026-09").json()
    folder = desk.config.data_dir / "reports" / "2026-09" / "v1"
    lines = (folder / "operations-2026-09.csv").read_text(encoding="utf-8").splitlines()
    columns = lines[0].split(",")
    for line, row in zip(lines[1:], report["operations"]):
        for column, text in zip(columns, line.split(",")):
            value = row[column]
            assert (value is None and text == "") or value == text or float(text) == value, (
                column,
                text,
                value,
            )


def test_pages_follow_the_cursor_without_repeating_or_skipping(county_desk):
    desk = county_desk
    api = client(desk, token(desk, "admin"))
    seen, url = [], "/sites?limit=3"
    while url:
        page = api.get(url).json()
        seen += [s["id"] for s in page["items"]]
        url = f"/sites?limit=3&cursor={page['next_cursor']}" if page["next_cursor"] else None
    assert seen == sorted(["helin", "shiyang", "xiaohe", "sijing"])
    assert api.get("/sites?cursor=%%%").status_code == 422  # not a site id: refused, not read as one
    # Readings page by time: 3 COD readings a page, every series cut at the same moment.
    first = api.get("/sites/helin/readings?metric=cod&from=2026-10-12T00:00&limit=2").json()
    assert len(first["series"][0]["values"]) == 2 and first["next_cursor"]
    rest = api.get(
        f"/sites/helin/readings?metric=cod&from=2026-10-12T00:00&cursor={first['next_cursor']}"
    ).json()
    assert len(rest["series"][0]["values"]) >= 1
    assert rest["series"][0]["times"][0] > first["series"][0]["times"][-1]


def test_a_town_limited_token_sees_nothing_of_another_town_by_any_route_or_filter(county_desk):
    desk = county_desk
    requests = list(concrete(desk).values()) + [
        "/alerts?site=helin",
        "/alerts?town=城厢镇",
        "/work-orders?site=helin&state=open",
        "/windows?town=城厢镇",
        "/samples?site=helin",
        "/reviews?site=helin",
        "/sites?town=城厢镇",
        "/sites/helin/aggregates",
    ]
    order = desk.objects["done"]

    def elsewhere(text: str) -> str:  # the same request for objects that do not exist
        return text.replace("helin", "nosuch").replace(order, "WO-209901-0001")

    for username in ("sj_operator", "sj_regulator", "sj_admin"):
        api = client(desk, token(desk, username))
        for url in requests:
            answer = api.get(url)
            assert answer.status_code in (200, 404), (username, url, answer.status_code)
            if answer.status_code == 404:
                # Told exactly what a request for an object that does not exist is told.
                unknown = api.get(elsewhere(url))
                assert (
                    unknown.status_code == 404
                    and answer.headers["content-type"] == "application/problem+json"
                )
                assert elsewhere(answer.json()["detail"]) == unknown.json()["detail"], (username, url)
                continue
            assert "helin" not in answer.text and "城厢镇" not in answer.text and "禾林" not in answer.text, (
                username,
                url,
            )
        # The town's own site is there.
        assert [s["id"] for s in api.get("/sites").json()["items"]] == ["sijing"]


def test_a_contractors_token_sees_its_companys_sites_and_not_alerts(county_desk):
    desk = county_desk
    api = client(desk, token(desk, "contractor"))  # qingyuan: helin, shiyang, sijing (not xiaohe)
    assert [s["id"] for s in api.get("/sites").json()["items"]] == ["helin", "shiyang", "sijing"]
    assert api.get("/sites/xiaohe").status_code == 404
    refused = api.get("/alerts")
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert {o["contractor"] for o in api.get("/work-orders").json()["items"]} == {"qingyuan"}


def test_a_revoked_token_is_refused_at_once_and_every_call_is_audited(county_desk):
    desk = county_desk
    secret = token(desk, "regulator")
    api = client(desk, secret)
    assert api.get("/sites").status_code == 200
    [made] = tokens.listing(desk.ctx.db, "regulator")
    with changing(desk.ctx):
        tokens.revoke(desk.ctx.db, made.id, "admin", desk.clock.now)
    refused = api.get("/sites")
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.json()["title"] == "Unauthorized"
    assert client(desk, None).get("/sites").status_code == 401
    assert client(desk, "ww_" + "x" * 43).get("/sites").status_code == 401
    entries = [e for e in audit.listing(desk.ctx.db, 50) if e.action == "api.read"]
    assert [(e.actor, e.outcome) for e in entries[:4]] == [
        ("api", "denied"),
        ("api", "denied"),
        ("api", "denied"),
        ("regulator", "ok"),
    ]
    assert entries[3].target == "/api/v1/sites" and made.prefix in entries[3].detail
    # The token is checked before anything else is read: a malformed request without one is
    # refused for the token, and audited.
    assert client(desk, None).get("/alerts?state=bogus&limit=0").status_code == 401
    assert audit.listing(desk.ctx.db, 1)[0].target == "/api/v1/alerts?state=bogus&limit=0"
    # A disabled account's tokens stop with it.
    other = token(desk, "operator")
    with changing(desk.ctx):
        accounts.set_disabled(desk.ctx.db, "operator", True)
    assert client(desk, other).get("/sites").status_code == 401


def test_a_token_over_its_rate_is_told_when_to_come_back(make_desk):
    desk = make_desk("\n[api]\nrate_per_minute = 3\n")
    api = client(desk, token(desk, "admin"))
    assert [api.get("/sites").status_code for _ in range(3)] == [200, 200, 200]
    over = api.get("/sites")
    assert over.status_code == 429 and 1 <= int(over.headers["retry-after"]) <= 60
    assert re.match(r"more than 3 calls a minute", over.json()["detail"])
    # Another token of the same account has a rate of its own.
    assert client(desk, token(desk, "admin")).get("/sites").status_code == 200


def test_no_route_fails_or_answers_outside_its_schema_whatever_it_is_asked(county_desk):
    """Every operation of the document, tried with requests made from it (schemathesis's
    strategies under Hypothesis): no server error, and every answer — errors too — as the
    document says (status, media type, schema, headers)."""
    desk = county_desk
    schema = schemathesis.openapi.from_url(desk.config.web.url + "/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token(desk, 'admin')}"}
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def attempt(case):
            case.call_and_validate(headers=headers)

        attempt()
    assert len(tried) == len(concrete(desk))


def test_the_audit_page_keeps_api_calls_apart_from_what_people_did(county_desk):
    desk = county_desk
    api = client(desk, token(desk, "regulator"))
    for _ in range(3):
        assert api.get("/sites").status_code == 200
    admin, _ = login(desk, "admin")
    people = admin.get("/audit").text
    assert "通过接口读取" not in people and "登录" in people and "接口调用" in people
    calls = admin.get("/audit?show=api").text
    assert calls.count("通过接口读取") == 3 and "/api/v1/sites" in calls and "人员操作" in calls
