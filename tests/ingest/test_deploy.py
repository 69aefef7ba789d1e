"""deploy/mosquitto as shipped: logins, per-site ACL, and a queue that outlasts downtime."""

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.support import ROOT, Publisher, count_readings, wait_until
from wastewatch.config import load_config
from wastewatch.ingest.broker import QUEUE_SETTINGS, PrivateBroker
from wastewatch.ingest.client import Ingestor
from wastewatch.store import SQLiteStore

DEPLOY = ROOT / "deploy" / "mosquitto"


def deployed_broker(tmp_path: Path) -> PrivateBroker:
    """The shipped config with its paths and port pointed into the test folder."""
    passwd = tmp_path / "passwd"
    for user, password in (
        ("wastewatch", "svc-secret"),
        ("helin", "helin-secret"),
        ("other", "other-secret"),
    ):
        subprocess.run(
            ["mosquitto_passwd", "-b", *(["-c"] if not passwd.exists() else []), str(passwd), user, password],
            check=True,
            capture_output=True,
        )
    conf = (DEPLOY / "wastewatch.conf").read_text()
    conf = (
        conf.replace("listener 1883", "listener {port} 127.0.0.1")
        .replace("/etc/mosquitto/wastewatch/passwd", str(passwd))
        .replace("/etc/mosquitto/wastewatch/acl", str(DEPLOY / "acl"))
        .replace("persistence_location /var/lib/mosquitto/\n", "")
    )
    return PrivateBroker(tmp_path / "broker", conf=conf)


def service_login(tmp_path: Path, path: Path) -> Path:
    """The service logs in as "wastewatch", its password in a file beside the config."""
    (tmp_path / "mqtt-password").write_text("svc-secret\n")
    path.write_text(
        path.read_text().replace(
            "[mqtt]\n", '[mqtt]\nusername = "wastewatch"\npassword_file = "mqtt-password"\n'
        )
    )
    return path


def test_the_private_broker_queues_like_the_deployed_one_and_the_one_init_writes():
    for conf in (DEPLOY / "wastewatch.conf", ROOT / "cli" / "templates" / "mosquitto.conf"):
        shipped = conf.read_text().splitlines()
        for line in QUEUE_SETTINGS.splitlines():
            assert line in shipped, (conf, line)


def test_a_20000_message_backlog_published_while_the_service_is_down_all_arrives(
    tmp_path, write_config, service
):
    with deployed_broker(tmp_path) as broker:
        path = service_login(tmp_path, write_config(broker, name="deployed.toml"))
        svc = service(path).start()
        assert svc.stop() == 0
        logger = Publisher(broker, client_id="helin-logger", username="helin", password="helin-secret")
        start = datetime(2026, 6, 1, tzinfo=timezone(timedelta(hours=8)))
        logger.send_many(
            (
                "helin",
                {"ts": (start + timedelta(minutes=n)).isoformat(), "values": {"cod": 40.0, "flow": 2.5}},
            )
            for n in range(20_000)
        )
        logger.close()
        svc.start()
        config = load_config(path)
        wait_until(lambda: count_readings(config) == 40_000, timeout=120, what="all 20,000 messages")
        svc.stop()


def test_a_site_may_publish_only_to_its_own_topic(tmp_path, write_config):
    with deployed_broker(tmp_path) as broker:
        config = load_config(service_login(tmp_path, write_config(broker, name="acl.toml")))
        store = SQLiteStore(config.database_path)
        ingestor = Ingestor(config)
        ingestor.start()
        assert ingestor.connected.wait(10)
        try:
            intruder = Publisher(broker, client_id="other-logger", username="other", password="other-secret")
            intruder.send("helin", {"ts": "2026-06-01T08:00:00+08:00", "values": {"cod": 999.0}})
            intruder.close()
            owner = Publisher(broker, client_id="helin-logger", username="helin", password="helin-secret")
            owner.send("helin", {"ts": "2026-06-01T08:05:00+08:00", "values": {"cod": 41.0}})
            owner.close()
            wait_until(lambda: store.count_readings() == 1, what="the owner's reading")
            assert [r.value for r in store.read_range("helin", "cod", 0, 2**40)] == [41.0]
        finally:
            ingestor.stop()
            store.close()
