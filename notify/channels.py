"""Delivery to a channel (`[[channels]]`): the transport its kind names; the record of its
last success and last error (`channel_status`, owned here), which the console and /healthz
show so a wrong key or a throttled robot is seen by the people who look after it; and its
budget — every request counted (`channel_sends`, owned here), so that no minute carries more
than the channel's `per_minute`, and a pause the robot asked for is kept by every sender.
"""

import json

from wastewatch.config.schema import Channel
from wastewatch.store.health import HEALTH
from wastewatch.store.state import State

from .transports import dingtalk, webhook, wecom


def deliver(channel: Channel, body: bytes, message_id: str, timeout: float, now: float) -> None:
    """Send one stored message (the platform's JSON body; for a webhook, the event), signed at
    `now`. Raises TransportError."""
    payload = json.loads(bytes(body).decode("utf-8"))
    if channel.kind == "wecom":
        wecom.send(channel.url, payload, timeout)
    elif channel.kind == "dingtalk":
        dingtalk.send(channel.url, channel.secret, payload, timeout, now=now)
    else:
        assert channel.secret is not None  # the config requires one for a webhook
        webhook.send(channel.url, channel.secret, message_id, payload, timeout, now=now)


# A robot counts the requests of the last minute as it receives them; ours are counted as they
# leave, so a second more covers the way there.
WINDOW_S = 61.0
# The advisory locks' first key ("wwcn"): one sender at a time weighs a channel's budget.
CHANNEL_LOCKS = 0x7777636E


def weigh(db: State, channel_id: str) -> None:
    """Hold the channel for this transaction: two senders on PostgreSQL never both spend its
    last place (SQLite's writer lock already serialises them)."""
    if db.dialect == "postgresql":
        db.execute("SELECT pg_advisory_xact_lock(:k, hashtext(:c))", {"k": CHANNEL_LOCKS, "c": channel_id})


def room(db: State, channel: Channel, now: float) -> tuple[int, float]:
    """How many more requests the channel takes in the minute to `now`, and when the next place
    frees (now, when one is free). A pause the robot asked for leaves no room until it ends."""
    paused = db.execute(
        "SELECT paused_until FROM channel_status WHERE channel = :c", {"c": channel.id}
    ).scalar()
    if paused is not None and paused > now:
        return 0, float(paused)
    sent = [
        row["at"]
        for row in db.execute(
            "SELECT at FROM channel_sends WHERE channel = :c AND at > :since ORDER BY at",
            {"c": channel.id, "since": now - WINDOW_S},
        ).fetchall()
    ]
    left = channel.per_minute - len(sent)
    return left, now if left > 0 else sent[len(sent) - channel.per_minute] + WINDOW_S


def spend(db: State, channel_id: str, now: float) -> None:
    """One request is about to leave for the channel; requests older than a day are forgotten."""
    db.execute("INSERT INTO channel_sends (channel, at) VALUES (:c, :at)", {"c": channel_id, "at": now})
    db.execute(
        "DELETE FROM channel_sends WHERE channel = :c AND at < :old", {"c": channel_id, "old": now - 86400}
    )


def pause(db: State, channel_id: str, until: int) -> None:
    """The robot asked to be left alone (DingTalk's ten minutes): no sender tries it before."""
    _upsert(db, channel_id, {"paused_until": until})


def succeeded(db: State, channel_id: str, at: int) -> None:
    _upsert(db, channel_id, {"last_success_at": at})
    HEALTH.recovered(f"channel {channel_id}")


def failed(db: State, channel_id: str, error: str, at: int) -> None:
    _upsert(db, channel_id, {"last_error": error, "last_error_at": at})
    # /healthz says so until a message gets through again (the error never holds the address).
    HEALTH.failing(f"channel {channel_id}", error, "its messages wait in the outbox")


def states(db: State) -> dict[str, dict]:
    """{channel id: its last success and last error}, for the channels that have tried."""
    rows = db.execute("SELECT * FROM channel_status").fetchall()
    return {row["channel"]: dict(row) for row in rows}


def _upsert(db: State, channel_id: str, values: dict) -> None:
    # One statement: two senders recording the same channel at once never collide.
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    sets = ", ".join(f"{k} = excluded.{k}" for k in values)
    db.execute(
        f"INSERT INTO channel_status (channel, {columns}) VALUES (:channel, {marks}) "
        f"ON CONFLICT (channel) DO UPDATE SET {sets}",
        {"channel": channel_id, **values},
    )
