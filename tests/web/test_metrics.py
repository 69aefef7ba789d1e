"""/metrics in the Prometheus exposition format, read by prometheus-client's own parser, with
its naming rules, open to this machine or a bearer token only; /readyz naming each check."""

import json
import re
import time
from datetime import datetime, timezone

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.hj212 import LOGGER_SITE, hj212_section
from tests.support import ROOT, Publisher, wait_until
from wastewatch.ingest.broker import free_port

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


def test_metrics_count_what_was_ingested_and_what_is_open(write_config, broker, app):
    running = app(write_config(broker, web=f'metrics_token = "{TOKEN}"\n'))
    assert running.ingestor.connected.wait(10)
    url = f"http://127.0.0.1:{running.config.web.port}"
    logger = Publisher(broker)
    for ago, value in ((180, 3.0), (120, 3.5)):
        ts = datetime.fromtimestamp(int(time.time()) - ago, timezone.utc).isoformat()
        logger.send("helin", {"ts": ts, "values": {"flow": value}})
    logger.send("helin", "not json")
    logger.close()

    def handled():
        # Received is counted on delivery, the rest after the commit: wait for the commit.
        seen = figures(httpx.get(f"{url}/metrics").text)
        return (
            seen[("wastewatch_mqtt_readings_ingested_total", ())] == 2
            and seen[("wastewatch_mqtt_rejections_total", ())] == 1
        )

    wait_until(handled, what="two readings stored and one message rejected")
    reply = httpx.get(f"{url}/metrics")
    assert reply.headers["content-type"].startswith("text/plain; version=")
    seen = figures(reply.text)
    assert seen[("wastewatch_mqtt_messages_received_total", ())] == 3
    assert seen[("wastewatch_mqtt_rejections_total", ())] == 1
    assert seen[("wastewatch_mqtt_connected", ())] == 1
    assert seen[("wastewatch_alerts_open", (("severity", "critical"),))] == 0
    assert seen[("wastewatch_outbox_messages", (("channel", "email"), ("status", "pending")))] == 0
    assert seen[("wastewatch_work_orders_in_play", ())] == 0
    assert seen[("wastewatch_leader", ())] == 1
    assert ("wastewatch_job_last_run_seconds", (("job", "evaluation"),)) in seen


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
    running = app(write_config(broker, site=LOGGER_SITE, extra=hj212_section(free_port())))
    assert running.ingestor.connected.wait(10)
    exposed = {
        name for name, _ in figures(httpx.get(f"http://127.0.0.1:{running.config.web.port}/metrics").text)
    }
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "wastewatch.json").read_text())
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"wastewatch_[a-z0-9_]+", target["expr"])
    }
    assert asked and asked <= exposed, asked - exposed
