"""The console at county scale: the overview's site board, a site's page of 30-day charts, the
alert and order lists, and 50 people using it at once.

1,000 sites × 6 metrics with 30 days of 5-minute readings in the embedded store (51.8 M
readings, written directly as bench/report.py writes them), a year of alerts and work orders
in the state database (bench/workorders.py's history, plus an open alert at one site in
twenty), and 51 accounts. The console runs in a process of its own (uvicorn, as `serve` runs
it) with its clock fixed at the history's end; the benchmark signs in over HTTP like a
browser and times each request at the client on the same machine, so the figures include
HTTP over loopback.

Figures (p95 of --requests each, after two warm-up requests):
- board_ms: the overview with all 1,000 sites on one page (target ≤ 150 ms);
- site_ms: a site's page over 30 days: six charts reduced from 8,640 readings each (≤ 300 ms);
- alerts_ms, orders_ms: the alert list (every state) and the order list (≤ 100 ms);
- queue_ms: the operator's queue (≤ 150 ms); every page also counts the queue for its
  navigation;
- load: --users people sign in at once (timed), then for --seconds each opens a page every
  --think seconds (board, a site over 7 days, alerts, orders in turn): requests, errors (any
  status but 200, or no answer), p95.

Prints one JSON line per figure. Usage: .venv/bin/python bench/console.py [--sites N]
[--keep DIR] [--requests N] [--users N] [--seconds S] [--think S]
"""

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

import fleet  # noqa: E402  (bench/fleet.py)
import report  # noqa: E402  (bench/report.py: the readings generator)
import workorders  # noqa: E402  (bench/workorders.py: a year of alerts and work orders)

from wastewatch.access import accounts  # noqa: E402
from wastewatch.config import load_config  # noqa: E402
from wastewatch.ingest.broker import free_port  # noqa: E402
from wastewatch.store.state import connect, transaction  # noqa: E402

NOW = workorders.NOW
PASSWORD = "bench console password"
SERVER = """
import sys, time
from wastewatch.config import load_config
from wastewatch.web.server import WebServer
server = WebServer(load_config(sys.argv[1]), lambda: {now})
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
"""


@contextmanager
def serving(path: Path):
    """The service's pages in a process of their own, as `serve` runs them, on the history's
    clock, until the block ends."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(now=NOW + 60), str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        yield
    finally:
        server.stdin.close()
        server.wait(30)


def write_config(folder: Path, sites: int) -> Path:
    head = (
        '[service]\ndata_dir = "data"\n[bureau]\nemails = ["bureau@example.cn"]\n'
        f'[web]\nport = {free_port()}\nsecret_key = "bench-console-secret-key"\n'
    )
    return fleet.write_config(
        folder,
        head,
        sites,
        report.METRICS,
        report.STEP,
        capacities=(10.0, 30.0, 50.0, 80.0, 150.0),
        contractors=workorders.CONTRACTORS,
    )


def generate(config, users: int) -> dict:
    figures = {}
    if not config.database_path.exists():
        config.data_dir.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        figures["readings"] = report.fill(config, config.database_path, NOW - 30 * 86400, NOW)
        figures["readings_s"] = round(time.perf_counter() - began, 1)
        figures.update(workorders.generate(config, random.Random(11)))
        db = connect(config.state_url)
        with transaction(db):
            first = db.execute("SELECT COALESCE(MAX(id), 0) FROM alerts").scalar() + 1
            rows = [
                (first + i, site.id, "sample_exceedance", "cod", "exceedance", "warning", "firing")
                + (NOW - 7200,) * 4
                for i, site in enumerate(config.sites[::20])
            ]
            workorders.insert(
                db,
                "alerts",
                "id site_id rule metric kind severity state opened_at since last_seen notified_at",
                rows,
            )
            figures["open_alerts"] = len(rows)
            for n in range(users + 1):
                name = "admin" if n == 0 else f"user{n:02d}"
                accounts.add(db, config, name, name, "admin" if n == 0 else "operator", PASSWORD, NOW)
        db.close()
    return figures


def sign_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    answer = client.post("/login", data={"csrf": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 303, answer.text[:500]
    return client


def timed(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    answer = client.get(path)
    return (time.perf_counter() - started) * 1000, answer.status_code


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[18], 1) if len(values) > 1 else round(values[0], 1)


def page_figures(base: str, config, requests: int) -> None:
    client = sign_in(base, "admin")
    site = config.sites[len(config.sites) // 2].id
    pages = {
        "board_ms": ("/", 150),
        "site_ms": (f"/sites/{site}?range=30d", 300),
        "alerts_ms": ("/alerts?state=all", 100),
        "orders_ms": ("/orders", 100),
        # The operator's queue (since issue 25): alerts to acknowledge, orders to verify or chase.
        "queue_ms": ("/queue", 150),
    }
    for figure, (path, target) in pages.items():
        for _ in range(2):
            timed(client, path)
        runs = [timed(client, path) for _ in range(requests)]
        assert all(status == 200 for _, status in runs), (path, {s for _, s in runs})
        times = [ms for ms, _ in runs]
        body = client.get(path).text
        extra = {"rows": body.count('<tr class="row ')} if figure == "board_ms" else {}
        if figure == "site_ms":
            extra = {
                "charts": body.count("<figure"),
                "points": sum(map(int, re.findall(r'data-points="(\d+)"', body))),
            }
        print(
            json.dumps(
                {
                    "figure": figure,
                    "p95_ms": p95(times),
                    "median_ms": round(statistics.median(times), 1),
                    "requests": requests,
                    "target_ms": target,
                    "path": path,
                    "kb": round(len(body.encode()) / 1024),
                    **extra,
                }
            ),
            flush=True,
        )


def load(base: str, config, users: int, seconds: float, think: float) -> None:
    """Everyone signs in at once (timed), then each opens a page every `think` seconds."""
    paths = ["/", "/sites/{site}?range=7d", "/alerts", "/orders"]
    results: list[tuple[float, int]] = []
    failures: list[str] = []
    lock = threading.Lock()
    clients: dict[int, httpx.Client] = {}
    signed_in = threading.Barrier(users + 1)
    stop = [0.0]

    def person(n: int) -> None:
        try:
            clients[n] = sign_in(base, f"user{n:02d}")
        except Exception as exc:  # noqa: BLE001 — a failure is a figure, not a crash
            with lock:
                failures.append(repr(exc))
        signed_in.wait()
        client = clients.get(n)
        if client is None:
            return
        rng = random.Random(n)
        time.sleep(rng.uniform(0, think))
        k = n
        while time.monotonic() < stop[0]:
            site = config.sites[(n * 37 + k) % len(config.sites)].id
            try:
                ms, status = timed(client, paths[k % len(paths)].format(site=site))
            except Exception as exc:  # noqa: BLE001
                with lock:
                    failures.append(repr(exc))
                continue
            with lock:
                results.append((ms, status))
            k += 1
            time.sleep(think)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(1, users + 1)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    stop[0] = time.monotonic() + 3600  # until everyone is in
    signed_in.wait()
    sign_in_s = time.perf_counter() - began
    stop[0] = time.monotonic() + seconds
    for thread in threads:
        thread.join()
    times = [ms for ms, _ in results]
    print(
        json.dumps(
            {
                "figure": "load",
                "users": users,
                "sign_in_all_s": round(sign_in_s, 2),
                "seconds": seconds,
                "think_s": think,
                "requests": len(results),
                "errors": sum(status != 200 for _, status in results) + len(failures),
                "failures": failures[:3],
                "p95_ms": p95(times) if times else None,
                "median_ms": round(statistics.median(times), 1) if times else None,
                "max_ms": round(max(times), 1) if times else None,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="keep the generated data in this folder (and reuse it)")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=5.0)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="ww-bench-console-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = folder / "bench.toml"
        if not path.exists():
            write_config(folder, args.sites)
        config = load_config(path)
        figures = generate(config, args.users)
        print(json.dumps({"figure": "generated", "sites": len(config.sites), **figures}), flush=True)
        with serving(path):
            base = config.web.url
            page_figures(base, config, args.requests)
            load(base, config, args.users, args.seconds, args.think)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
