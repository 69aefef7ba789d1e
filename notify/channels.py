"""Delivery to a channel (`[[channels]]`): the transport its kind names; the record of its
last success and last error (`channel_status`, owned here), which the console and /healthz
show so a wrong key or a throttled robot is seen by the people who look after it; and its
budget — every request counted (`channel_sends`, owned here), so that no minute carries more
than the channel's `per_minute`, and a pause the robot asked for is kept by every sender.
"""

import json
import re

from wastewatch.config.i18n import N_, gettext
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


# What a stored error means, for the people who fix it (the console says it in their language;
# the log and /healthz keep the far side's own words).
MEANINGS = {
    "WeCom errcode 93000": N_("WeCom refused the robot's key: the robot was removed or its address mistyped"),
    "WeCom errcode 45009": N_("WeCom: sent too often; the messages wait a minute"),
    "DingTalk errcode 310000": N_(
        "DingTalk refused the message: the signing secret, the keyword, the clock or the address is wrong"
    ),
    "DingTalk errcode 300005": N_("DingTalk has no robot with this token: it was removed or mistyped"),
    "DingTalk errcode 130101": N_("DingTalk: sent too fast; the robot pauses for ten minutes"),
    "HTTP 4": N_("the far side refused the message (HTTP {code})"),
    "HTTP 5": N_("the far side is not working (HTTP {code}); tried again later"),
    "HTTP 429": N_("the far side asks to send less often (HTTP 429); tried again later"),
    "ConnectError": N_("no connection: the network or the far side is down; tried again later"),
    "Timeout": N_("no answer in time; tried again later"),
    "no channel": N_("the channel is no longer in the config; its messages wait"),
}


def error_words(error: str, locale: str) -> str:
    """A stored error said for a person; what is not known stays as the far side said it."""
    code = re.match(r"HTTP (\d+)", error)
    for prefix in (
        error.split(":")[0],
        "HTTP 429" if code and code[1] == "429" else "",
        f"HTTP {code[1][0]}" if code else "",
        "Timeout" if "Timeout" in error.split(":")[0] else "",
        "no channel" if error.startswith("no channel") else "",
    ):
        if prefix in MEANINGS:
            return gettext(locale, MEANINGS[prefix]).format(code=code[1] if code else "")
    return error
