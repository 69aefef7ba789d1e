"""/metrics in the Prometheus exposition format, read by prometheus-client's own parser, with
its naming rules, open to this machine or a bearer token only; /readyz naming each check."""

import json
import re
import time
from datetime import datetime, timezone
from email.message import EmailMessage

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import VILLAGE_SITE
from tests.hj212 import LOGGER_SITE, hj212_section
from tests.support import ROOT, Publisher, wait_until
from wastewatch.access import accounts
from wastewatch.ingest.broker import free_port
from wastewatch.notify.outbox import enqueue
from wastewatch.store.state import transaction

TOKEN = "scrape-token-0123456789abcdef"


def figures(text: str) -> dict:
    """{(sample name, labels as a sorted tuple): value}, and every family is checked for the rules."""
    found = {}
    for family in text_string_to_metric_families(text):
        assert family.name.startswith("wastewatch_"), family.name
        assert family.documentation, family.name
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), family.name
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(seen: dict, name: str) -> float:
    """A family's samples of one name summed over their labels."""
    return sum(value for (sample, _), value in seen.items() if sample == name)


def test_metrics_count_what_was_ingested_and_what_is_open(write_config, broker, app, mail):
    running = app(write_config(broker, web=f'metrics_token = "{TOKEN}"\n', mail=mail))
    assert running.ingestor.connected.wait(10)
    url = f"http://127.0.0.1:{running.config.web.port}"
    logger = Publisher(broker)
    for ago, value in ((180, 3.0), (120, 3.5)):
        ts = datetime.fromtimestamp(int(time.time()) - ago, timezone.utc).isoformat()
        logger.send("helin", {"ts": ts, "values": {"flow": value}})
    logger.send("helin", "not json")
    logger.send("helin", {"ts": "yesterday", "values": {"flow": 1.0}})
    logger.send("nowhere", {"ts": datetime.now(timezone.utc).isoformat(), "values": {"flow": 1.0}})
    logger.close()

    def handled():
        # Received is counted on delivery, the rest after the commit: wait for the commit.
        seen = figures(httpx.get(f"{url}/metrics").text)
        return (
            seen[("wastewatch_mqtt_readings_ingested_total", ())] == 2
            and total(seen, "wastewatch_mqtt_rejections_total") == 3
        )

    wait_until(handled, what="two readings stored and three messages rejected")
    reply = httpx.get(f"{url}/metrics")
    assert reply.headers["content-type"].startswith("text/plain; version=")
    seen = figures(reply.text)
    assert seen[("wastewatch_mqtt_messages_received_total", ())] == 5
    rejected = {
        dict(labels)["kind"]: v
        for (name, labels), v in seen.items()
        if name == "wastewatch_mqtt_rejections_total"
    }
    assert rejected == {"payload": 1, "site": 1, "time": 1, "value": 0, "decoder": 0}
    # Each commit's messages and seconds: every message went through one.
    commits = seen[("wastewatch_mqtt_commit_seconds_count", ())]
    assert 1 <= commits <= 5 and seen[("wastewatch_mqtt_commit_seconds_sum", ())] > 0
    assert seen[("wastewatch_mqtt_batch_messages_count", ())] == commits
    assert seen[("wastewatch_mqtt_batch_messages_sum", ())] == 5
    assert seen[("wastewatch_mqtt_connected", ())] == 1
    assert seen[("wastewatch_alerts_open", (("severity", "critical"),))] == 0
    assert seen[("wastewatch_outbox_messages", (("channel", "email"), ("status", "pending")))] == 0
    assert seen[("wastewatch_outbox_send_seconds_count", (("channel", "email"),))] == 0
    assert seen[("wastewatch_work_orders_in_play", ())] == 0
    assert seen[("wastewatch_leader", ())] == 1
    assert seen[("wastewatch_console_sessions", ())] == 0
    assert ("wastewatch_job_last_run_seconds", (("job", "evaluation"),)) in seen

    # An email sent is timed under its channel; a person signed in is a session.
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = (
        "测试",
        "wastewatch@tqhb.example.cn",
        "op@tqhb.example.cn",
    )
    message.set_content("正文")
    db, now = running.alerts.evaluate_ctx.db, int(time.time())
    with transaction(db):
        enqueue(db, "test", "metrics", ["op@tqhb.example.cn"], message, now)
        accounts.add(db, running.config, "wangke", "王科长", "operator", "correct-horse-battery", now)
    wait_until(lambda: mail.subjects(), timeout=30, what="the email sent")
    with httpx.Client(base_url=url) as browser:
        form = browser.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', form)[1]
        browser.post(
            "/login", data={"csrf": token, "username": "wangke", "password": "correct-horse-battery"}
        )
    seen = figures(httpx.get(f"{url}/metrics").text)
    assert seen[("wastewatch_outbox_send_seconds_count", (("channel", "email"),))] == 1
    assert seen[("wastewatch_outbox_send_seconds_sum", (("channel", "email"),))] > 0
    assert seen[("wastewatch_console_sessions", ())] == 1


def test_metrics_are_refused_to_other_addresses_without_the_token(write_config, broker, app):
    running = app(write_config(broker, web=f'metrics_from = ["10.0.0.0/8"]\nmetrics_token = "{TOKEN}"\n'))
    url = f"http://127.0.0.1:{running.config.web.port}/metrics"
    refused = httpx.get(url)
    assert refused.status_code == 403 and "metrics_from" in refused.text
    assert httpx.get(url, headers={"authorization": "Bearer wrong-token-0123456789"}).status_code == 403
    allowed = httpx.get(url, headers={"authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200 and "wastewatch_mqtt_messages_received_total" in allowed.text


def test_readyz_names_each_check_and_fails_while_the_broker_is_away(write_config, broker, app):
    running = app(write_config(broker))
    assert running.ingestor.connected.wait(10)
    url = f"http://127.0.0.1:{running.config.web.port}/readyz"
    ready = httpx.get(url)
    assert ready.status_code == 200
    assert ready.text.splitlines() == ["ready", "broker: ok", "database: ok", "scheduler: ok", "outbox: ok"]
    broker.stop()
    wait_until(lambda: httpx.get(url).status_code == 503, what="/readyz to fail")
    assert "broker: not connected to the broker" in httpx.get(url).text.splitlines()
    broker.start()
    wait_until(lambda: httpx.get(url).status_code == 200, timeout=30, what="/readyz ready again")


def test_the_grafana_dashboard_asks_only_for_metrics_the_service_exposes(write_config, broker, app):
    """A renamed metric leaves a panel empty without an error anywhere: the names are checked."""
    # Every part on: the HJ 212 listener, and the mirror (to an InfluxDB that is not there).
    mirror = (
        f'\n[influxdb]\nmode = "mirror"\nurl = "http://127.0.0.1:{free_port()}"\norg = "o"\n'
        'bucket = "b"\ntoken = "t"\ntimeout_s = 1\n'
    )
    running = app(write_config(broker, site=LOGGER_SITE, extra=hj212_section(free_port()) + mirror))
    assert running.ingestor.connected.wait(10)
    # Every family and sample name (a job's timing has no sample until the job first ran).
    text = httpx.get(f"http://127.0.0.1:{running.config.web.port}/metrics").text
    exposed = {name for name, _ in figures(text)} | {
        family.name for family in text_string_to_metric_families(text)
    }
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "wastewatch.json").read_text())
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"wastewatch_[a-z0-9_]+", target["expr"])
    }
    assert asked and asked <= exposed, asked - exposed


def test_the_mirror_queue_is_counted_and_readyz_says_when_influxdb_takes_nothing(write_config, broker, app):
    """The InfluxDB mirror pointed at a port where nothing answers: what waits is on /metrics,
    and /readyz fails once nothing was taken for 15 minutes (its clock moved on)."""
    running = app(
        write_config(
            broker,
            extra=f'[influxdb]\nmode = "mirror"\nurl = "http://127.0.0.1:{free_port()}"\norg = "o"\n'
            'bucket = "b"\ntoken = "t"\ntimeout_s = 1\nretry_min_s = 60\n',
        )
    )
    assert running.ingestor.connected.wait(10)
    url = f"http://127.0.0.1:{running.config.web.port}"
    logger = Publisher(broker)
    for ago in (300, 240, 180):
        ts = datetime.fromtimestamp(int(time.time()) - ago, timezone.utc).isoformat()
        logger.send("helin", {"ts": ts, "values": {"flow": 3.0, "cod": 30.0}})
    logger.close()
    wait_until(
        lambda: figures(httpx.get(f"{url}/metrics").text)[("wastewatch_mirror_queue_lines", ())] == 6,
        timeout=30,
        what="six readings waiting for InfluxDB",
    )
    assert "mirror: ok" in httpx.get(f"{url}/readyz").text
    running.mirror.last_taken -= 16 * 60
    reply = httpx.get(f"{url}/readyz")
    assert reply.status_code == 503
    assert "mirror: 6 readings waiting and none taken by InfluxDB for 16 minutes" in reply.text.splitlines()


def test_forwarding_is_counted_per_upper_platform(write_config, broker, app):
    """An upper platform that cannot be reached: its frames and its connection on /metrics."""
    login = 'forward = { city = { mn = "511825000000000000HELIN1", pw = "654321" } }\n'
    target = f'\n[[forward]]\nid = "city"\nhost = "127.0.0.1"\nport = {free_port()}\nkinds = ["realtime"]\n'
    running = app(write_config(broker, site=VILLAGE_SITE + login, extra=target))
    assert running.ingestor.connected.wait(10)
    seen = figures(httpx.get(f"http://127.0.0.1:{running.config.web.port}/metrics").text)
    assert seen[("wastewatch_forward_frames_sent_total", (("target", "city"),))] == 0
    assert seen[("wastewatch_forward_frames_answered_total", (("target", "city"),))] == 0
    assert seen[("wastewatch_forward_connected", (("target", "city"),))] == 0
