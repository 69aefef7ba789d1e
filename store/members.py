"""Which instances share the stream, and which of them are down: for taking over a dead
member's MQTT session (ingest/rescue.py).

Every instance of a share group registers its MQTT client id here and holds a session-level
advisory lock on it, on a connection of its own, for as long as it runs. The server frees the
lock the moment that connection ends (a stop, a kill -9, a crash; a network cut once the TCP
keepalives give up), so "its lock can be taken" means "that instance is not running". The
instance that takes it holds it while it empties the member's session, and an instance coming
back waits for its own lock before it connects to the broker: the two never hold one session
at once.
"""

import logging
import time
from typing import Any

from .leader import libpq_url, lock_holder
from .postgres import DDL_LOCK

log = logging.getLogger("wastewatch.store")

# The advisory locks' first key ("wwmb"); the second is the client id's hash.
MEMBER_LOCKS = 0x77776D62
SCHEMA = """
CREATE SCHEMA IF NOT EXISTS store;
CREATE TABLE IF NOT EXISTS store.members (
    client_id text PRIMARY KEY,
    share_group text NOT NULL,
    joined_at bigint NOT NULL
);
"""


class Membership:
    def __init__(self, url: str, client_id: str, group: str):
        """url: the PostgreSQL database the instances share; client_id: this instance's."""
        self.url = libpq_url(url)
        self.client_id, self.group = client_id, group
        self._db: Any = None  # a psycopg connection, as in leader.py
        self._holding: set[str] = set()  # others' locks, taken to empty their sessions

    def _key(self, client_id: str) -> tuple:
        return (MEMBER_LOCKS, client_id)

    def join(self, timeout: float = 300.0) -> None:
        """Take this instance's own lock (waiting while another instance empties its session)
        and register it."""
        self._connect()
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            self._db.execute(SCHEMA)
        deadline, said = time.monotonic() + timeout, False
        while not self._try(self.client_id):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"another instance has held {self.client_id}'s session for {timeout:.0f} s"
                )
            if not said:
                log.info("members: waiting while another instance empties %s's MQTT session", self.client_id)
                said = True
            time.sleep(0.5)
        self._db.execute(
            "INSERT INTO store.members (client_id, share_group, joined_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (client_id) DO UPDATE SET share_group = excluded.share_group, "
            "joined_at = excluded.joined_at",
            (self.client_id, self.group, int(time.time())),
        )

    def _connect(self) -> None:
        self._db = lock_holder(self.url, f"member {self.client_id}")

    def keep(self) -> None:
        """Make sure this instance still holds its own lock: a connection lost (a database
        restart, a network cut) freed it, and the others would take this instance for dead."""
        try:
            self._db.execute("SELECT 1")
            return
        except Exception:  # noqa: BLE001 — whatever broke it, a new connection is the answer
            pass
        log.warning(
            "members: the connection holding %s's lock was lost; taking the lock again", self.client_id
        )
        self._holding.clear()
        self._connect()
        if not self._try(self.client_id):
            log.warning(
                "members: another instance is emptying %s's session; it ends when the broker "
                "hands the session back",
                self.client_id,
            )

    def _try(self, client_id: str) -> bool:
        classid, name = self._key(client_id)
        return self._db.execute(
            "SELECT pg_try_advisory_lock(%s::integer, hashtext(%s))", (classid, name)
        ).fetchone()[0]

    def _unlock(self, client_id: str) -> None:
        classid, name = self._key(client_id)
        self._db.execute("SELECT pg_advisory_unlock(%s::integer, hashtext(%s))", (classid, name))

    def absent(self) -> list[str]:
        """The other registered members of the group that are not running, each now locked by
        this instance until rescued() or let_go()."""
        found = []
        rows = self._db.execute(
            "SELECT client_id FROM store.members WHERE share_group = %s AND client_id <> %s "
            "ORDER BY client_id",
            (self.group, self.client_id),
        ).fetchall()
        for (client_id,) in rows:
            if client_id not in self._holding and self._try(client_id):
                self._holding.add(client_id)
                found.append(client_id)
        return found

    def let_go(self, client_id: str) -> None:
        """Give a member's lock back without changing anything (not rescued this time)."""
        if client_id in self._holding:
            self._holding.discard(client_id)
            self._unlock(client_id)

    def rescued(self, client_id: str) -> None:
        """Its session is emptied and ended: forget the member (it registers again if it
        comes back) and give its lock back."""
        self._db.execute("DELETE FROM store.members WHERE client_id = %s", (client_id,))
        self.let_go(client_id)

    def close(self) -> None:
        """Leave: every lock this instance holds is given back before the connection closes,
        so another member sees it down at its next check (a closed connection's locks go only
        once the server's backend has exited, a moment later — the leader's gap, found again
        here by a CI run)."""
        if self._db is not None:
            try:
                self._db.execute("SELECT pg_advisory_unlock_all()")
            except Exception:  # noqa: BLE001 — a broken connection frees them when it goes
                pass
            self._db.close()
            self._db = None
        self._holding.clear()
