"""The county's administrative villages (行政村), read from `inventory.villages_csv`.

The treatment coverage (治理率) is villages whose sewage is treated ÷ all villages, so it needs
every village, with or without a facility. A village counts as treated when a configured site
names it (same town and village), or when its row says how it is treated otherwise — for
example piped to the town's plant (纳管) — in `treated_by`.

Columns, in any order, in English or Chinese: town (乡镇), village (行政村), and optionally
treated_by (其他治理方式).
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

COLUMNS = {"town": "乡镇", "village": "行政村", "treated_by": "其他治理方式"}


@dataclass(frozen=True)
class Village:
    town: str
    name: str
    treated_by: str = ""  # how it is treated without a site of ours, or ""


def read_villages(path: Path) -> tuple[Village, ...]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found (named by inventory.villages_csv)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot be read as UTF-8 CSV ({exc})") from None
    if not rows:
        raise ConfigError(path, "header", "the file is empty; expected the columns town,village[,treated_by]")
    names = {english: english for english in COLUMNS} | {zh: english for english, zh in COLUMNS.items()}
    header = [names.get(cell.strip()) for cell in rows[0]]
    for cell, known in zip(rows[0], header):
        if known is None:
            allowed = ", ".join(f"{e} ({z})" for e, z in COLUMNS.items())
            raise ConfigError(path, "header", f"unknown column {cell.strip()!r}; allowed: {allowed}")
    for needed in ("town", "village"):
        if needed not in header:
            raise ConfigError(path, "header", f"missing the column {needed} ({COLUMNS[needed]})")
    villages, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise ConfigError(path, f"row {number}", "has more cells than the header has columns")
        cells = {column: cell.strip() for column, cell in zip(header, row)}
        for needed in ("town", "village"):
            if not cells.get(needed):
                raise ConfigError(path, f"row {number}, {needed}", "must not be empty")
        key = (cells["town"], cells["village"])
        if key in seen:
            raise ConfigError(path, f"row {number}", f"{key[0]} {key[1]} is listed twice")
        seen.add(key)
        villages.append(Village(cells["town"], cells["village"], cells.get("treated_by", "")))
    return tuple(villages)
