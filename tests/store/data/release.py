"""How release-<revision>.db were made: three days of a village site under an earlier release,
through its command line (the surface every release kept): readings imported, checks run
(alerts opened and resolved, work orders opened), a maintenance window, an order acknowledged
and reported done, an alert acknowledged, a console account where the release had accounts,
and emails left in the outbox (no mail server). One file per schema revision, written by the
last commit at that revision:

    git worktree add /tmp/rel <commit>
    pip install --no-deps --no-build-isolation --target /tmp/rel-lib /tmp/rel
    python tests/store/data/release.py /tmp/rel-lib tests/store/data/release-<revision>.db

(The wheels of revisions 0002 and 0003 left their email templates out — the packaging test came
later — so copy each `templates/` folder of the checkout into /tmp/rel-lib/wastewatch/ first.)
Made here: 0002 at 9cddcd4, 0003 at b6dd2d3, 0004 at bdf4263, 0005 at 4db8dae, 0006 at ea43a76,
0007 at 55e0dc8 (with two rows of forward_progress written after it by that release's own
notify/forward_progress.py, which its command line cannot reach), 0008 at 971b11b, 0009 at
35ac1a0.

tests/store/test_upgrade.py upgrades each in place with this release and checks every row kept.
"""

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from first_release import CONFIG  # noqa: E402 — the same site and contractor as the first release

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 12, tzinfo=ZONE)


def main(library: Path, target: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(library)}

    def run(*args: str, may_fail: bool = False) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "wastewatch", *args, "--config", str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,  # not a checkout, whose wastewatch/ would come first
        )
        if done.returncode and not may_fail:
            raise SystemExit(f"{' '.join(args)}: {done.stderr}")
        if done.returncode:
            print(f"(this release has no {args[0]} {args[1]}: {done.stderr.strip()[-200:]})")
        return done.stdout

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wastewatch.toml"
        path.write_text(CONFIG, encoding="utf-8")
        readings = Path(folder) / "readings.csv"
        with readings.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["site", "metric", "ts", "value"])
            for minute in range(0, 3 * 24 * 60, 5):
                out.writerow(["helin", "flow", (START + timedelta(minutes=minute)).isoformat(), 2.5])
            for hour in range(72):
                cod = 95.0 if 20 <= hour < 26 else 40.0
                out.writerow(["helin", "cod", (START + timedelta(hours=hour)).isoformat(), cod])
            out.writerow(["helin", "pump_state", (START + timedelta(hours=30)).isoformat(), 4])
        run("import", str(readings))
        for hour in (13, 25, 31, 49, 73):
            run("check", "--at", (START + timedelta(hours=hour, minutes=1)).isoformat())
        run(
            "maintenance", "add", "--site", "helin", "--kind", "maintenance",
            "--reason", "换膜", "--by", "王工",
            "--from", (START + timedelta(days=2)).isoformat(),
            "--until", (START + timedelta(days=2, hours=4)).isoformat(),
        )  # fmt: skip
        # An operator's request beside the orders the checks opened (releases before 0004 opened
        # them in the sweep of `serve` only).
        run("workorders", "new", "--site", "helin", "--summary", "检查格栅", "--by", "王科长")
        order = re.search(r"WO-\d{6}-\d{4}", run("workorders", "list"))
        run("workorders", "ack", order[0], "--note", "已出发", "--by", "qingyuan/张三")
        run("workorders", "done", order[0], "--note", "已更换水泵", "--by", "qingyuan/张三")
        alert = re.search(r"^\s*(\d+)\s.*firing", run("alerts", "list"), re.M)
        if alert:
            run("alerts", "ack", alert[1], "--note", "已通知运维", "--by", "王科长")
        # Accounts came with revision 0003, laboratory results with 0006: an earlier release has
        # no such command.
        run(
            "users", "add", "wangke", "--role", "operator", "--name", "王科长", "--by", "admin", may_fail=True
        )
        sheet = Path(folder) / "lab.csv"
        sheet.write_text(
            "站点编号,采样时间,监测项目,结果,单位,检测机构,报告编号\n"
            f"helin,{START:%Y-%m-%d} 10:00,化学需氧量,38,mg/L,雅安市环境监测站,YA-2026-0101\n"
            f"helin,{START:%Y-%m-%d} 10:00,氨氮,ND,mg/L,雅安市环境监测站,YA-2026-0101\n",
            encoding="utf-8",
        )
        run("lab", "import", str(sheet), "--by", "王科长", may_fail=True)
        shutil.copy(Path(folder) / "data" / "wastewatch.db", target)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
