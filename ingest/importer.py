"""`wastewatch import`: readings from CSV (site,metric,ts,value[,flag]) or JSON Lines.

The same validation as MQTT (a JSON Lines line is a payload object plus its "site"), and the
same rejection records, with the line number as the item.
"""

import csv
import json
import time
from pathlib import Path
from typing import Iterator

from config import Config
from store import Rejection, Store, WriteResult

from .decode import Decoder

CSV_COLUMNS = ["site", "metric", "ts", "value", "flag"]
CHUNK = 5000


def import_file(config: Config, store: Store, path: Path, now: float | None = None) -> WriteResult:
    now = time.time() if now is None else now
    decoder = Decoder(config, source=f"import:{path.name}")
    items = _jsonl_items(path) if path.suffix.lower() in (".jsonl", ".ndjson") else _csv_items(path)
    totals = [0, 0, 0]
    readings, rejections = [], []

    def flush() -> None:
        result = store.write(readings, rejections, received_at=int(now))
        for i, n in enumerate(result):
            totals[i] += n
        readings.clear()
        rejections.clear()

    for line, item in items:
        if isinstance(item, Rejection):
            rejections.append(item)
        else:
            decoder.item(item, None, now, readings, rejections, index=line)
        if len(readings) + len(rejections) >= CHUNK:
            flush()
    flush()
    return WriteResult(*totals)


def _csv_items(path: Path) -> Iterator[tuple[int, object]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            if not row or (line == 1 and [c.strip().lower() for c in row] == CSV_COLUMNS[:len(row)]):
                continue
            if len(row) not in (4, 5):
                yield line, Rejection(f"import:{path.name}", "a line must be site,metric,ts,value[,flag]",
                                      ",".join(row), item=line)
                continue
            site, metric, ts, value = (c.strip() for c in row[:4])
            flag = row[4].strip() if len(row) == 5 and row[4].strip() else "N"
            yield line, {"site": site, "ts": ts, "values": {metric: _number(value)}, "flags": {metric: flag}}


def _jsonl_items(path: Path) -> Iterator[tuple[int, object]]:
    with open(path, encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                yield line, json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, Rejection(f"import:{path.name}", f"line is not JSON ({exc})",
                                      text.rstrip("\n"), item=line)


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # the decoder rejects it with the usual reason
