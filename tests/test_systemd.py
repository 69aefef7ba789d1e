"""The systemd units in deploy/systemd/, checked by systemd's own tools offline: they load
without a warning, and the service's sandbox leaves an exposure of at most 3.0 ("OK")."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

UNITS = ROOT / "deploy" / "systemd"
SHIPPED_START = "ExecStart=/opt/wastewatch/bin/wastewatch serve --config /etc/wastewatch/wastewatch.toml"


def analyze(*args, units: Path) -> subprocess.CompletedProcess:
    # SYSTEMD_UNIT_PATH with a trailing colon: our folder first, then the system's units.
    return subprocess.run(
        ["systemd-analyze", *args],
        capture_output=True,
        text=True,
        env={
            "SYSTEMD_UNIT_PATH": f"{units}:",
            "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
            "SYSTEMD_LOG_COLOR": "0",
        },
        timeout=60,
    )


def installed(tmp_path: Path) -> Path:
    """The units as the install guide puts them, the service's command pointed at this
    virtualenv's `wastewatch` (verify checks that the command exists and is executable)."""
    folder = tmp_path / "units"
    shutil.copytree(UNITS, folder)
    service = folder / "wastewatch.service"
    text = service.read_text()
    assert SHIPPED_START in text.splitlines()
    here = Path(sys.executable).parent / "wastewatch"
    service.write_text(text.replace("/opt/wastewatch/bin/wastewatch", str(here)))
    return folder


def test_the_units_load_without_a_warning(tmp_path):
    units = installed(tmp_path)
    for unit in ("wastewatch.service", "mosquitto.service"):
        done = analyze("verify", unit, units=units)
        assert done.returncode == 0 and done.stderr.strip() == "", f"{unit}: {done.stderr}"


def test_a_drop_in_with_a_mistake_is_caught_by_the_same_check(tmp_path):
    """So the check above reads the drop-in at all: an unknown key in it is reported."""
    units = installed(tmp_path)
    (units / "mosquitto.service.d" / "zz-mistake.conf").write_text("[Service]\nRestartSecs=5\n")
    done = analyze("verify", "mosquitto.service", units=units)
    assert "Unknown key 'RestartSecs'" in done.stderr


def test_the_service_sandbox_is_rated_ok(tmp_path):
    done = analyze(
        "security", "--offline=true", str(installed(tmp_path) / "wastewatch.service"), units=tmp_path
    )
    assert done.returncode == 0, done.stderr
    [level] = re.findall(r"Overall exposure level for wastewatch.service: (\d+\.\d) (\w+)", done.stdout)
    assert float(level[0]) <= 3.0 and level[1] == "OK", done.stdout[-3000:]


def test_the_service_writes_only_its_data_and_backups_and_stops_by_draining():
    unit = (UNITS / "wastewatch.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings["ReadWritePaths"] == "/var/lib/wastewatch -/var/backups/wastewatch"
    assert settings["ProtectSystem"] == "strict" and settings["NoNewPrivileges"] == "true"
    assert settings["PrivateTmp"] == "true" and settings["ProtectHome"] == "true"
    assert settings["User"] == "wastewatch" and settings["KillSignal"] == "SIGTERM"
    assert settings["Restart"] == "on-failure"
