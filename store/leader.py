"""Which service instance runs the scheduled jobs: one leader at a time, elected by the database.

On PostgreSQL the leader is the instance whose own connection holds a session-level advisory
lock. The server lets go of it the moment that connection ends: at a clean exit, at a kill -9
(the kernel closes the socket), or, when the network goes instead, once TCP keepalives give up
(about 8 s with the settings below). The others try to take it at every check, so a killed
leader is replaced within one check interval. A leader that finds its connection gone steps
down before it runs anything more.

With the embedded SQLite file there is one instance, and it leads.
"""

import logging
import threading
from typing import Any

log = logging.getLogger("wastewatch.store")

# The advisory lock's key ("wwld" in ASCII): apart from WRITER_LOCK and the DDL lock.
LEADER_LOCK = 0x77776C64
# Keepalives on the leader's connection: a leader cut off by the network is noticed by the
# server after idle + interval × count seconds, and its lock freed.
KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 4,
    "keepalives_interval": 1,
    "keepalives_count": 4,
}


def libpq_url(url: str) -> str:
    """A libpq URL from the config's (SQLAlchemy's postgresql+psycopg:// is accepted too)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def lock_holder(url: str, name: str):
    """A connection of its own to hold a session-level advisory lock, named in pg_stat_activity,
    with the keepalives that free the lock when the network, not the process, goes."""
    import psycopg  # installed with the postgresql extra, the only case that gets here

    return psycopg.connect(url, autocommit=True, application_name=f"wastewatch {name}", **KEEPALIVES)


class Leadership:
    def __init__(self, url: str | None, name: str):
        """url: the PostgreSQL URL of the state database, or None (SQLite: always the leader).
        name: this instance's, shown in pg_stat_activity and the log."""
        self.url = None if url is None else libpq_url(url)
        self.name = name
        # A psycopg connection (psycopg is imported only where PostgreSQL is used).
        self._db: Any = None
        self._held = self.url is None
        self._lock = threading.Lock()

    def leads(self) -> bool:
        """True while this instance is the leader; takes the leadership when it is free."""
        if self.url is None:
            return True
        with self._lock:
            was = self._held
            try:
                if self._db is None or self._db.closed or self._db.broken:
                    self._db, self._held = lock_holder(self.url, self.name), False
                if self._held:
                    self._db.execute("SELECT 1")  # still connected: still holding it
                else:
                    self._held = self._db.execute(
                        "SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)
                    ).fetchone()[0]
            except Exception as exc:  # noqa: BLE001 — any failure here means: not the leader
                self._drop()
                if was:
                    log.warning("leader: %s lost the leadership (%s)", self.name, str(exc).strip())
                return False
            if self._held != was:
                log.info(
                    "leader: %s %s",
                    self.name,
                    "runs the scheduled jobs" if self._held else "no longer runs the scheduled jobs",
                )
            return self._held

    def _drop(self) -> None:
        self._held = False
        if self._db is not None:
            try:
                self._db.close()
            except Exception:  # noqa: BLE001 — closing a broken connection may fail too
                pass
            self._db = None

    def close(self) -> None:
        """Give the leadership up: unlocked before the connection closes, so that another
        instance can take it at once (a closed connection's lock goes only once the server's
        backend has exited, a moment later; a parallel test run found the gap)."""
        if self.url is None:
            return
        with self._lock:
            if self._held and self._db is not None:
                try:
                    self._db.execute("SELECT pg_advisory_unlock(%s)", (LEADER_LOCK,))
                except Exception:  # noqa: BLE001 — a broken connection frees it when it goes
                    pass
            self._drop()
