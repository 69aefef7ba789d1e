"""`wastewatch import`: readings from CSV (site,metric,ts,value[,flag]), JSON Lines, or an HJ 212
logger's dump of frames.

The same validation as MQTT (a JSON Lines line is a payload object plus its "site"), and the
same rejection records, with the line number as the item. Lines are committed in chunks; a
chunk the store refuses for a reason of its own data is split until the line at fault is
found, and that line is recorded as a rejection with the error, so good lines are stored
whatever a bad one holds. A store that refuses everything (disk full) stops the import with
what was committed kept: importing the file again stores only what is missing.
"""

import csv
import time
from pathlib import Path
from typing import Iterator

from wastewatch.config import Config
from wastewatch.config.text import storable
from wastewatch.store import Rejection, Store, StoreUnavailable, WriteResult
from wastewatch.store.base import ReadingRow

from .decode import Decoder, excerpt, json_problem, loads
from .hj212 import Framer
from .hj212_data import Decoded, LoggerDecoder

CSV_COLUMNS = ["site", "metric", "ts", "value", "flag"]
# Header names a county's spreadsheet may use, English or Chinese, for each column. With a
# header row the columns may come in any order.
HEADERS = {
    "site": ("site", "site_id", "站点", "站点编号", "站点代码"),
    "metric": ("metric", "指标", "监测指标", "监测项目", "项目", "因子", "监测因子"),
    "ts": ("ts", "time", "timestamp", "时间", "监测时间", "采样时间", "数据时间"),
    "value": ("value", "数值", "监测值", "值", "浓度"),
    "flag": ("flag", "标志", "标记", "数据标记", "数据标识", "数据标志"),
}
_HEADER = {name.lower(): column for column, names in HEADERS.items() for name in names}
CHUNK = 5000

# One line's (or frame's) outcome: its number, raw text, readings, rejections and logger values
# (and for a frame, the codes it recorded once).
Line = tuple
FORMATS = ("csv", "jsonl", "hj212")


def import_file(
    config: Config, store: Store, path: Path, now: float | None = None, format: str | None = None
) -> WriteResult:
    """`format`: csv, jsonl or hj212; None chooses by the file's suffix (.jsonl/.ndjson, else CSV)."""
    now = time.time() if now is None else now
    source = f"import:{path.name}"
    if format == "hj212":
        return _import_frames(config, store, path, now, source)
    decoder = Decoder(config, source=source)
    items = (
        _jsonl_items(path, source)
        if format == "jsonl" or format is None and path.suffix.lower() in (".jsonl", ".ndjson")
        else _csv_items(path, source)
    )
    totals = [0, 0, 0]
    chunk: list[Line] = []
    size = 0

    def flush() -> None:
        _add(totals, _commit(store, chunk, int(now), source))
        chunk.clear()

    for line, text, item in items:
        readings: list[ReadingRow] = []
        rejections: list[Rejection] = []
        if isinstance(item, Rejection):
            rejections.append(item)
        else:
            decoder.item(item, None, now, readings, rejections, index=line)
        chunk.append((line, text, readings, rejections, []))
        size += len(readings) + len(rejections)
        if size >= CHUNK:
            flush()
            size = 0
    flush()
    return WriteResult(totals[0], totals[1], totals[2])


def _import_frames(config: Config, store: Store, path: Path, now: float, source: str) -> WriteResult:
    """A logger's dump: any bytes, cut into frames as the listener does (garbage between
    frames becomes a rejection), each frame checked for its MN and PW like a live one."""
    decoder = LoggerDecoder(config, source=source)
    framer = Framer()
    totals = [0, 0, 0]
    chunk: list[Line] = []
    number = 0

    def flush() -> None:
        _add(totals, _commit(store, chunk, int(now), source))
        for line in chunk:
            decoder.noted |= line[5]
        chunk.clear()

    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            for item in framer.feed(block):
                number += 1
                out = Decoded()
                decoder.item(item, "", None, now, out)
                text = item if isinstance(item, str) else item.raw.decode("ascii", errors="backslashreplace")
                chunk.append((number, text, out.readings, out.rejections, out.values, out.notes))
                if len(chunk) >= CHUNK // 10:
                    flush()
    rest = framer.rest()
    if rest:
        chunk.append(
            (number + 1, "", [], [Rejection(source, "file ends inside a frame", excerpt(rest))], [], set())
        )
    flush()
    return WriteResult(totals[0], totals[1], totals[2])


def _add(totals: list[int], counts) -> None:
    for i, n in enumerate(counts):
        totals[i] += n


def _commit(store: Store, lines: list[Line], received_at: int, source: str) -> list[int]:
    """Commit the lines in one transaction, or, when that fails for a reason other than the
    store's, in halves down to the line at fault, which becomes a rejection."""
    if not lines:
        return [0, 0, 0]
    try:
        result = store.write(
            [r for line in lines for r in line[2]],
            [r for line in lines for r in line[3]],
            received_at=received_at,
            logger_values=[v for line in lines for v in line[4]],
        )
        return [result.inserted, result.duplicates, result.rejections]
    except StoreUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 — isolated below; the error is kept with the line
        if len(lines) > 1:
            half = len(lines) // 2
            return [
                a + b
                for a, b in zip(
                    _commit(store, lines[:half], received_at, source),
                    _commit(store, lines[half:], received_at, source),
                )
            ]
        number, text = lines[0][:2]
        reason = f"line could not be stored ({exc.__class__.__name__}: {exc})"
        result = store.write([], [Rejection(source, reason, text, item=number)], received_at=received_at)
        return [result.inserted, result.duplicates, result.rejections]


def _csv_items(path: Path, source: str) -> Iterator[tuple[int, str, object]]:
    order = CSV_COLUMNS
    # surrogateescape: a line that is not UTF-8 is rejected alone, not the file.
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            text = ",".join(row)
            if not row:
                continue
            header = _header(row) if line == 1 else None
            if header is not None:
                order = header
                continue
            if storable(text) != text:
                yield line, text, Rejection(source, "line is not UTF-8 text", text, item=line)
            elif line == 1 and all(isinstance(_number(c), str) for c in row):
                yield (
                    line,
                    text,
                    Rejection(
                        source,
                        "a header row names the columns site/站点, metric/指标, ts/时间, "
                        + "value/数值[, flag/标志]",
                        text,
                        item=line,
                    ),
                )
            elif not (len(row) == len(order) or (len(row) == len(order) - 1 and order[-1] == "flag")):
                yield (
                    line,
                    text,
                    Rejection(source, "a line must be site,metric,ts,value[,flag]", text, item=line),
                )
            else:
                cells = dict(zip(order, (c.strip() for c in row)))
                metric, flag = cells["metric"], cells.get("flag") or "N"
                yield (
                    line,
                    text,
                    {
                        "site": cells["site"],
                        "ts": cells["ts"],
                        "values": {metric: _number(cells["value"])},
                        "flags": {metric: flag},
                    },
                )


def _header(row: list[str]) -> list[str] | None:
    """The columns a header row names, or None when the row is not a header we understand."""
    columns = [_HEADER.get(c.strip().lower()) for c in row]
    named = [c for c in columns if c is not None]
    if len(named) != len(columns) or len(set(named)) != len(named) or not set(CSV_COLUMNS[:4]) <= set(named):
        return None
    return named


def _jsonl_items(path: Path, source: str) -> Iterator[tuple[int, str, object]]:
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for line, text in enumerate(handle, start=1):
            text = text.rstrip("\n")
            if not text.strip():
                continue
            if storable(text) != text:
                yield line, text, Rejection(source, "line is not UTF-8 text", text, item=line)
                continue
            try:
                yield line, text, loads(text)
            except (ValueError, RecursionError) as exc:
                yield (
                    line,
                    text,
                    Rejection(source, json_problem(exc).replace("payload", "line", 1), text, item=line),
                )


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text  # the decoder rejects it with the usual reason
