"""The pages in worker processes of their own ([web] workers = 2), on the real clock, both
engines: every request may reach either worker, so what workers must agree on — sessions and
their CSRF tokens, sign-in throttling, an API token's rate — is tested with requests made at
once on connections of their own; what only the service's process knows (the broker's
connection, the scheduler, the ingest's counters) still shows on /readyz and /metrics."""

import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support import wait_until
from tests.web.conftest import PASSWORD
from wastewatch.access import accounts, sessions, tokens
from wastewatch.alerts.context import Context
from wastewatch.config import load_config
from wastewatch.maintenance.reaction import changing

WORKERS = "workers = 2\n"


@pytest.fixture
def running(write_config, broker, app):
    """The service with two web workers, an account of each of four names, and a token."""
    path = write_config(broker, web=WORKERS, extra="\n[api]\nenabled = true\nrate_per_minute = 5\n")
    config = load_config(path)
    ctx = Context.open(config)
    try:
        with changing(ctx):
            for name in ("regulator", "clerk0", "clerk1", "clerk2", "clerk3"):
                accounts.add(ctx.db, config, name, "科员", "regulator", PASSWORD, int(time.time()))
            user = accounts.get(ctx.db, "regulator")
            secret, _ = tokens.create(ctx.db, user, "监管系统", 30, int(time.time()), "test")
    finally:
        ctx.close()
    service = app(path)
    service.secret = secret
    return service


def fresh(service) -> httpx.Client:
    """A client that opens a new connection for every request (any worker may take it)."""
    return httpx.Client(
        base_url=service.config.web.url, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    )


def form_token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page)[1]


def sign_in(service, username: str, password: str = PASSWORD) -> tuple[httpx.Client, httpx.Response]:
    client = fresh(service)
    token = form_token(client.get("/login").text)
    return client, client.post("/login", data={"csrf": token, "username": username, "password": password})


def test_pages_come_from_the_workers_with_the_services_figures(running):
    workers = running.web.workers.processes
    assert len(workers) == 2 and all(p.is_alive() and p.pid != os.getpid() for p in workers)
    # Below the ingest: a page never takes a core from a backlog draining (bench/console.py).
    wait_until(
        lambda: (
            [os.getpriority(os.PRIO_PROCESS, p.pid) for p in workers] == [19, 19]
            and [os.sched_getscheduler(p.pid) for p in workers] == [os.SCHED_IDLE] * 2
        ),
        timeout=10,
        what="the workers at nice 19 and SCHED_IDLE",
    )
    client, answer = sign_in(running, "regulator")
    assert answer.status_code == 303
    # The service's own process serves no page now: every one of these came from a worker.
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: client.get("/").status_code, range(24)))
    assert pages == [200] * 24
    # What only the service's process knows, whichever worker answers.
    wait_until(lambda: "broker: ok" in client.get("/readyz").text, timeout=30, what="the broker")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and "scheduler: ok" in ready.text and "database: ok" in ready.text
    figures = client.get("/metrics")
    assert figures.status_code == 200 and "wastewatch_mqtt_messages_received_total" in figures.text
    assert client.get("/healthz").text == "ok"


def test_a_session_and_its_csrf_token_hold_on_every_worker(running):
    client, _ = sign_in(running, "regulator")
    token = form_token(client.get("/account").text)

    def save(n: int) -> int:
        locale = ("en", "zh-CN")[n % 2]
        return client.post("/account", data={"csrf": token, "locale": locale}).status_code

    with ThreadPoolExecutor(8) as pool:
        saved = list(pool.map(save, range(16)))
    assert set(saved) <= {200, 303} and len(saved) == 16
    forged = client.post("/account", data={"csrf": "x" + token, "locale": "en"})
    assert forged.status_code == 403
    assert fresh(running).get("/", follow_redirects=False).status_code == 303  # no cookie: sign in


def test_sign_in_throttling_is_exact_however_the_attempts_spread_over_workers(running):
    limit = running.config.web.login_failures
    # People signing in at once behind one gateway are not refused for each other.
    with ThreadPoolExecutor(4) as pool:
        signed = list(pool.map(lambda n: sign_in(running, f"clerk{n}")[1].status_code, range(4)))
    assert signed == [303] * 4
    forms = []
    for _ in range(limit * 3):
        client = fresh(running)
        forms.append((client, form_token(client.get("/login").text)))

    def attempt(form):
        client, token = form
        return client.post("/login", data={"csrf": token, "username": "regulator", "password": "wrong"})

    with ThreadPoolExecutor(len(forms)) as pool:
        answers = [a.status_code for a in pool.map(attempt, forms)]
    # Exactly `limit` passwords were tried; every other attempt was refused before its check.
    assert sorted(answers) == [401] * limit + [429] * (limit * 2)
    assert sign_in(running, "regulator")[1].status_code == 429  # the right password, too late
    ctx = Context.open(running.config)
    try:
        now = int(time.time())
        assert sessions.throttled(ctx.db, "regulator", "-", now, limit, 60)
        assert not sessions.throttled(ctx.db, "regulator", "-", now, limit + 1, 60)
    finally:
        ctx.close()


def test_an_api_tokens_rate_is_counted_across_workers(running):
    api = httpx.Client(
        base_url=running.config.web.url + "/api/v1",
        headers={"Authorization": f"Bearer {running.secret}"},
        timeout=30,
        limits=httpx.Limits(max_keepalive_connections=0),
    )
    with ThreadPoolExecutor(12) as pool:
        answers = sorted(pool.map(lambda _: api.get("/sites").status_code, range(12)))
    assert answers == [200] * 5 + [429] * 7


def test_a_worker_that_dies_is_started_again_and_none_outlives_the_service(running):
    workers = running.web.workers
    first = workers.processes[0]
    os.kill(first.pid, signal.SIGKILL)
    wait_until(
        lambda: workers.processes[0] is not first and workers.processes[0].is_alive(),
        timeout=30,
        what="the worker started again",
    )
    client = fresh(running)
    wait_until(lambda: client.get("/login").status_code == 200, timeout=30, what="pages")
    pids = [p.pid for p in workers.processes]
    running.stop()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read().split()[2]
    with pytest.raises(httpx.ConnectError):
        fresh(running).get("/login")


def test_workers_stop_when_the_service_is_killed(write_config, broker, service):
    path = write_config(broker, web=WORKERS)
    serving = service(path).start()
    url = load_config(path).web.url
    wait_until(lambda: _answers(url), timeout=30, what="the pages")
    serving.process.send_signal(signal.SIGKILL)
    serving.process.wait()
    # Nobody is left answering on the service's port.
    wait_until(lambda: not _answers(url), timeout=15, what="the workers to stop")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/login", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_clock_no_worker_can_be_handed_is_refused_in_one_sentence(write_config):
    from wastewatch.web import WebError
    from wastewatch.web.server import WebServer

    config = load_config(write_config(web=WORKERS))
    with pytest.raises(
        WebError, match=r"^\[web\] workers = 2: this clock cannot be handed .*set \[web\] workers = 0$"
    ):
        WebServer(config, lambda: 0.0)
