"""Notices folded into one message: when more wait for a channel than its minute has room for,
the last place carries them all — each one's title, how many, over what span, and the lists in
the console where they all are — so nothing is dropped and the robot's limit is never crossed.
A webhook's digest carries every folded event whole: a machine loses nothing either."""

import json

from wastewatch.config import Config
from wastewatch.config.schema import Channel
from wastewatch.config.text import local_time

from . import brief

# A title is a phone line; the robot's byte limit cuts the list after that, "…（详见链接）".
TITLE_CHARS = 60


def digest(config: Config, channel: Channel, waiting: list) -> tuple[str, dict]:
    """(title, stored body) of the digest of `waiting` outbox rows (in id order)."""
    locale = config.service.locale
    web = config.web.url
    context = {
        "count": len(waiting),
        "titles": [_short(row["subject"]) for row in waiting],
        "first_local": local_time(waiting[0]["created_at"], config.tz),
        "last_local": local_time(waiting[-1]["created_at"], config.tz),
        "per_minute": channel.per_minute,
        "alerts_link": f"{web}/alerts",
        "orders_link": f"{web}/orders",
    }
    title, markdown = brief.render("chat-digest", locale, context)
    events = [json.loads(bytes(row["message"]).decode("utf-8")) for row in waiting]
    extra = {"count": len(waiting), "events": events} if channel.kind == "webhook" else {}
    body = brief.body(channel, "chat-digest", f"digest:{channel.id}", title, markdown, f"{web}/alerts", extra)
    return title, body


def _short(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"
