"""A notice as a chat group reads it: which channels it goes to (`[[routes]]`), the short
message a phone shows whole (`<locale>/chat.md`, from the same context as the email, under the
email's subject), and that message in each platform's body.

Group messages carry console links only. A contractor's signed links are bearer credentials:
whoever holds one acts as the contractor, so they stay in the contractor's own email.
"""

from dataclasses import dataclass

from wastewatch.config import Config
from wastewatch.config.schema import Channel

from .messages import env
from .transports import dingtalk, wecom


@dataclass(frozen=True)
class About:
    """What a notice concerns, for routing: its site and town, the contractor, and an alert's
    severity. Nothing known: it matches only routes that do not filter on it."""

    site: str | None = None
    town: str | None = None
    contractor: str | None = None
    severity: str | None = None


def channels_for(config: Config, kind: str, about: About) -> list[Channel]:
    """The channels notice `kind` goes to: those of every route it matches, each once, in the
    order the routes name them."""
    chosen: dict[str, Channel] = {}
    for route in config.routes:
        if kind not in route.notices:
            continue
        if route.severities and about.severity is not None and about.severity not in route.severities:
            continue
        if route.sites and about.site not in route.sites:
            continue
        if route.towns and about.town not in route.towns:
            continue
        if route.contractors and about.contractor not in route.contractors:
            continue
        for channel_id in route.channels:
            chosen.setdefault(channel_id, config.channel_by_id[channel_id])
    return list(chosen.values())


def link(config: Config, kind: str, context: dict) -> str:
    """The console page a notice is about: the order, the alert, the contractor's orders, the
    reports."""
    order, alert = context.get("work_order"), context.get("alert")
    if kind.startswith("work-order") and order:
        return order["console_url"]
    if alert:
        return alert["console_url"]
    if kind == "work-order-digest":
        return f"{config.web.url}/orders"
    if kind == "monthly-report":
        return f"{config.web.url}/reports"
    return f"{config.web.url}/"


def text(locale: str, title: str, context: dict, url: str) -> str:
    """The message's markdown: the subject, then the facts (chat.md)."""
    rendered = env.get_template(f"{locale}/chat.md").render({**context, "title": title, "link": url})
    return _tidy(rendered)


def render(name: str, locale: str, context: dict) -> tuple[str, str]:
    """One of the chat-only messages (chat-digest, chat-test) in `locale`: (its title, the
    markdown). The title is the template's first line, bold."""
    markdown = _tidy(env.get_template(f"{locale}/{name}.md").render(context))
    return markdown.splitlines()[0].split("**")[1], markdown


def _tidy(markdown: str) -> str:
    # One paragraph a line: both robots' markdown joins lines that no blank line separates.
    return "\n\n".join(line.rstrip() for line in markdown.strip().splitlines() if line.strip())


def body(channel: Channel, kind: str, ref: str, title: str, markdown: str, url: str, event: dict) -> dict:
    """What is stored in the outbox for `channel`: the robot's JSON body, or for a webhook the
    event with stable field names (docs: channels)."""
    if channel.kind == "wecom":
        return wecom.markdown(markdown, channel.mentions)
    if channel.kind == "dingtalk":
        return dingtalk.markdown(title, markdown, channel.mentions, channel.keyword)
    return {"type": kind, "ref": ref, "title": title, "text": markdown, "url": url, **event}


def event(kind: str, context: dict, about: About, at: int) -> dict:
    """A webhook's fields beyond the message: what it concerns, plainly, for a machine."""
    site = context.get("site")
    return {
        "at": at,
        "site": {"id": site.id, "name": site.name, "town": site.town} if site is not None else None,
        "severity": about.severity,
        "contractor": about.contractor,
        "alert_id": (context.get("alert") or {}).get("id"),
        "work_order_id": (context.get("work_order") or {}).get("id"),
    }
