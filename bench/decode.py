"""Payload decoding alone: how many typical MQTT messages per second one core turns into readings.

The decoder runs in the writer process for every message; its checks (duplicate keys, number
sizes, time horizon) must stay cheap next to paho's parsing (bench/ingest.py). Decodes N
messages of six metrics each (one timestamp, 500 sites), best of R runs; prints one JSON line.
Usage: .venv/bin/python bench/decode.py [--messages N] [--repeat R]
"""

import argparse
import json
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

import fleet  # noqa: E402  (bench/fleet.py)

from wastewatch.config import load_config  # noqa: E402
from wastewatch.ingest.decode import Decoder  # noqa: E402
from wastewatch.ingest.topics import readings_topic  # noqa: E402

METRICS = ("flow", "cod", "nh3n", "tp", "ph", "pump_state")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = fleet.write_config(Path(tmp), '[service]\ndata_dir = "data"\n', args.sites, metrics=METRICS)
        config = load_config(path)
    decoder = Decoder(config)
    start = datetime(2026, 10, 1, tzinfo=timezone(timedelta(hours=8)))
    now = (start + timedelta(days=30)).timestamp()
    messages = []
    for n in range(args.messages):
        site = config.sites[n % len(config.sites)].id
        ts = (start + timedelta(minutes=n // len(config.sites))).isoformat()
        body = {"ts": ts, "values": {m: round(10 + (n % 97) * 0.1, 2) for m in METRICS}}
        messages.append((readings_topic("wastewatch", site), site, json.dumps(body).encode()))
    runs = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        count = 0
        for topic, site, payload in messages:
            readings, rejections = decoder.message(topic, site, payload, now)
            count += len(readings)
        runs.append(time.perf_counter() - began)
        assert count == len(messages) * len(METRICS) and not rejections
    best = min(runs)
    print(
        json.dumps(
            {
                "figure": "decode_messages_per_s",
                "value": round(len(messages) / best),
                "readings_per_s": round(count / best),
                "messages": len(messages),
                "runs_s": [round(r, 3) for r in runs],
            }
        )
    )


if __name__ == "__main__":
    main()
