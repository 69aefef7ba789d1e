"""The persistent outbox: every email and chat message is a row first, and leaves only
through `Sender`.

A message is rendered once, stored in full, and sent by whichever sender claims it. The claim
is a conditional UPDATE inside an IMMEDIATE transaction, so two senders (or a sender and a
restarted one) never both take the same row. A failed attempt keeps the row pending with
exponential back-off and its error stored for `wastewatch outbox list`; an SMTP outage only
delays email. A 5xx answer marks the row failed (shown, never deleted; `outbox retry` requeues).

A chat message is claimed only within its channel's budget (channels.py counts every request):
with no room left it is put off until a place frees, and the minute's last place carries one
digest of everything waiting for that channel (fold.py), each row kept as `folded` with the
digest that carries it.

A crash after the far side accepted a message but before the row says so sends it again once
the claim expires: at least once, by design — the window is one round trip.
"""

import json
import logging
import math
import os
import socket
import time
from email.message import EmailMessage
from email.policy import SMTP
from typing import Callable

from wastewatch.config import Config
from wastewatch.store.state import State, transaction

from . import channels, fold
from .transports import TransportError
from .transports.email import send

log = logging.getLogger("wastewatch.outbox")


def enqueue(db: State, kind: str, ref: str, recipients: list[str], message: EmailMessage, now: int) -> int:
    # next_attempt_at 0: due at once, whatever the sender's clock says.
    return db.execute(
        "INSERT INTO outbox (kind, ref, recipients, subject, message, created_at, next_attempt_at) "
        "VALUES (:kind, :ref, :recipients, :subject, :message, :now, 0) RETURNING id",
        {
            "kind": kind,
            "ref": ref,
            "recipients": json.dumps(list(recipients)),
            "subject": str(message["Subject"]),
            # CRLF line ends, as SMTP wants: smtplib sends bytes as they are.
            "message": message.as_bytes(policy=SMTP),
            "now": now,
        },
    ).scalar()


def enqueue_chat(db: State, kind: str, ref: str, channel: str, title: str, body: dict, now: int) -> int:
    """A message for a channel ([[channels]] id): the platform's JSON body, stored whole as an
    email is, and sent by the same senders with the same retries."""
    return db.execute(
        "INSERT INTO outbox (kind, ref, recipients, subject, message, created_at, next_attempt_at, channel) "
        "VALUES (:kind, :ref, '[]', :subject, :message, :now, 0, :channel) RETURNING id",
        {
            "kind": kind,
            "ref": ref,
            "subject": title,
            "message": json.dumps(body, ensure_ascii=False).encode("utf-8"),
            "now": now,
            "channel": channel,
        },
    ).scalar()


# A row a sender may take now: pending, due, and not held by another sender's claim.
DUE = "status = 'pending' AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now)"


# The kind of the message that carries notices folded together (fold.py).
DIGEST = "chat-digest"


class Sender:
    def __init__(self, config: Config, db: State, clock: Callable[[], float] = time.time):
        self.config, self.cfg = config, config.smtp
        self.channels = config.channel_by_id
        self.sender_address = config.smtp.sender
        self.db, self.clock = db, clock
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        # Long enough for one delivery to finish; a crashed sender's claim lapses after it.
        self.lease_s = int(self.cfg.timeout_s * 3) + 30
        # Accepted by the server but not yet recorded as sent (the database refused the
        # UPDATE: disk full, locked): recorded before anything else is claimed, so a database
        # hiccup never sends an email twice. Only a crash in this window can (the bound above).
        self.unrecorded: dict[int, tuple[int, str | None]] = {}
        # Deliveries that succeeded and the seconds they took, by channel ("email" for SMTP).
        self.send_seconds: dict[str, tuple[int, float]] = {}

    def run_once(self) -> tuple[int, int]:
        """Send every due message, each at most once per run; returns (sent, failed attempts).
        `last_error` keeps the last failure's reason, for whoever ran it by hand."""
        sent = failed = last_id = 0
        self.last_error = ""
        for row_id, (at, note) in list(self.unrecorded.items()):
            self._record_sent(row_id, at, note)
            del self.unrecorded[row_id]
        while True:
            row = self._claim(last_id)
            if row is None:
                return sent, failed
            last_id = row["id"]
            if self._deliver(row):
                sent += 1
            else:
                failed += 1

    def _claim(self, after_id: int):
        """The next due row, claimed; for a channel, within its budget (a row the channel has no
        room for yet is put off, not attempted), and when more wait than the minute has room
        for, the last place goes to one digest of them all (fold)."""
        while True:
            now = self.clock()
            # On PostgreSQL two senders claim side by side, each skipping the row the other
            # holds; SQLite has no row locks, and its writer lock serialises the claims instead.
            with transaction(self.db, lock=False) as db:
                row = db.execute(
                    "SELECT id, recipients, message, attempts, channel FROM outbox "
                    f"WHERE {DUE} AND id > :after ORDER BY id LIMIT 1" + self._skip_locked,
                    {"now": int(now), "after": after_id},
                ).fetchone()
                if row is None:
                    return None
                channel = self.channels.get(row["channel"]) if row["channel"] else None
                if channel is not None:
                    channels.weigh(db, channel.id)
                    left, frees_at = channels.room(db, channel, now)
                    if left <= 0:  # every message waiting for it waits for the place to free
                        db.execute(
                            f"UPDATE outbox SET next_attempt_at = :at WHERE {DUE} AND channel = :channel",
                            {"at": math.ceil(frees_at), "now": int(now), "channel": channel.id},
                        )
                        after_id = row["id"]
                        continue
                    if left == 1:
                        row = self._fold(db, channel, row, int(now))
                    channels.spend(db, channel.id, now)
                db.execute(
                    "UPDATE outbox SET claimed_by = :worker, claimed_until = :until WHERE id = :id",
                    {"worker": self.worker, "until": int(now) + self.lease_s, "id": row["id"]},
                )
            return row

    @property
    def _skip_locked(self) -> str:
        return " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""

    def _fold(self, db: State, channel, row, now: int):
        """The channel's last place this minute: `row` alone when nothing else waits, else one
        digest message of every notice waiting for it, each row marked folded into it. A digest
        still waiting (the channel was down) is opened up: the new one lists its notices."""
        columns = "id, kind, ref, subject, message, created_at"
        waiting = db.execute(
            f"SELECT {columns} FROM outbox WHERE {DUE} AND channel = :channel ORDER BY id"
            + self._skip_locked,
            {"now": now, "channel": channel.id},
        ).fetchall()
        if len(waiting) <= 1:
            return row
        earlier = [w["id"] for w in waiting if w["kind"] == DIGEST]
        inside = (
            db.execute(f"SELECT {columns} FROM outbox WHERE folded_into IN ({_ids(earlier)})").fetchall()
            if earlier
            else []
        )
        notices = sorted([w for w in waiting if w["kind"] != DIGEST] + inside, key=lambda w: w["id"])
        title, body = fold.digest(self.config, channel, notices)
        digest_id = enqueue_chat(db, DIGEST, f"digest:{channel.id}", channel.id, title, body, now)
        folded = [w["id"] for w in waiting] + [w["id"] for w in inside]
        for chunk in range(0, len(folded), 500):
            db.execute(
                f"UPDATE outbox SET status = 'folded', folded_into = :digest "
                f"WHERE id IN ({_ids(folded[chunk : chunk + 500])})",
                {"digest": digest_id},
            )
        log.info(
            "%d messages to %s folded into message %d: the channel's minute is full",
            len(notices),
            channel.id,
            digest_id,
        )
        return db.execute(
            "SELECT id, recipients, message, attempts, channel FROM outbox WHERE id = :id", {"id": digest_id}
        ).fetchone()

    def _send(self, row) -> str:
        """Deliver one row by its way out: the SMTP server, or the channel it names."""
        if row["channel"] is None:
            return send(self.cfg, self.sender_address, json.loads(row["recipients"]), row["message"])
        channel = self.channels.get(row["channel"])
        if channel is None:
            # Kept, not dropped: the channel may come back with the next config.
            raise TransportError(f"no channel {row['channel']!r} in the config")
        try:
            channels.deliver(
                channel, row["message"], f"wastewatch-{row['id']}", self.cfg.timeout_s, self.clock()
            )
        except TransportError as exc:
            channels.failed(self.db, channel.id, str(exc), int(self.clock()))
            raise
        channels.succeeded(self.db, channel.id, int(self.clock()))
        return ""

    def _deliver(self, row) -> bool:
        started = time.monotonic()
        try:
            note = self._send(row)
        except TransportError as exc:
            attempts = row["attempts"] + 1
            delay = min(self.cfg.retry_max_s, self.cfg.retry_min_s * 2 ** (attempts - 1))
            if exc.retry_after is not None:  # the far side said how long: never sooner
                delay = max(delay, math.ceil(exc.retry_after))
            status = "failed" if exc.permanent else "pending"
            if row["channel"] is not None and exc.retry_after is not None:
                # Every message to that robot waits, not only this one.
                channels.pause(self.db, row["channel"], math.ceil(self.clock() + exc.retry_after))
            self.last_error = str(exc)
            self.db.execute(
                "UPDATE outbox SET status = :status, attempts = :attempts, last_error = :error, "
                "next_attempt_at = :next, claimed_by = NULL, claimed_until = NULL "
                "WHERE id = :id AND claimed_by = :worker",
                {
                    "status": status,
                    "attempts": attempts,
                    "error": str(exc),
                    "next": math.ceil(self.clock()) + delay,
                    "id": row["id"],
                    "worker": self.worker,
                },
            )
            log.warning(
                "%s attempt %d failed in %.2f s: %s%s",
                _what(row),
                attempts,
                time.monotonic() - started,
                exc,
                "" if exc.permanent else f"; retry in {delay} s",
            )
            return False
        at = int(self.clock())
        try:
            self._record_sent(row["id"], at, note)
        except Exception:
            self.unrecorded[row["id"]] = (at, note)
            raise
        took = time.monotonic() - started
        count, total = self.send_seconds.get(row["channel"] or "email", (0, 0.0))
        self.send_seconds[row["channel"] or "email"] = (count + 1, total + took)
        log.info("%s sent in %.2f s%s", _what(row), took, f" ({note})" if note else "")
        return True

    def _record_sent(self, row_id: int, at: int, note: str | None) -> None:
        self.db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = :now, attempts = attempts + 1, last_error = :note, "
            "claimed_by = NULL, claimed_until = NULL WHERE id = :id",
            {"now": at, "note": note or None, "id": row_id},
        )


def _ids(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def _what(row) -> str:
    """A row as the log names it: "email 12", or "message 13 to bureau-wecom"."""
    return f"email {row['id']}" if row["channel"] is None else f"message {row['id']} to {row['channel']}"


def retry(db: State, message_id: int) -> bool:
    return (
        db.execute(
            "UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE id = :id AND status = 'failed'",
            {"id": message_id},
        ).rowcount
        == 1
    )


def listing(db: State, status: str, limit: int = 200) -> list:
    """Emails with `status` ("all" or one status): failed first, then pending, newest first."""
    where = "TRUE" if status == "all" else "status = :status"
    return db.execute(
        f"SELECT * FROM outbox WHERE {where} ORDER BY status != 'failed', status != 'pending', id DESC "
        "LIMIT :limit",
        {"status": status, "limit": limit},
    ).fetchall()


def by_channel(db: State) -> dict[str, dict[str, int]]:
    """{channel: {status: messages}} for the chat groups and webhooks."""
    counts: dict[str, dict[str, int]] = {}
    for row in db.execute(
        "SELECT channel, status, COUNT(*) AS n FROM outbox WHERE channel IS NOT NULL GROUP BY channel, status"
    ).fetchall():
        counts.setdefault(row["channel"], {})[row["status"]] = row["n"]
    return counts


def pending_count(db: State) -> int:
    return db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").scalar()


def by_status(db: State) -> dict[tuple[str, str], int]:
    """{(channel, status): messages}, emails under the channel "email" (for /metrics)."""
    rows = db.execute(
        "SELECT COALESCE(channel, 'email') AS channel, status, COUNT(*) AS n FROM outbox GROUP BY 1, 2"
    ).fetchall()
    return {(row["channel"], row["status"]): row["n"] for row in rows}


def overdue_since(db: State, now: int) -> int | None:
    """When the oldest pending message was due, if that is in the past: how long the outbox has
    been behind (for /readyz)."""
    due = db.execute(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending' AND next_attempt_at <= :now",
        {"now": now},
    ).scalar()
    return None if due is None else int(due)
