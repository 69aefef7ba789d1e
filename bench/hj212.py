"""HJ 212 ingest: many loggers on TCP, and frames on MQTT against JSON.

TCP: `wastewatch serve` with the HJ 212 listener and N sites, each with a registered logger.
N concurrent connections (one per logger) each send F real-time frames (CN 2011, six values,
reply asked), keeping W frames in flight as a logger resending history does. Figures: frames
per second from the first frame sent to the last reply (a reply comes only after the commit,
so replied = committed), readings per second, p50/p95 frame → reply latency, and the count in
the database afterwards.

MQTT: the same backlog of M messages (one timestamp, six values each) drained by the service
from its persistent session, once as JSON on .../readings and once as one HJ 212 frame per
message on .../hj212, each on a fresh broker; the ratio of the two drain rates.

Prints one JSON line per figure set. Usage: .venv/bin/python bench/hj212.py [--loggers N]
[--frames F] [--window W] [--messages M]
"""

import argparse
import asyncio
import importlib.util
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent

import fleet  # noqa: E402  (bench/fleet.py)

# bench/ingest.py by its path: fleet put the repository first on sys.path, where `ingest` is the
# service's package.
_spec = importlib.util.spec_from_file_location("bench_ingest", Path(__file__).with_name("ingest.py"))
ingest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ingest)

from wastewatch.ingest.broker import PrivateBroker, free_port  # noqa: E402
from wastewatch.ingest.hj212 import frame, upload  # noqa: E402
from wastewatch.ingest.topics import hj212_topic  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
PW = "123456"


def mn(site: int) -> str:
    return f"{site:024d}"


def registered(site: int) -> str:
    return f'hj212_mn = "{mn(site)}"\nhj212_pw = "{PW}"\n'


def data(site: int, when: datetime, n: int) -> bytes:
    cp = (
        f"w00000-Rtd={0.7 + n % 7 / 10},w00000-Flag=N;w01018-Rtd={40 + n % 11},w01018-Flag=N;"
        "w21003-Rtd=5.1,w21003-Flag=N;w21011-Rtd=0.8,w21011-Flag=N;w01001-Rtd=7.2,w01001-Flag=N;SB1-RS=1"
    )
    return frame(upload(when, "2011", mn(site), PW, cp))


def start_service(folder: Path, config: Path, wait_for: str) -> subprocess.Popen:
    log = open(folder / "service.log", "a")
    process = subprocess.Popen(
        [sys.executable, "-m", "wastewatch", "serve", "--config", str(config)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    while wait_for not in (folder / "service.log").read_text():
        if process.poll() is not None:
            raise SystemExit(f"the service exited; see {folder / 'service.log'}")
        time.sleep(0.1)
    return process


async def logger(port: int, frames: list[bytes], window: int, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent: list[float] = []
    done = 0
    buffer = b""

    async def pump() -> None:
        nonlocal done, buffer
        while done < len(frames):
            chunk = await reader.read(65536)
            if not chunk:
                raise ConnectionError(f"closed after {done} replies")
            buffer += chunk
            while (end := buffer.find(b"\r\n")) >= 0:
                buffer = buffer[end + 2 :]
                latencies.append(time.perf_counter() - sent[done])
                done += 1

    replies = asyncio.create_task(pump())
    for n, wire in enumerate(frames):
        while n - done >= window:
            await asyncio.sleep(0.002)
        sent.append(time.perf_counter())
        writer.write(wire)
    await replies
    writer.close()


async def run_loggers(port: int, all_frames: list[list[bytes]], window: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(logger(port, frames, window, latencies) for frames in all_frames))
    return time.perf_counter() - started, latencies


def tcp(folder: Path, loggers: int, frames: int, window: int) -> dict:
    folder.mkdir(parents=True)
    port = free_port()
    with PrivateBroker(folder / "broker") as broker:
        head = (
            f'[service]\ndata_dir = "data"\n[mqtt]\nport = {broker.port}\nclient_id = "bench-hj212"\n'
            f'[alerts]\nenabled = false\n[hj212]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\n'
            f"max_connections = {loggers + 100}\n"
        )
        config = fleet.write_config(folder, head, loggers, ingest.METRICS, site_extra=registered)
        start = datetime.now(TZ).replace(second=0, microsecond=0) - timedelta(days=2)
        wires = [[data(s, start + timedelta(minutes=n), n) for n in range(frames)] for s in range(loggers)]
        process = start_service(folder, config, "HJ 212 loggers: listening")
        elapsed, latencies = asyncio.run(run_loggers(port, wires, window))
        process.terminate()
        process.wait()
    db = sqlite3.connect(folder / "data" / "wastewatch.db")
    stored = db.execute("SELECT COUNT(*) FROM readings").fetchone()[0]
    db.close()
    latencies.sort()
    total = loggers * frames
    return {
        "bench": "hj212_tcp",
        "connections": loggers,
        "frames": total,
        "window": window,
        "replied": len(latencies),
        "stored_readings": stored,
        "frames_per_s": round(total / elapsed),
        "readings_per_s": round(stored / elapsed),
        "p50_reply_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p95_reply_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
        "max_reply_ms": round(latencies[-1] * 1000, 1),
    }


def mqtt_drain(folder: Path, messages: int, sites: int, as_frames: bool) -> float:
    """Seconds the service takes to store a backlog of `messages` from its session."""
    folder.mkdir(parents=True)
    start = datetime.now(TZ).replace(second=0, microsecond=0) - timedelta(days=30)
    with PrivateBroker(folder / "broker") as broker:
        head = (
            f'[service]\ndata_dir = "data"\n[mqtt]\nport = {broker.port}\nclient_id = "bench-service"\n'
            "[alerts]\nenabled = false\n"
        )
        config = fleet.write_config(folder, head, sites, ingest.METRICS, site_extra=registered)
        process = start_service(folder, config, "subscribed")
        process.terminate()
        process.wait()

        def message(n: int) -> tuple[str, bytes]:
            site, when = n % sites, start + timedelta(minutes=n // sites)
            if as_frames:
                return hj212_topic("wastewatch", f"s{site:04d}"), data(site, when, n)
            values = {"flow": 0.7 + n % 7 / 10 * 3.6, "cod": 40 + n % 11, "nh3n": 5.1, "tp": 0.8, "ph": 7.2}
            body = json.dumps({"ts": when.isoformat(), "values": {**values, "pump_state": 1}})
            return f"wastewatch/sites/s{site:04d}/readings", body.encode()

        ingest.publish_messages(broker.port, (message(n) for n in range(messages)))
        db = folder / "data" / "wastewatch.db"
        reader = sqlite3.connect(db)
        wanted = messages * len(ingest.METRICS)
        started = time.perf_counter()
        process = start_service(folder, config, "subscribed")
        while reader.execute("SELECT COUNT(*) FROM readings").fetchone()[0] < wanted:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        process.terminate()
        process.wait()
        reader.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loggers", type=int, default=2000)
    parser.add_argument("--frames", type=int, default=15, help="frames each logger sends")
    parser.add_argument("--window", type=int, default=5, help="frames each logger keeps in flight")
    parser.add_argument("--messages", type=int, default=60_000, help="MQTT backlog size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ww-bench-hj212-") as tmp:
        folder = Path(tmp)
        print(json.dumps(tcp(folder / "tcp", args.loggers, args.frames, args.window)), flush=True)
        json_s = mqtt_drain(folder / "json", args.messages, 500, as_frames=False)
        frames_s = mqtt_drain(folder / "frames", args.messages, 500, as_frames=True)
    print(
        json.dumps(
            {
                "bench": "hj212_mqtt_drain",
                "messages": args.messages,
                "json_messages_per_s": round(args.messages / json_s),
                "hj212_messages_per_s": round(args.messages / frames_s),
                "ratio": round(json_s / frames_s, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
