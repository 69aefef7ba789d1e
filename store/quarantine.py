"""The quarantine table of the SQLite store: messages it could not commit, kept raw.

A module of its own to keep `sqlite.py` to the readings; SQLiteStore inherits these methods,
so the store stays the table's one owner, on its one connection and lock.
"""

import sqlite3
import threading

from wastewatch.config.text import storable

from .base import Quarantined
from .files import unavailable

SCHEMA = """
-- Messages the store could not commit after repeated attempts, kept raw with the error so
-- that they never block the others and can be replayed once the cause is fixed.
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    topic TEXT NOT NULL DEFAULT '',
    site_id TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL,
    payload BLOB NOT NULL,
    replayed_at INTEGER
);
CREATE INDEX IF NOT EXISTS quarantine_site ON quarantine (site_id, id);
"""


class QuarantineTable:
    _db: sqlite3.Connection
    _lock: threading.Lock

    def quarantine(
        self, source: str, topic: str, site_id: str, payload: bytes, error: str, received_at: int
    ) -> int:
        """Keep a message that could not be committed, raw, with the error; returns its id."""
        with self._lock:
            try:
                return self._db.execute(
                    "INSERT INTO quarantine (received_at, source, topic, site_id, error, payload) "
                    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    # The error quotes the payload it met, lone surrogates and all.
                    (received_at, source, storable(topic), site_id, storable(error), bytes(payload)),
                ).fetchone()[0]
            except sqlite3.Error as exc:
                problem = unavailable(exc)
                if problem is not None:
                    raise problem from exc
                raise

    def quarantined(
        self, after_id: int = 0, limit: int = 100, pending_only: bool = False
    ) -> list[Quarantined]:
        """Quarantined messages with id > after_id, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, received_at, source, topic, site_id, error, payload, replayed_at FROM quarantine "
                f"WHERE id > ? {'AND replayed_at IS NULL' if pending_only else ''} ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [Quarantined(*row) for row in rows]

    def last_quarantine_id(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COALESCE(MAX(id), 0) FROM quarantine").fetchone()[0]

    def quarantine_summary(self, site_id: str, after_id: int) -> tuple[int, int, int, str]:
        """(count, newest id, newest received_at, newest error) of the site's quarantined
        messages with id > after_id; count 0 when there are none."""
        with self._lock:
            count, last_id = self._db.execute(
                "SELECT COUNT(*), MAX(id) FROM quarantine WHERE site_id = ? AND id > ?", (site_id, after_id)
            ).fetchone()
            if not count:
                return 0, after_id, 0, ""
            received_at, error = self._db.execute(
                "SELECT received_at, error FROM quarantine WHERE id = ?", (last_id,)
            ).fetchone()
        return count, last_id, received_at, error

    def mark_replayed(self, quarantine_id: int, at: int) -> None:
        with self._lock:
            self._db.execute("UPDATE quarantine SET replayed_at = ? WHERE id = ?", (at, quarantine_id))
