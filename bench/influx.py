"""The InfluxDB mirror's costs that need no InfluxDB server.

1. Line protocol: the lines of 300,000 readings built by store/influx.py's `Lines` and by
   influxdb-client's `Point` objects (`.tag().field().time().to_line_protocol()`), the same
   text (tests/store/test_influx.py checks it), in lines per second.
2. The queue's cost on ingest: bench/ingest.py's backlog drain with [influxdb] mode = "mirror"
   against an address where nothing listens (so every line stays queued, the worst case for
   the store) and without it, into SQLite and into PostgreSQL, in the same run.

Sending to a real InfluxDB is not measured here: no InfluxDB 2.x server can be installed on
this machine (docs/administrators/limitations.md).

Prints one JSON line per figure. Usage: .venv/bin/python bench/influx.py [--messages N]
[--sites N] [--skip lines,drain]
"""

import argparse
import importlib.util
import json
import random
import tempfile
import time
from pathlib import Path

import fleet  # noqa: F401  (bench/fleet.py: the repository on the path)

READINGS = 300_000


def readings(count: int) -> list[tuple]:
    rng = random.Random(1)
    start = 1_790_784_000
    metrics = ("flow", "cod", "nh3n", "tp", "ph", "pump_state")
    return [
        (f"s{n % 2000:04d}", metrics[n % 6], start + 300 * (n // 12000), round(rng.uniform(0, 100), 2), "N")
        for n in range(count)
    ]


def lines_figure() -> None:
    from influxdb_client import Point, WritePrecision

    from wastewatch.store.influx import Lines

    rows = readings(READINGS)
    timings = {}
    for name in ("lines", "point"):
        best = None
        for _ in range(3):
            started = time.perf_counter()
            if name == "lines":
                line = Lines("readings").line
                out = [line(*row) for row in rows]
            else:
                out = [
                    Point("readings")
                    .tag("site", site)
                    .tag("metric", metric)
                    .field("value", value)
                    .field("flag", flag)
                    .time(ts, WritePrecision.S)
                    .to_line_protocol()
                    for site, metric, ts, value, flag in rows
                ]
            seconds = time.perf_counter() - started
            best = seconds if best is None else min(best, seconds)
        timings[name] = (best, out)
    assert timings["lines"][1] == timings["point"][1]  # the same text
    print(
        json.dumps(
            {
                "figure": "influx_line_protocol",
                "readings": READINGS,
                "lines_per_s": round(READINGS / timings["lines"][0]),
                "point_per_s": round(READINGS / timings["point"][0]),
                "ratio": round(timings["point"][0] / timings["lines"][0], 1),
                "same_text": True,
            }
        ),
        flush=True,
    )


def drain_figure(messages: int, sites: int) -> None:
    from wastewatch.ingest.broker import PrivateBroker, free_port

    spec = importlib.util.spec_from_file_location("bench_ingest", Path(__file__).parent / "ingest.py")
    drain = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(drain)
    mirror = (
        f'[influxdb]\nmode = "mirror"\nurl = "http://127.0.0.1:{free_port()}"\norg = "o"\nbucket = "b"\n'
        'token = "t"\n'
    )
    readings_count = messages * len(drain.METRICS)
    with tempfile.TemporaryDirectory(prefix="ww-bench-influx-") as tmp:
        for kind in ("sqlite", "postgresql"):
            rates = {}
            for name, extra in (("without", ""), ("with", mirror)):
                with (
                    PrivateBroker(Path(tmp) / f"broker-{kind}-{name}") as broker,
                    fleet.state_databases(kind, 1) as (url,),
                ):
                    found = drain.service_drain(
                        Path(tmp) / f"{kind}-{name}", broker, messages, sites, url, extra
                    )
                rates[name] = readings_count / found["drain_s"]
            print(
                json.dumps(
                    {
                        "figure": "influx_mirror_queue_cost",
                        "store": kind,
                        "messages": messages,
                        "sites": sites,
                        "readings_per_s_without_mirror": round(rates["without"]),
                        "readings_per_s_with_mirror": round(rates["with"]),
                        "ratio": round(rates["with"] / rates["without"], 2),
                    }
                ),
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--skip", default="", help="parts to leave out: lines, drain")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if "lines" not in skip:
        lines_figure()
    if "drain" not in skip:
        drain_figure(args.messages, args.sites)


if __name__ == "__main__":
    main()
