"""Delivery to a channel (`[[channels]]`): the transport its kind names, and the record of its
last success and last error (`channel_status`, owned here), which the console and /healthz
show so a wrong key or a throttled robot is seen by the people who look after it."""

import json

from wastewatch.config.schema import Channel
from wastewatch.store.state import State

from .transports import dingtalk, webhook, wecom


def deliver(channel: Channel, body: bytes, message_id: str, timeout: float) -> None:
    """Send one stored message (the platform's JSON body; for a webhook, the event). Raises
    TransportError."""
    payload = json.loads(body.decode("utf-8"))
    if channel.kind == "wecom":
        wecom.send(channel.url, payload, timeout)
    elif channel.kind == "dingtalk":
        dingtalk.send(channel.url, channel.secret, payload, timeout)
    else:
        assert channel.secret is not None  # the config requires one for a webhook
        webhook.send(channel.url, channel.secret, message_id, payload, timeout)


def succeeded(db: State, channel_id: str, at: int) -> None:
    _upsert(db, channel_id, {"last_success_at": at})


def failed(db: State, channel_id: str, error: str, at: int) -> None:
    _upsert(db, channel_id, {"last_error": error, "last_error_at": at})


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
