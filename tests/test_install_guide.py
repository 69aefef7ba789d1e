"""The install guide (docs/administrators/server.md), run: its commands in their order, in a
fresh virtualenv and folder, from the wheel and the lock. What needs root on a real server
(apt-get, adduser, chown, systemctl, copying into /etc) is left out and said so; the server's
folders are the test's own, and init is given free ports."""

import csv
import json
import os
import re
import shlex
import signal
import subprocess
import time

import httpx
import paho.mqtt.client as mqtt
import pytest

from tests.support import ROOT, wait_until
from tests.test_packaging import source_copy
from wastewatch.config import load_config
from wastewatch.ingest.broker import PrivateBroker, free_port
from wastewatch.store import SQLiteStore

GUIDE = ROOT / "docs" / "administrators" / "server.md"
# A server's root-only steps: the packages, the user, ownership, systemd and nginx.
ROOT_ONLY = {"apt-get", "adduser", "install", "chown", "chgrp", "systemctl", "cp", "mkdir", "ln", "nginx"}


def guide_commands() -> list[str]:
    """Every line of the guide's `sh` blocks, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def as_run_here(line: str, places: dict[str, str]) -> list[str] | None:
    """The command without sudo, with the server's folders replaced; None for a root-only one."""
    words = shlex.split(line)
    if words[0] == "sudo":
        words = words[3:] if words[1] == "-u" else words[1:]
    if words[0] in ROOT_ONLY:
        return None
    text = shlex.join(words)
    for server, here in places.items():
        text = text.replace(server, here)
    return shlex.split(text)


def ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stored(config, site: str) -> int:
    store = SQLiteStore(config.database_path)
    try:
        return len(store.read_range(site, "flow", 0, 2**31))
    finally:
        store.close()


def publish(port: int, login: dict, site: str) -> int:
    """One reading published at QoS 1 over MQTT 5 with a site's login: the broker's reason code."""
    answered = {}
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"logger-{site}", protocol=mqtt.MQTTv5)
    client.username_pw_set(login["mqtt_username"], login["mqtt_password"])
    client.on_publish = lambda c, u, mid, reason, props: answered.setdefault("code", reason.value)
    client.on_connect = lambda c, u, flags, reason, props: answered.setdefault("connected", reason.value)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        wait_until(lambda: "connected" in answered, what="the broker's CONNACK")
        assert answered["connected"] == 0, f"the site's login was refused: reason {answered['connected']}"
        now = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600))
        payload = json.dumps({"ts": now, "values": {"flow": 2.5}})
        client.publish(f"wastewatch/sites/{site}/readings", payload, qos=1).wait_for_publish(10)
        wait_until(lambda: "code" in answered, what="the broker's PUBACK")
    finally:
        client.loop_stop()
        client.disconnect()
    return answered["code"]


@pytest.mark.skipif(not PrivateBroker.available(), reason="needs Mosquitto (the test command installs it)")
def test_the_install_guide_runs_from_a_fresh_folder_to_a_reading_stored(tmp_path):
    work = source_copy(tmp_path / "checkout")
    for sheet in (ROOT / "deploy" / "sample").iterdir():
        (work / sheet.name).write_bytes(sheet.read_bytes())
    server = tmp_path / "server"
    places = {
        "/opt/wastewatch": f"{server}/opt",
        "/etc/wastewatch": f"{server}/etc",
        "/var/lib/wastewatch": f"{server}/data",
        "/var/backups/wastewatch": f"{server}/backups",
        "/etc/mosquitto/wastewatch": f"{server}/broker",
    }
    mqtt_port, web_port, hj212_port = free_port(), free_port(), free_port()
    # The machine's own folders stay out of it: init is told the test's, and its ports.
    init_here = ["--folder", places["/etc/wastewatch"], "--data", places["/var/lib/wastewatch"],
                 "--backups", places["/var/backups/wastewatch"], "--mqtt-port", str(mqtt_port),
                 "--web-port", str(web_port), "--hj212-port", str(hj212_port)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    run, left_out, serve = [], [], None
    for line in guide_commands():
        command = as_run_here(line, places)
        if command is None:
            left_out.append(line)
            continue
        if command[1:2] == ["serve"]:
            serve = command
            continue
        if command[1:2] == ["init"]:
            command += init_here
        command = [str(sorted(work.glob(word))[0]) if "*" in word else word for word in command]
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=900, env=env)
        assert done.returncode == 0, (line, done.stdout[-3000:], done.stderr[-3000:])
        run.append((line, done.stdout))
    said = "\n".join(out for _, out in run)
    assert "nothing was written" in said and "done" in said, said
    assert re.search(r"admin account 'admin': password \S{16}", said)
    assert any(line.startswith("sudo systemctl") for line in left_out)
    assert serve is not None, "the guide says what systemd runs"
    assert f"{server}/opt/bin/wastewatch" == serve[0], "the service runs from the virtualenv the guide made"

    etc = server / "etc"
    with (etc / "secrets/site-logins.csv").open(encoding="utf-8") as handle:
        logins = {row["site"]: row for row in csv.DictReader(handle)}
    conf = (server / "broker" / "wastewatch.conf").read_text()
    # The private broker adds its own persistence folder, log and user.
    conf = conf.replace("persistence_location /var/lib/mosquitto/\n", "")
    with PrivateBroker(tmp_path / "mosquitto", port=mqtt_port, conf=conf):
        log = (tmp_path / "serve.log").open("w")
        process = subprocess.Popen(serve, cwd=work, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            config = load_config(etc / "wastewatch.toml")
            wait_until(lambda: ready(web_port), timeout=60, what="the service to be ready (/readyz)")
            assert publish(mqtt_port, logins["cx-01"], "cx-01") == 0
            wait_until(lambda: stored(config, "cx-01") == 1, timeout=30, what="the reading to be stored")
            refused = publish(mqtt_port, logins["cx-01"], "sy-01")
            assert refused == 135, f"another site's topic: reason {refused}, not 135 (not authorized)"
            time.sleep(1.0)
            assert stored(config, "sy-01") == 0
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(60) == 0, (tmp_path / "serve.log").read_text()[-3000:]
