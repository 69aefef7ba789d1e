"""The console at county scale: the overview's site board, a site's page of 30-day charts, the
alert and order lists, and 50 people using it at once.

1,000 sites × 6 metrics with 30 days of 5-minute readings in the embedded store (51.8 M
readings, written directly as bench/report.py writes them), a year of alerts and work orders
in the state database (bench/workorders.py's history, plus an open alert at one site in
twenty), and 51 accounts. The service runs in a process of its own — the pages as `serve`
runs them, beside the MQTT ingestor on a private Mosquitto — with the pages' clock fixed at
the history's end; the benchmark signs in over HTTP like a browser and times each request at
the client on the same machine, so the figures include HTTP over loopback, a connection a
request as the deployed nginx opens them (deploy/nginx).

Everything is measured twice in one run, for each of --workers (default "0,2"): the pages on
the service's event loop (0, the way before issue 31) and in worker processes of their own
([web] workers).

Figures (p95 of --requests each, after two warm-up requests):
- board_ms: the overview with all 1,000 sites on one page (target ≤ 150 ms);
- site_ms: a site's page over 30 days: six charts reduced from 8,640 readings each (≤ 300 ms);
- alerts_ms, orders_ms: the alert list (every state) and the order list (≤ 100 ms);
- queue_ms: the operator's queue (≤ 150 ms); every page also counts the queue for its
  navigation;
- throughput: --clients people opening those four pages in turn with no pause for
  --throughput-seconds: pages a second (target ≥ 60);
- load: --users people sign in at once (timed), then for --seconds each opens a page every
  --think seconds (board, a site over 7 days, alerts, orders in turn): requests, errors (any
  status but 200, or no answer), p95 (target ≤ 500 ms with 50 people every 2 s, 0 errors);
- drain: --drain messages (one timestamp, six readings each) published at once to the
  ingestor, quiet and then while that load runs again (load_while_draining: how the pages
  fare meanwhile), --drain-rounds times in turn: seconds until the last is stored, the
  loaded ones' median over the quiet ones' (target: unchanged within noise) and how far the
  quiet ones range (the noise). The messages are published by a process of their own.

Prints one JSON line per figure. Usage: .venv/bin/python bench/console.py [--sites N]
[--keep DIR] [--requests N] [--users N] [--seconds S] [--think S] [--workers 0,2]
[--clients N] [--throughput-seconds S] [--drain N] [--drain-rounds N]
"""

import argparse
import importlib.util
import json
import multiprocessing
import os
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
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

import fleet  # noqa: E402  (bench/fleet.py)
import report  # noqa: E402  (bench/report.py: the readings generator)
import workorders  # noqa: E402  (bench/workorders.py: a year of alerts and work orders)

# bench/ingest.py (publishing a backlog, seeing it stored) by its path: fleet put the repository
# first on sys.path, where `ingest` is the service's package.
_spec = importlib.util.spec_from_file_location("bench_ingest", Path(__file__).with_name("ingest.py"))
ingest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ingest)

from wastewatch.access import accounts  # noqa: E402
from wastewatch.config import load_config  # noqa: E402
from wastewatch.ingest.broker import PrivateBroker, free_port  # noqa: E402
from wastewatch.ingest.topics import readings_topic  # noqa: E402
from wastewatch.store.state import connect, transaction  # noqa: E402
from wastewatch.web.workers import NICE  # noqa: E402

NOW = workorders.NOW
TZ = report.TZ
PASSWORD = "bench console password"
SERVER = """
import dataclasses, sys
from wastewatch.config import load_config
from wastewatch.ingest.client import Ingestor
from wastewatch.web.server import WebServer
import fleet

if __name__ == "__main__":
    config = load_config(sys.argv[1])
    file = config.file
    web = file.web.model_copy(update={{"workers": int(sys.argv[2])}})
    mqtt = file.mqtt.model_copy(update={{"port": int(sys.argv[3]), "client_id": "bench-console"}})
    config = dataclasses.replace(config, file=file.model_copy(update={{"web": web, "mqtt": mqtt}}))
    server = WebServer(config, fleet.Fixed({now}))
    ingestor = Ingestor(config)
    server.start()
    ingestor.start()
    print("ready", flush=True)
    sys.stdin.read()
    ingestor.stop()
    server.stop()
"""


@contextmanager
def serving(path: Path, workers: int, broker_port: int):
    """The service's pages and ingestor in a process of their own, as `serve` runs them, the
    pages on the history's clock, until the block ends."""
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(now=NOW + 60), str(path), str(workers), str(broker_port)],
        cwd=Path(__file__).resolve().parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        yield
    finally:
        server.stdin.close()
        server.wait(60)


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


def aside() -> None:
    """This thread (one person's browser) at the page workers' priority (web/workers.py: nice
    19, SCHED_IDLE): the people stand for phones and desktops elsewhere, and at the service's
    own priority their HTTP clients on these two cores would take the CPU before the pages
    they time, and from the ingest. The sites' publisher keeps the normal priority, as the
    broker does."""
    me = threading.get_native_id()
    os.setpriority(os.PRIO_PROCESS, me, NICE)
    os.sched_setscheduler(me, os.SCHED_IDLE, os.sched_param(0))


def sign_in(base: str, username: str) -> httpx.Client:
    # A connection per request, as the deployed nginx proxies (deploy/nginx: HTTP/1.0 to the
    # service, no upstream keep-alive): a worker takes each request as it is free. Kept alive
    # straight to the workers, each person stays on the worker that took their first request,
    # and one run put 44 of the 50 on one worker (p95 1.1 s; 0.17 s a connection per request).
    client = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
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


def page_figures(base: str, config, requests: int, workers: int) -> None:
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
                    "workers": workers,
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


def load(
    base: str,
    config,
    users: int,
    seconds: float,
    think: float,
    workers: int,
    during=None,
    figure: str = "load",
) -> None:
    """Everyone signs in at once (timed), then each opens a page every `think` seconds; `during()`
    runs once everyone is in."""
    paths = ["/", "/sites/{site}?range=7d", "/alerts", "/orders"]
    results: list[tuple[float, int]] = []
    failures: list[str] = []
    lock = threading.Lock()
    clients: dict[int, httpx.Client] = {}
    signed_in = threading.Barrier(users + 1)
    stop = [0.0]

    def person(n: int) -> None:
        aside()
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
    if during is not None:
        time.sleep(min(5.0, seconds / 4))  # the load at its pace first
        during()
    for thread in threads:
        thread.join()
    times = [ms for ms, _ in results]
    print(
        json.dumps(
            {
                "figure": figure,
                "workers": workers,
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


def throughput(base: str, config, clients: int, seconds: float, workers: int) -> None:
    """`clients` people opening the load's pages in turn with no pause: pages a second."""
    paths = ["/", "/sites/{site}?range=7d", "/alerts", "/orders"]
    people = [sign_in(base, f"user{n:02d}") for n in range(1, clients + 1)]
    counts, errors, stop = [0] * clients, [0] * clients, time.monotonic() + seconds

    def person(n: int) -> None:
        aside()
        k = n
        while time.monotonic() < stop:
            site = config.sites[(n * 37 + k) % len(config.sites)].id
            try:
                ok = people[n].get(paths[k % len(paths)].format(site=site)).status_code == 200
            except httpx.HTTPError:
                ok = False
            counts[n] += ok
            errors[n] += not ok
            k += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=person, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    print(
        json.dumps(
            {
                "figure": "throughput",
                "workers": workers,
                "clients": clients,
                "seconds": round(elapsed, 1),
                "pages": sum(counts),
                "errors": sum(errors),
                "pages_per_s": round(sum(counts) / elapsed, 1),
                "target_pages_per_s": 60,
            }
        ),
        flush=True,
    )


SPAWN = multiprocessing.get_context("spawn")


def publish(port: int, sites: list[str], start: int, count: int, ready, go) -> None:
    """`count` messages, one timestamp of six readings each, site after site from `start`,
    once `go` is set (this process's start-up is not part of the drain)."""
    ready.set()
    go.wait()

    def messages():
        for n in range(count):
            ts = datetime.fromtimestamp(start + 300 * (n // len(sites)), TZ).isoformat()
            values = {m: round(report.TYPICAL[m][0] + (n % 7) / 10, 3) for m in report.METRICS}
            body = json.dumps({"ts": ts, "values": values})
            yield readings_topic("wastewatch", sites[n % len(sites)]), body

    ingest.publish_messages(port, messages())


class Drains:
    """Backlogs for the service's ingestor, each on a span of time of its own after what is
    stored; how long each takes to be stored."""

    def __init__(self, config, broker_port: int, count: int):
        self.config, self.port, self.count = config, broker_port, count
        self.reader = ingest.Reader(config.database_path, None)
        first = config.sites[0].id
        last = self.reader.db.execute(
            "SELECT MAX(ts) FROM readings WHERE series = "
            "(SELECT id FROM series WHERE site_id = ? AND metric = 'cod')",
            (first,),
        ).fetchone()[0]
        self.start = (last or NOW) + 300

    def __call__(self) -> float:
        sites, start = self.config.sites, self.start
        steps = -(-self.count // len(sites))
        self.start += steps * 300
        last_site = sites[(self.count - 1) % len(sites)].id
        last_ts = start + 300 * ((self.count - 1) // len(sites))
        # Published from a process of its own, as the sites' messages come from elsewhere: in
        # this one it would share the interpreter with the load's 50 people.
        ready, go = SPAWN.Event(), SPAWN.Event()
        publisher = SPAWN.Process(
            target=publish, args=(self.port, [s.id for s in sites], start, self.count, ready, go)
        )
        publisher.start()
        ready.wait()
        began = time.perf_counter()
        go.set()
        publisher.join()
        if publisher.exitcode != 0:
            raise RuntimeError(f"the publisher exited with {publisher.exitcode}")
        while not self.reader.has(last_site, last_ts):
            time.sleep(0.02)
        return time.perf_counter() - began


def drain(base: str, config, broker_port: int, args, workers: int) -> None:
    """Backlogs drained quiet and while the load runs again, in turn, --drain-rounds times: how
    much the pages take from the ingest (and how the pages fare while it drains), against how
    far drains alike differ from each other (the disk's flushes vary by a third)."""
    drains = Drains(config, broker_port, args.drain)
    quiet: list[float] = []
    loaded: list[float] = []
    for _ in range(args.drain_rounds):
        quiet.append(drains())
        load(
            base,
            config,
            args.users,
            args.seconds,
            args.think,
            workers,
            lambda: loaded.append(drains()),
            "load_while_draining",
        )
    print(
        json.dumps(
            {
                "figure": "drain",
                "workers": workers,
                "messages": args.drain,
                "quiet_s": [round(q, 2) for q in quiet],
                "under_load_s": [round(q, 2) for q in loaded],
                "ratio": round(statistics.median(loaded) / statistics.median(quiet), 2),
                "quiet_range": round((max(quiet) - min(quiet)) / statistics.median(quiet), 2),
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
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--workers", default="0,2", help="the [web] workers to measure, in turn")
    parser.add_argument("--clients", type=int, default=8, help="people opening pages without a pause")
    parser.add_argument("--throughput-seconds", type=float, default=30)
    parser.add_argument("--drain", type=int, default=100_000, help="messages in each backlog (0: none)")
    parser.add_argument("--drain-rounds", type=int, default=3, help="quiet backlogs, as many loaded")
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
        with PrivateBroker(folder / "broker") as broker:
            for workers in [int(w) for w in args.workers.split(",")]:
                with serving(path, workers, broker.port):
                    base = config.web.url
                    page_figures(base, config, args.requests, workers)
                    throughput(base, config, args.clients, args.throughput_seconds, workers)
                    load(base, config, args.users, args.seconds, args.think, workers)
                    if args.drain:
                        drain(base, config, broker.port, args, workers)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
