"""Shared characters and real parts: a private Mosquitto, a village site, a contractor; and the
markers each test is given from what it uses (pyproject.toml lists them)."""

import inspect
import textwrap
from pathlib import Path

import pytest

from tests.support import MailServer, Publisher, Service, postgres_database
from wastewatch.config import load_config
from wastewatch.ingest.broker import PrivateBroker, free_port

# Tests that run the service, the demo or several instances as processes of their own.
SLOW_MODULES = {"test_instances.py", "test_demo.py", "test_packaging.py", "test_soak.py", "test_migrate.py"}


def pytest_collection_modifyitems(config, items):
    """Each test's markers from what it uses: `pg` a PostgreSQL database (the postgresql half of
    a test run on both engines, or one of its own), `browser` Chromium, `slow` processes of
    the service, `soak` the chaos soak. The soak goes first: it is the longest by far, and
    started first it ends with the rest on the other workers."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        source = inspect.getsource(item.obj) if inspect.isfunction(getattr(item, "obj", None)) else ""
        if (
            (callspec is not None and "postgresql" in callspec.id.split("-"))
            or {"pg_url", "cluster"} & fixtures
            or "postgres_database(" in source
        ):
            item.add_marker(pytest.mark.pg)
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "service" in fixtures or item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if item.path.name == "test_soak.py":
            item.add_marker(pytest.mark.soak)
    items.sort(key=lambda item: item.get_closest_marker("soak") is None)


CONTRACTOR = textwrap.dedent("""
    [[contractors]]
    id = "qingyuan"
    name = "天全县清源环保运维有限公司"
    email = "dispatch@qingyuan.example.cn"
""")
# A village site: 60 m³/d in 城厢镇, class III water, inside the key control area.
VILLAGE_SITE = textwrap.dedent("""
    [[sites]]
    id = "helin"
    name = "城厢镇禾林村污水处理站"
    town = "城厢镇"
    village = "禾林村"
    capacity_m3d = 60.0
    receiving_water = "III"
    key_control_area = true
    contractor = "qingyuan"
    operators = ["operator@tqhb.example.cn"]
    metrics = { flow = 300, cod = 3600, nh3n = 3600, ph = 300, pump_state = 300, water_temp = 300 }
""")


@pytest.fixture(autouse=True)
def healthy_after_each_test():
    """A problem a test left behind (a channel failing, a backup that failed) would be this
    process's health (/healthz) for the next test in the same worker: forgotten when the test
    ends, as a new process would."""
    from wastewatch.store.health import HEALTH

    before = {p["component"] for p in HEALTH.problems()}
    yield
    for problem in HEALTH.problems():
        if problem["component"] not in before:
            HEALTH.recovered(problem["component"])


@pytest.fixture
def broker(tmp_path):
    with PrivateBroker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
def write_config(tmp_path):
    """Writes a config for the village site against a broker; `extra` is appended TOML."""

    def write(
        broker=None,
        extra: str = "",
        ingest: str = "",
        name: str = "wastewatch.toml",
        mail=None,
        alerts: str = "",
        site: str = VILLAGE_SITE,
        web: str = "",
    ) -> Path:
        port = broker.port if broker else 1883
        smtp = (
            f'[smtp]\nport = {mail.port}\nsender = "wastewatch@tqhb.example.cn"\nretry_min_s = '
            "1\nretry_max_s = 2\n"
            if mail
            else ""
        )
        text = (
            f'[service]\ndata_dir = "data"\n\n[mqtt]\nhost = "127.0.0.1"\nport = {port}\n'
            f'client_id = "ww-test"\nreconnect_max_s = 2\n\n[ingest]\n{ingest}\n'
            f"[alerts]\n{alerts}\n{smtp}\n[web]\nport = {free_port()}\n{web}\n" + CONTRACTOR + site + extra
        )
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(params=["sqlite", "postgresql"])
def state_database(request):
    """TOML naming the databases of a test that runs on both engines: nothing for the embedded
    SQLite file, or a PostgreSQL database of its own for the state and the readings both."""
    if request.param == "sqlite":
        yield ""
        return
    with postgres_database() as url:
        yield f'\n[database]\nurl = "{url}"\n\n[store]\nbackend = "postgresql"\n'


@pytest.fixture
def config(write_config, broker):
    return load_config(write_config(broker))


@pytest.fixture
def publisher(broker):
    pub = Publisher(broker)
    yield pub
    pub.close()


@pytest.fixture
def service(tmp_path):
    started = []

    def make(config_path: Path) -> Service:
        svc = Service(config_path, tmp_path / "service.log")
        started.append(svc)
        return svc

    yield make
    for svc in started:
        if svc.process and svc.process.poll() is None:
            svc.kill()


@pytest.fixture
def app():
    """The whole service in this process (wastewatch/app.py), for tests that need no kill -9:
    `app(config_path)` starts it; it is stopped after the test."""
    from wastewatch.app import App

    started = []

    def start(config_path: Path, **kwargs) -> App:
        running = App(load_config(config_path), **kwargs).start()
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        running.stop()


@pytest.fixture
def mail():
    server = MailServer().start()
    yield server
    server.stop()
