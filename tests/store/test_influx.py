"""The InfluxDB mirror: the readings' line protocol, the queue kept with the readings, and the
mirror that sends it.

What needs no InfluxDB server runs always: the lines against influxdb-client's own `Point`,
the queue on SQLite and on PostgreSQL, and the mirror against an address where nothing
listens (a real refused connection through the real client). The contract tests against a
real InfluxDB 2.x run when WASTEWATCH_TEST_INFLUXDB_URL, _TOKEN and _ORG are set
(docs/administrators/limitations.md); no server can be installed on the machines CI runs on, and the test
command says plainly when they were not run.
"""

import math
import os
import random
import secrets
import time
from datetime import date, datetime, timezone

import pytest
from influxdb_client import Point, WritePrecision

from tests.store.test_backends import START, batches
from tests.support import postgres_database, wait_until
from wastewatch.config import ConfigError, load_config
from wastewatch.ingest.broker import free_port
from wastewatch.store import Reading, SQLiteStore
from wastewatch.store.health import HEALTH
from wastewatch.store.influx import InfluxReads, Lines
from wastewatch.store.mirror import Mirror
from wastewatch.store.postgres import PostgresStore

SERVER = {
    "url": os.environ.get("WASTEWATCH_TEST_INFLUXDB_URL"),
    "token": os.environ.get("WASTEWATCH_TEST_INFLUXDB_TOKEN"),
    "org": os.environ.get("WASTEWATCH_TEST_INFLUXDB_ORG"),
}
needs_server = pytest.mark.skipif(
    not all(SERVER.values()),
    reason="InfluxDB contract tests not run: set WASTEWATCH_TEST_INFLUXDB_URL, _TOKEN and _ORG",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def mirrored(request, tmp_path):
    """Opens the store of one backend with the mirror's queue on, the same one on every call."""
    if request.param == "sqlite":
        yield lambda: SQLiteStore(tmp_path / "db.sqlite", "Asia/Shanghai", mirror="readings")
        return
    with postgres_database() as url:
        yield lambda: PostgresStore(url, "Asia/Shanghai", mirror="readings")


def test_lines_are_what_the_clients_points_write():
    rng = random.Random(3)
    lines = Lines("readings")
    names = ["helin", "cx 01", "a,b=c", "末端\\", 'q"uote']
    flags = ["N", "M", 'x"y', "a\\b"]
    values = [0.0, -1.5, 1e-7, 123456789.125, 1e21, 32.0, math.inf, math.nan, 7.1]
    for _ in range(2000):
        site, metric, flag = rng.choice(names), rng.choice(["cod", "nh3n", "we ird"]), rng.choice(flags)
        value = rng.choice(values + [rng.uniform(-1000, 1000)])
        ts = START + rng.randrange(10**6)
        point = (
            Point("readings")
            .tag("site", site)
            .tag("metric", metric)
            .field("value", value)
            .field("flag", flag)
            .time(ts, WritePrecision.S)
        )
        assert lines.line(site, metric, ts, value, flag) == point.to_line_protocol()


def test_every_stored_reading_is_queued_once_with_the_value_kept(mirrored):
    store = mirrored()
    store.write([Reading("helin", "cod", START, 40.0), Reading("helin", "ph", START, 7.1, "M")])
    # Sent again with another value, and a new one beside it: the store keeps 40.0.
    store.write([Reading("helin", "cod", START, 99.0), Reading("helin", "cod", START + 60, 41.0)])
    store.write([])
    queued = [line for _, line in store.mirror_claim(100, START, 60)]
    assert sorted(queued) == sorted(
        [
            f'readings,metric=cod,site=helin flag="N",value=40 {START}',
            f'readings,metric=ph,site=helin flag="M",value=7.1 {START}',
            f'readings,metric=cod,site=helin flag="N",value=41 {START + 60}',
        ]
    )
    assert not any("99" in line for line in queued)
    store.close()


def test_the_queue_is_leased_released_and_emptied_and_survives_reopening(mirrored):
    store = mirrored()
    for batch in batches(4, count=10):
        store.write(batch)
    total = store.mirror_backlog()[0]
    assert total == store.count_readings()  # every reading kept was queued, none twice
    first = store.mirror_claim(50, 1000, 60)
    assert len(first) == 50 and [i for i, _ in first] == sorted(i for i, _ in first)
    second = store.mirror_claim(50, 1000, 60)
    assert not {i for i, _ in first} & {i for i, _ in second}  # claimed: not handed out twice
    store.mirror_release([i for i, _ in second], 1100)
    store.mirror_done([i for i, _ in first])
    store.close()

    store = mirrored()
    assert store.mirror_backlog()[0] == total - 50
    rest = store.mirror_claim(500, 1059, 60)  # the others, but the released chunk waits its backoff…
    assert len(rest) == 500 and not {i for i, _ in rest} & {i for i, _ in second}
    again = store.mirror_claim(500, 1100, 60)  # …then comes back first
    assert again[: len(second)] == second
    assert store.mirror_claim(500, 1100 + 61, 60)[0] == again[0]  # an unconfirmed lease runs out
    store.close()


def test_a_store_without_the_mirror_queues_nothing(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite", "Asia/Shanghai")
    store.write([Reading("helin", "cod", START, 40.0)])
    assert store.mirror_backlog() == (0, None)
    store.close()


def mirror_config(write_config, url: str, bucket: str = "wastewatch", token: str = "t", org: str = "o"):
    return load_config(
        write_config(
            extra=f'[influxdb]\nmode = "mirror"\nurl = "{url}"\norg = "{org}"\nbucket = "{bucket}"\n'
            f'token = "{token}"\ntimeout_s = 2\nretry_min_s = 1\nretry_max_s = 2\nbatch_size = 100\n'
        )
    )


def test_an_unreachable_influxdb_loses_nothing(write_config, tmp_path):
    config = mirror_config(write_config, f"http://127.0.0.1:{free_port()}")
    store = SQLiteStore(tmp_path / "db.sqlite", "Asia/Shanghai", mirror="readings")
    store.write([Reading("helin", "cod", START + 60 * n, 30.0 + n) for n in range(250)])
    mirror = Mirror(config, SQLiteStore(tmp_path / "db.sqlite", "Asia/Shanghai", mirror="readings"))
    mirror.start()
    wait_until(lambda: mirror.refused >= 1, timeout=60, what="the refused connection reported")
    assert mirror.sent == 0 and "Connection refused" in (mirror.last_error or "")
    assert [p["component"] for p in HEALTH.problems()] == ["InfluxDB mirror"]  # /healthz says so
    mirror.stop()
    assert HEALTH.problems() == []
    assert store.mirror_backlog()[0] == 250
    # None is left leased to the stopped mirror: the next start takes them up after the backoff.
    assert len(store.mirror_claim(1000, int(time.time()) + 3, 60)) == 250  # after the backoff
    store.close()


def test_the_mirror_needs_its_server_named(write_config):
    path = write_config(
        extra='[influxdb]\nmode = "mirror"\nurl = "http://influx:8086"\norg = "o"\nbucket = "b"\n'
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "influxdb.token" in str(error.value) and 'mode = "mirror"' in str(error.value)


# Against a real InfluxDB 2.x: WASTEWATCH_TEST_INFLUXDB_URL, _TOKEN, _ORG.


@pytest.fixture
def bucket():
    """A bucket of its own on the server, deleted after."""
    from influxdb_client import InfluxDBClient

    with InfluxDBClient(url=SERVER["url"], token=SERVER["token"], org=SERVER["org"]) as client:
        made = client.buckets_api().create_bucket(bucket_name=f"wastewatch_test_{secrets.token_hex(4)}")
        try:
            yield made.name
        finally:
            client.buckets_api().delete_bucket(made)


def drain(mirror: Mirror, store) -> None:
    mirror.start()
    wait_until(lambda: store.mirror_backlog()[0] == 0, timeout=120, what="the queue sent")
    assert mirror.wait_idle(30)
    mirror.stop()


@needs_server
def test_influxdb_holds_what_the_store_holds(mirrored, bucket, write_config):
    store = mirrored()
    for batch in batches(6, count=20):
        store.write(batch)
    drain(Mirror(mirror_config(write_config, **SERVER, bucket=bucket), mirrored()), store)
    reads = InfluxReads(SERVER["url"], SERVER["token"], SERVER["org"], bucket)
    end = START + 3 * 86400
    days = (date(2026, 10, 1), date(2026, 10, 3))
    for site in ("helin", "cx-01", "sy-01"):
        for metric in ("cod", "flow"):
            assert reads.scan(site, metric, START, end) == store.scan(site, metric, START, end), (
                site,
                metric,
            )
            ours = store.daily_means(site, metric, *days)
            theirs = reads.daily_means(site, metric, *days, "Asia/Shanghai")
            assert theirs.keys() == ours.keys()
            assert all(math.isclose(theirs[d], ours[d], rel_tol=1e-12) for d in ours), (site, metric)
    reads.close()
    store.close()


@needs_server
def test_influxdb_coming_back_gets_everything_queued_in_the_outage(mirrored, bucket, write_config, tmp_path):
    store = mirrored()
    store.write([Reading("helin", "cod", START + 60 * n, 30.0 + n % 7) for n in range(1200)])
    down = Mirror(mirror_config(write_config, f"http://127.0.0.1:{free_port()}", bucket), mirrored())
    down.start()
    wait_until(lambda: down.refused >= 1, timeout=60, what="the outage seen")
    down.stop()
    assert store.mirror_backlog()[0] == 1200
    drain(Mirror(mirror_config(write_config, **SERVER, bucket=bucket), mirrored()), store)
    reads = InfluxReads(SERVER["url"], SERVER["token"], SERVER["org"], bucket)
    assert reads.scan("helin", "cod", START, START + 1200 * 60) == store.scan(
        "helin", "cod", START, START + 72000
    )
    reads.close()
    store.close()


def test_serve_queues_every_reading_it_acknowledges_while_influxdb_is_away(broker, write_config, tmp_path):
    """The service with the mirror on and no InfluxDB: killed mid-stream and started again,
    every reading it stored is in the queue once, and /healthz names the mirror."""
    import httpx

    from tests.support import Publisher, Service

    path = write_config(
        broker,
        extra=f'[influxdb]\nmode = "mirror"\nurl = "http://127.0.0.1:{free_port()}"\norg = "o"\n'
        'bucket = "b"\ntoken = "t"\ntimeout_s = 1\nretry_min_s = 1\n',
    )
    loaded = load_config(path)
    service = Service(path, tmp_path / "serve.log").start()
    publisher = Publisher(broker)
    stamps = [START + 300 * n for n in range(400)]

    def message(ts: int):
        moment = datetime.fromtimestamp(ts, timezone.utc).isoformat()
        return ("helin", {"ts": moment, "values": {"cod": 30.0, "flow": 2.0}})

    publisher.send_many(message(ts) for ts in stamps[:200])
    service.kill()
    publisher.send_many(message(ts) for ts in stamps[100:])  # a hundred sent again
    service = Service(path, tmp_path / "serve.log").start()
    store = SQLiteStore(loaded.database_path)
    wait_until(lambda: store.count_readings() == 800, timeout=60, what="every reading stored")
    healthz = f"http://127.0.0.1:{loaded.web.port}/healthz"
    wait_until(
        lambda: "InfluxDB mirror" in httpx.get(healthz).text, timeout=30, what="/healthz naming the mirror"
    )
    assert httpx.get(healthz).status_code == 503
    service.stop()
    lines = [line for _, line in store.mirror_claim(5000, 2**40, 60)]
    assert len(lines) == len(set(lines)) == 800
    assert {line.rsplit(" ", 1)[1] for line in lines} == {str(ts) for ts in stamps}
    store.close()


def test_the_grafana_dashboard_over_the_mirror_asks_for_the_tags_and_field_the_lines_carry():
    """deploy/grafana/readings-influxdb.json filters on what a mirrored line holds: its
    measurement, the site and metric tags and the value field, for metrics that exist."""
    import json
    import re

    from tests.support import ROOT
    from wastewatch.config.metrics import METRICS

    line = Lines("readings").line("cx-01", "cod", START, 41.5, "N")
    head, fields, _ = line.split(" ")
    measurement, *tags = head.split(",")
    keys = {tag.split("=")[0] for tag in tags}
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "readings-influxdb.json").read_text())
    defaults = {v["name"]: v.get("query") for v in dashboard["templating"]["list"]}
    assert defaults["measurement"] == measurement
    for panel in dashboard["panels"]:
        query = panel["targets"][0]["query"]
        asked = set(re.findall(r"r\.\w+", query))
        assert {"site", "metric"} <= keys and {f"r.{key}" for key in keys} <= asked
        assert 'r._field == "value"' in query and "value=" in fields
        assert re.search(r'r\.metric == "(\w+)"', query)[1] in METRICS
