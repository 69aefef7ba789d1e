"""The pages' forms fuzzed through the real server: the contractor's work-order forms with their
photo uploads, the sign-in, and the console's forms a signed-in user posts. Whatever the fields
and files, the answer is a page (or a redirect) — never a server error — and the service keeps
answering."""

import re

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import examples
from tests.maintenance.desk import photo
from tests.maintenance.test_pages import pump_alarm
from tests.web.test_console import base, csrf, login

pytestmark = pytest.mark.fuzz
texts = st.text(max_size=300) | st.sampled_from(
    ["", "0", "-1", "2026-13-40", "helin", "2026-11-01T08:00", "1e999"]
)
uploads = st.lists(
    st.tuples(
        st.text(max_size=30),
        st.binary(max_size=3000) | st.just(b"") | st.builds(lambda: photo()),
        st.sampled_from(["image/png", "image/jpeg", "text/plain", "application/octet-stream", ""]),
    ),
    max_size=3,
)


def a_page(answer: httpx.Response) -> None:
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code == 200:
        assert answer.headers["content-type"].startswith("text/html")


@examples(150)
@given(
    action=st.sampled_from(["acknowledge", "done"]),
    token=st.booleans(),
    fields=st.dictionaries(
        st.sampled_from(["name", "note", "t", "action"]) | st.text(max_size=8), texts, max_size=4
    ),
    files=uploads,
)
def test_the_contractor_forms_answer_any_fields_and_files_with_a_page(desk, action, token, fields, files):
    if not hasattr(desk, "fuzz_links"):
        desk.fuzz_links = pump_alarm(desk)[1]
    url = desk.fuzz_links[action]
    data = dict(fields)
    if token:
        data["t"] = url.split("t=")[1]
    answer = desk.http.post(url, data=data, files=[("photos", f) for f in files] or None)
    a_page(answer)
    a_page(desk.http.get(url))


FORMS = {"/windows/add": "/windows", "/orders/new": "/orders", "/users": "/users", "/account": "/account"}


@examples(300)
@given(
    target=st.sampled_from(sorted(FORMS)),
    fields=st.data(),
)
def test_the_console_forms_answer_any_fields_with_a_page(make_desk, target, fields):
    desk = make_desk() if not hasattr(make_desk, "fuzz_desk") else make_desk.fuzz_desk
    make_desk.fuzz_desk = desk
    if not hasattr(desk, "fuzz_client"):
        desk.fuzz_client = login(desk, "admin")[0]
    client = desk.fuzz_client
    page = client.get(FORMS[target]).text
    names = sorted(set(re.findall(r'name="([a-z_]+)"', page)) - {"csrf"}) or ["x"]
    values = fields.draw(st.dictionaries(st.sampled_from(names) | st.text(max_size=8), texts, max_size=6))
    values.pop("username", None)  # so that the admin signed in here is never the one disabled
    a_page(client.post(target, data={"csrf": csrf(page), **values}))


@examples(150)
@given(
    fields=st.dictionaries(
        st.sampled_from(["username", "password", "next", "csrf"]) | st.text(max_size=8), texts, max_size=5
    ),
    with_token=st.booleans(),
)
def test_the_sign_in_answers_any_fields_with_a_page(desk, fields, with_token):
    if not hasattr(desk, "fuzz_client"):
        desk.fuzz_client = httpx.Client(base_url=base(desk), timeout=10)
    form = desk.fuzz_client.get("/login")
    data = dict(fields)
    if with_token:
        data["csrf"] = csrf(form.text)
    a_page(desk.fuzz_client.post("/login", data=data))
