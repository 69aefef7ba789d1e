"""The chaos soak, short: three minutes of the whole service under a few hundred injected faults
of every kind, and no invariant broken (bench/soak.py says what each is). The long run's
figures are in docs/administrators/faults.md."""

import json
import subprocess
import sys

from tests.support import ROOT

KINDS = {
    "service_kill9",
    "writer_kill9",
    "broker_stop",
    "broker_kill9",
    "smtp_down",
    "smtp_busy",
    "smtp_bounce",
    "smtp_hang",
    "disk_full",
    "database_locked",
    "clock_y2000",
    "clock_future",
    "clock_back",
    "malformed_burst",
}


def test_three_minutes_of_faults_break_no_invariant(tmp_path):
    done = subprocess.run(
        [sys.executable, "bench/soak.py", "--minutes", "3", "--seed", "7", "--folder", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.stdout.strip(), done.stderr[-5000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["violations"] == 0, done.stderr[-5000:]
    assert done.returncode == 0
    assert result["faults"] >= 250 and set(result["faults_by_kind"]) == KINDS, result
    assert result["readings_stored"] >= 0.98 * result["readings_acknowledged"] > 10_000
    assert result["alerts_opened"] == result["alerts_called_for"] > 8
    assert result["emails_received"] >= result["emails_expected"] > 16
    assert result["malformed_acknowledged"] > 500 and result["report_figures_checked"] > 0
