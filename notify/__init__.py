"""The one way the service tells people: a kind rendered in a locale from its templates
(messages.py), addressed without duplicates, threaded under the incident's first email, and
queued in the outbox inside the caller's transaction, so the email exists exactly when the
change it reports was committed; and the same notice, as a short message, to every chat group
or webhook its routes name (brief.py), queued beside it.

Every email goes through `notify`: alerts (mail.py), work orders, digests and unplanned-stop
reports (maintenance/notices.py), and the monthly report (maintenance/report/monthly.py).
"""

import logging
from collections.abc import Sequence
from email.message import EmailMessage

from wastewatch.config import Config
from wastewatch.config.text import local_time
from wastewatch.store.state import State

from . import brief, outbox
from .brief import About
from .messages import make_message, subject

__all__ = ["About", "addresses", "notify", "test_message"]

log = logging.getLogger("wastewatch.outbox")


def addresses(to, cc=()) -> tuple[list[str], list[str]]:
    """To and Cc with each address once (compared without case: mail domains and, in
    practice, mailboxes ignore it), the first spelling kept; an address in To leaves Cc.
    With nobody in To, Cc moves up."""
    seen: set[str] = set()

    def once(group) -> list[str]:
        kept = []
        for address in group:
            address = address.strip()
            if address and address.casefold() not in seen:
                seen.add(address.casefold())
                kept.append(address)
        return kept

    to, cc = once(to), once(cc)
    return (to, cc) if to else (cc, [])


def notify(
    db: State,
    kind: str,
    locale: str,
    context: dict,
    *,
    to,
    sender: str,
    ref: str,
    now: int,
    cc=(),
    thread: str | None = None,
    idstring: str | None = None,
    attachments: Sequence[tuple[str, bytes, str, str]] = (),
    config: Config | None = None,
    about: About | None = None,
) -> str | None:
    """Queue email `kind` (its templates' base name) about `ref` ("alert:12", "work_order:WO-…"),
    and its message to each channel the config's routes send `kind` about `about` to; returns
    the email's Message-ID, or None when it has nobody to go to (logged)."""
    groups = _to_channels(db, config, kind, locale, context, ref, now, about or About()) if config else 0
    to, cc = addresses(to, cc)
    if not to:
        # Said as it is: a notice its chat groups got is not lost for want of an address.
        if groups:
            log.info("%s about %s has no email recipients; sent to %d chat groups", kind, ref, groups)
        else:
            log.warning("%s about %s has no recipients; not queued", kind, ref)
        return None
    message: EmailMessage = make_message(
        kind,
        locale,
        context,
        to=to,
        sender=sender,
        cc=cc,
        thread=thread,
        idstring=idstring,
        attachments=attachments,
    )
    outbox.enqueue(db, kind, ref, to + cc, message, now)
    return message["Message-ID"]


def _to_channels(
    db: State, config: Config, kind: str, locale: str, context: dict, ref: str, now: int, about: About
) -> int:
    """Queue the notice for each channel its routes name; returns how many."""
    channels = brief.channels_for(config, kind, about)
    if not channels:
        return 0
    title = subject(kind, locale, context)
    url = brief.link(config, kind, context)
    markdown = brief.text(locale, title, context, url)
    event = brief.event(kind, context, about, now)
    for channel in channels:
        stored = brief.body(channel, kind, ref, title, markdown, url, event)
        outbox.enqueue_chat(db, kind, ref, channel.id, title, stored, now)
    return len(channels)


def test_message(db: State, config: Config, channel_id: str, actor: str, now: int) -> int:
    """A test message to one channel (the console's button), queued like any other: it goes
    through the same budget and retries, and its outcome shows as the channel's last success or
    last error. Returns its outbox row."""
    channel = config.channel_by_id[channel_id]
    locale = config.service.locale
    link = f"{config.web.url}/"
    context = {"actor": actor, "channel": channel.id, "now_local": local_time(now, config.tz), "link": link}
    title, markdown = brief.render("chat-test", locale, context)
    ref, event = f"channel:{channel.id}", {"at": now, "actor": actor}
    stored = brief.body(channel, "chat-test", ref, title, markdown, link, event)
    return outbox.enqueue_chat(db, "chat-test", ref, channel.id, title, stored, now)
