"""The queue of readings waiting to be copied to InfluxDB ([influxdb] mode = "mirror").

Each reading the store keeps is queued as its line-protocol line in the same transaction that
stores it: a reading acknowledged to the broker is then in the queue too, whatever happens
after. The mirror (store/mirror.py) claims a chunk for a while (a lease, so several instances
on one PostgreSQL database do not send the same chunk at once, and a chunk whose sender died
is claimed again when the lease runs out), and deletes it once InfluxDB has taken it. An
InfluxDB outage only lengthens the queue; `wastewatch summary` shows how long it is.
"""

import sqlite3
import threading
from typing import Any, Callable

from .influx import Lines

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS mirror_queue (
    id INTEGER PRIMARY KEY,
    line TEXT NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0
);
"""
POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS mirror_queue (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line text NOT NULL,
    claimed_until bigint NOT NULL DEFAULT 0
);
"""


class SQLiteMirrorQueue:
    """The queue on the SQLite store's connection and lock."""

    # Given by the store this is mixed into (store/sqlite.py).
    _db: sqlite3.Connection
    _lock: threading.Lock
    _lines: Lines | None  # set when the mirror is on, the only time these are called

    def _insert_kept(self, rows: list) -> list:
        """Insert a batch's sorted (series, ts, value, flag, received_at) rows into the readings,
        inside the write's transaction, and return those the store kept: through a temporary
        table and one INSERT … RETURNING, as on PostgreSQL (executemany discards what RETURNING
        says). Only with the mirror on: a reading sent again must not be queued again, nor
        with another value replace the first in InfluxDB."""
        self._db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS incoming "
            "(series INTEGER, ts INTEGER, value REAL, flag TEXT, received_at INTEGER)"
        )
        self._db.executemany("INSERT INTO temp.incoming VALUES (?, ?, ?, ?, ?)", rows)
        # Of two readings of one time in a batch, the first in sort order, as executemany keeps.
        kept = self._db.execute(
            "INSERT INTO readings (series, ts, value, flag, received_at) SELECT * FROM temp.incoming "
            "WHERE true ORDER BY series, ts, value, flag, received_at ON CONFLICT DO NOTHING "
            "RETURNING series, ts, value, flag"
        ).fetchall()
        self._db.execute("DELETE FROM temp.incoming")
        return kept

    def _queue(self, names: dict[int, tuple[str, str]], rows: list) -> None:
        """Queue the lines of (series, ts, value, flag, …) rows inside the write's transaction.
        names: {series: (site, metric)}."""
        assert self._lines is not None
        line = self._lines.line
        self._db.executemany(
            "INSERT INTO mirror_queue (line) VALUES (?)",
            [(line(*names[series], ts, value, flag),) for series, ts, value, flag, *_ in rows],
        )

    def mirror_claim(self, limit: int, now: int, lease_s: int) -> list[tuple[int, str]]:
        """Up to `limit` queued lines not claimed by anyone (or whose claim ran out), oldest
        first, claimed until now + lease_s: (id, line)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                rows = self._db.execute(
                    "UPDATE mirror_queue SET claimed_until = ? WHERE id IN ("
                    "SELECT id FROM mirror_queue WHERE claimed_until <= ? ORDER BY id LIMIT ?) "
                    "RETURNING id, line",
                    (now + lease_s, now, limit),
                ).fetchall()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return sorted(rows)

    def mirror_release(self, ids: list[int], until: int) -> None:
        """A chunk InfluxDB refused: claimable again from `until` (the retry's backoff)."""
        with self._lock:
            self._db.executemany(
                "UPDATE mirror_queue SET claimed_until = ? WHERE id = ?", [(until, i) for i in ids]
            )

    def mirror_done(self, ids: list[int]) -> None:
        """A chunk InfluxDB has taken."""
        with self._lock:
            self._db.executemany("DELETE FROM mirror_queue WHERE id = ?", [(i,) for i in ids])

    def mirror_backlog(self) -> tuple[int, int | None]:
        """(lines waiting, id of the oldest or None)."""
        with self._lock:
            return tuple(self._db.execute("SELECT COUNT(*), MIN(id) FROM mirror_queue").fetchone())


class PostgresMirrorQueue:
    """The queue in the PostgreSQL store's schema."""

    # Given by the store this is mixed into (store/postgres.py).
    _lock: threading.Lock
    _lines: Lines | None  # set when the mirror is on, the only time these are called
    _rows: Callable[..., list]
    _usable: Callable[[], Any]

    def _queue_new(self, cur, names: dict[int, tuple[str, str]], new: list) -> None:
        """Queue the lines of the readings an INSERT … RETURNING said were new."""
        assert self._lines is not None
        line = self._lines.line
        with cur.copy("COPY mirror_queue (line) FROM STDIN") as copy:
            for series, ts, value, flag in new:
                copy.write_row((line(*names[series], ts, value, flag),))

    def mirror_claim(self, limit: int, now: int, lease_s: int) -> list[tuple[int, str]]:
        # SKIP LOCKED: instances claiming at the same moment take different chunks.
        rows = self._rows(
            "UPDATE mirror_queue SET claimed_until = %s WHERE id IN ("
            "SELECT id FROM mirror_queue WHERE claimed_until <= %s ORDER BY id LIMIT %s "
            "FOR UPDATE SKIP LOCKED) RETURNING id, line",
            (now + lease_s, now, limit),
        )
        return sorted(rows)

    def mirror_release(self, ids: list[int], until: int) -> None:
        with self._lock:
            self._usable().execute(
                "UPDATE mirror_queue SET claimed_until = %s WHERE id = ANY(%s)", (until, ids)
            )

    def mirror_done(self, ids: list[int]) -> None:
        with self._lock:
            self._usable().execute("DELETE FROM mirror_queue WHERE id = ANY(%s)", (ids,))

    def mirror_backlog(self) -> tuple[int, int | None]:
        return tuple(self._rows("SELECT COUNT(*), MIN(id) FROM mirror_queue")[0])
