"""The chaos soak: the whole service under injected faults, with invariants checked at the end.

`wastewatch serve` (ingest writer, scheduler, outbox, pages, HJ 212 listener) runs on a private
Mosquitto and a mail server in this process, its data folder on a small tmpfs of its own. A
fleet of sites (MQTT JSON and HJ 212 loggers, soak_fleet.py) reports in accelerated time, and
a few live sites in real time with conditions that come and go (alerts open and resolve), while
fault lanes, each drawing from the seed, inject their faults over and over:

  service  kill -9 of the service, or of one of its writer processes; the service is restarted
           at once (as systemd's Restart=always would)
  broker   graceful stop/start (it saves its queue), or kill -9
  mail     server down, 451 to everything, 550 to some recipients, hanging mid-DATA
  disk     the data folder's disk filled to the last byte, then freed
  lock     another process holding the database's write lock past the busy timeout
  inputs   logger clocks jumping (to 2000, to the future, an hour back), bursts of malformed
           payloads and HJ 212 garbage

Then every fault is healed, the fleet's backlog drains, and soak_check.py compares the records
of both sides. Prints one JSON line; exits 1 when any invariant was violated (each is printed
to stderr). Usage: .venv/bin/python bench/soak.py [--minutes M] [--sites N] [--seed S]
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import chaos  # noqa: E402  (bench/chaos.py)
import fleet  # noqa: F401, E402  (puts the repository on sys.path)
import soak_check
from soak_faults import Faults
from soak_fleet import LIVE_STEP, PW, STEP, Fleet, Plan

from wastewatch.config.loader import SHIPPED
from wastewatch.ingest.broker import QUEUE_SETTINGS, PrivateBroker, free_port

ROOT = Path(__file__).resolve().parent.parent
PERIOD = 0.25  # real seconds between a site's readings: STEP / PERIOD is the speed-up
# Mosquitto writes its queue to disk every second: what it acknowledged in the second before a
# kill -9 is its loss, counted apart (soak_check.readings).
BROKER_CONF = "listener {port} 127.0.0.1\nallow_anonymous true\n" + QUEUE_SETTINGS.replace(
    "autosave_interval 60", "autosave_interval 1"
)


def write_config(folder: Path, data: Path, plan: Plan, ports: dict, backfill_days: int) -> Path:
    lines = [
        f'[service]\ndata_dir = "{data}"\nlog_level = "INFO"\n',
        f'[mqtt]\nport = {ports["broker"]}\nclient_id = "soak-service"\nreconnect_max_s = 2\n',
        f"[ingest]\nmax_payload_bytes = 16384\nmax_backfill_days = {backfill_days}\n",
        "[alerts]\ncheck_interval_s = 2\nday_close_interval_s = 5\noutbox_interval_s = 1\n"
        f'sla_interval_s = 5\nrules_file = "{write_rules(folder)}"\n',
        f'[smtp]\nport = {ports["mail"]}\nsender = "wastewatch@soak.example.cn"\ntimeout_s = 4\n'
        "retry_min_s = 1\nretry_max_s = 4\n",
        '[bureau]\nemails = ["bureau@soak.example.cn"]\n',
        f"[web]\nport = {ports['web']}\n",
        "[report]\nenabled = false\n",
        f'[hj212]\nenabled = true\nhost = "127.0.0.1"\nport = {ports["hj212"]}\n',
        '[[contractors]]\nid = "c"\nname = "c"\nemail = "c@soak.example.cn"\n',
    ]

    def site(site_id: str, metrics: tuple, operators: list, extra: str = "", step: int = STEP) -> str:
        table = ", ".join(f"{m} = {step}" for m in metrics)
        return (
            f'[[sites]]\nid = "{site_id}"\nname = "{site_id}"\ntown = "t"\ncapacity_m3d = 50.0\n'
            f'receiving_water = "III"\ncontractor = "c"\noperators = {json.dumps(operators)}\n'
            f"metrics = {{ {table} }}\n{extra}"
        )

    for s in range(plan.sites):
        operators = [f"o{s}@soak.example.cn"] + ([f"bounce{s}@soak.example.cn"] if s % 3 == 0 else [])
        extra = f'hj212_mn = "{plan.mn(s)}"\nhj212_pw = "{PW}"\n' if plan.logger(s) else ""
        lines.append(site(plan.site_id(s), plan.metrics(s), operators, extra))
    for n in range(plan.live):
        operators = [f"live{n}@soak.example.cn"] + (["bounce-live@soak.example.cn"] if n == 0 else [])
        lines.append(site(plan.live_id(n), ("flow", "cod", "ph", "pump_state"), operators, step=LIVE_STEP))
    lines.append(site("clock", ("flow", "cod"), ["clock@soak.example.cn"]))
    lines.append(site("broken", ("flow", "cod"), ["broken@soak.example.cn"]))
    path = folder / "soak.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_rules(folder: Path) -> Path:
    """The shipped rules, but a sample exceedance resolves after 10 s clear, not 2 h: the live
    sites' conditions come and go within the run."""
    text = (SHIPPED / "rules.toml").read_text(encoding="utf-8")
    text, n = re.subn(r"(?s)(\[sample_exceedance\][^\[]*?\nclear_hold_s = )\d+", r"\g<1>10", text)
    if n != 1:
        raise SystemExit("config/rules.toml: [sample_exceedance] clear_hold_s not found")
    path = folder / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


class Service:
    """`wastewatch serve`, watched: restarted at once whenever it is not running, and any exit
    the schedule did not cause counted."""

    def __init__(self, config: Path, log: Path):
        self.config, self.log_path = config, log
        self.process: subprocess.Popen | None = None
        self.lock = threading.RLock()
        self.kills: list[float] = []  # monotonic times of kill -9 of the service
        self.unexpected: list[str] = []
        self.samples: list[tuple[int, float, int, int]] = []  # (pid, age s, RSS kB, fds)
        self.started_at = 0.0
        self.watching = threading.Event()

    def start(self) -> None:
        with self.lock:
            log = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "wastewatch", "serve", "--config", str(self.config)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            self.started_at = time.monotonic()

    def kill(self) -> None:
        with self.lock:
            self.kills.append(time.monotonic())
            self.process.kill()
            self.process.wait()
            self.start()

    def kill_writer(self) -> bool:
        with self.lock:
            writers = [
                pid
                for pid in chaos.children(self.process.pid)
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
            ]
            if not writers:
                return False
            os.kill(random.choice(writers), signal.SIGKILL)
            return True

    def watch(self) -> None:
        """Restarts an exit nobody asked for, and samples memory and descriptors once a second."""
        self.watching.set()
        while self.watching.is_set():
            with self.lock:
                if not self.watching.is_set():  # stop() ended it while this waited
                    break
                code = self.process.poll()
                if code is not None:
                    tail = self.log_path.read_bytes()[-3000:].decode("utf-8", errors="replace")
                    self.unexpected.append(f"the service exited with {code} unasked; its log ended:\n{tail}")
                    self.start()
                else:
                    pid = self.process.pid
                    found = chaos.usage(pid)
                    if found:
                        rss = found[0] + sum((chaos.usage(c) or (0, 0))[0] for c in chaos.children(pid))
                        self.samples.append((pid, time.monotonic() - self.started_at, rss, found[1]))
            time.sleep(1.0)

    def stop(self) -> None:
        self.watching.clear()
        with self.lock:
            self.process.terminate()
            self.process.wait(60)


def flat(samples: list) -> tuple[dict, list[str]]:
    """5. Memory and descriptors: the peaks, and growth within each run of the service of at
    least a minute (from 30 s of age to its end), which a leak would show."""
    violations = []
    by_pid: dict[int, list] = {}
    for pid, age, rss, fds in samples:
        by_pid.setdefault(pid, []).append((age, rss, fds))
    for pid, rows in by_pid.items():
        settled = [r for r in rows if r[0] >= 30]
        if rows[-1][0] >= 60 and settled:
            grew_rss, grew_fds = rows[-1][1] - settled[0][1], rows[-1][2] - settled[0][2]
            if grew_rss > 96 * 1024 or grew_fds > 32:
                violations.append(f"service {pid} grew {grew_rss // 1024} MB and {grew_fds} descriptors")
    figures = {
        "peak_rss_mb": round(max((s[2] for s in samples), default=0) / 1024, 1),
        "peak_fds": max((s[3] for s in samples), default=0),
        "longest_run_s": round(max((r[-1][0] for r in by_pid.values()), default=0)),
    }
    return figures, violations


def progress(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} soak: {text}", file=sys.stderr, flush=True)


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(1)
    return False


def count(database: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return -1


def run(args, folder: Path) -> dict:
    data = folder / "data"
    disk = chaos.Disk(data, args.disk_mb) if chaos.Disk.available() else None
    data.mkdir(exist_ok=True)
    broker = PrivateBroker(folder / "broker", conf=BROKER_CONF).start()
    mail = chaos.Mail(free_port())
    plan = Plan.of(args.sites)
    ports = {"broker": broker.port, "mail": mail.port, "web": free_port(), "hj212": free_port()}
    span_s = args.minutes * 60 * STEP / PERIOD
    config = write_config(folder, data, plan, ports, int(span_s / 86400) + 5)
    database = data / "wastewatch.db"
    service = Service(config, folder / "service.log")
    started = time.monotonic()
    start_ts = int(time.time() - span_s - 3600)
    fleet_ = Fleet(plan, broker.port, ports["hj212"], start_ts, STEP / PERIOD, args.seed)
    faults = Faults(args.seed, args.minutes, service, broker, mail, disk, database, fleet_)
    faults.web_port = ports["web"]
    try:
        service.start()
        # The service's session must exist before the fleet publishes: until its first
        # subscription the broker has nobody to keep messages for.
        if not wait_for(lambda: b"subscribed to" in (folder / "service.log").read_bytes(), 120):
            raise SystemExit(f"the service did not start; see {folder / 'service.log'}")
        watcher = threading.Thread(target=service.watch, daemon=True)
        watcher.start()
        fleet_.begin()
        faults.start()
        time.sleep(args.minutes * 60)
        progress("faults end")
        faults.stop()  # each lane heals what it broke before it returns
        fleet_.stop()
        drained = wait_for(lambda: fleet_.pending() == 0, 300)
        progress(f"fleet drained: {drained} ({fleet_.pending()} waiting)")
        # Stored: the count of readings stops moving; then two evaluation and day-close rounds,
        # and the outbox empty.
        previous = -1
        while True:
            time.sleep(5)
            now_count = count(database, "SELECT COUNT(*) FROM readings")
            if now_count == previous:
                break
            previous = now_count
        progress(f"stored: {previous} readings")
        time.sleep(12)
        wait_for(lambda: count(database, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == 0, 180)
        service.stop()
        watcher.join()
        now = int(time.time())
        duration = time.monotonic() - started
    finally:
        faults.stopping.set()
        fleet_.close()
        broker.stop()
        mail.close()
    stored = soak_check.stored_readings(database)
    windows = soak_check.broker_windows(folder / "broker" / "mosquitto.log", faults.broker_kills)
    results, violations = {}, []
    for figures, found in (
        soak_check.readings(fleet_.records, stored, windows),
        soak_check.alerts(config, folder, stored, now),
        soak_check.emails(database, mail.accepted, service.kills),
        soak_check.rejections(fleet_.records, database, windows),
        soak_check.report(config, stored, now),
        flat(service.samples),
    ):
        results.update(figures)
        violations += found
    violations += service.unexpected
    if not drained:
        violations.append(
            f"the fleet still had {fleet_.pending()} unacknowledged messages after the faults ended"
        )
    if disk:
        shutil.copy(database, folder / database.name)  # for a look afterwards (--folder)
        disk.close()
    for line in violations:
        print(line, file=sys.stderr)
    return {
        "benchmark": "soak",
        "minutes": args.minutes,
        "sites": args.sites,
        "seed": args.seed,
        "faults": sum(faults.counts.values()),
        "faults_by_kind": dict(sorted(faults.counts.items())),
        **results,
        "disk_full_named_by_healthz": f"{sum(faults.health)} of {len(faults.health)}",
        "violations": len(violations),
        "duration_s": round(duration),
        "disk_faults": "injected" if disk else "not injected: mounting a tmpfs needs root",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--disk-mb", type=int, default=256)
    parser.add_argument("--folder", type=Path, help="keep everything here (default: a temporary folder)")
    args = parser.parse_args()
    if args.folder:
        args.folder.mkdir(parents=True, exist_ok=True)
        result = run(args, args.folder)
    else:
        with tempfile.TemporaryDirectory(prefix="wastewatch-soak-") as folder:
            result = run(args, Path(folder))
    print(json.dumps(result, ensure_ascii=False))
    return 1 if result["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
