"""Chat groups and webhooks a notice can go to beside email (`[[channels]]`): a WeCom or
DingTalk group robot, or a signed webhook, and who gets what (`[[routes]]`). Each URL and
secret is checked here, at start, in the form its platform gives it."""

import base64
import binascii
from typing import Annotated, Literal, get_args
from urllib.parse import parse_qs, urlsplit

from pydantic import AfterValidator, Field, model_validator

from .fields import WEB_ADDRESS, Identifier, Section
from .i18n import N_


def _address(url: str) -> str:
    # Said without the value: a robot's address holds its key, and errors reach logs.
    if not WEB_ADDRESS.match(url):
        raise ValueError("must be a web address, http://… or https://… (not shown: it may hold a key)")
    return url


Address = Annotated[str, AfterValidator(_address)]
# The path and query each robot's address has (the host may be a proxy the county runs).
ROBOT_ADDRESS = {
    "wecom": ("/cgi-bin/webhook/send", "key", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"),
    "dingtalk": ("/robot/send", "access_token", "https://oapi.dingtalk.com/robot/send?access_token=…"),
}


class Channel(Section):
    """A chat group or webhook notices can go to: `[[channels]]`. The robot's address holds its
    key or token, so it is a secret too: give it as `url` or `url_file`, the signing secret as
    `secret` or `secret_file`; neither is ever logged or shown. What it receives is said by
    `[[routes]]`."""

    id: Identifier
    """What routing names it by, e.g. `bureau-wecom`."""
    kind: Literal["wecom", "dingtalk", "webhook"]
    """A WeCom (企业微信) group robot, a DingTalk (钉钉) custom robot, or a signed webhook."""
    url: Address
    """The robot's webhook address as the group's settings show it, or the webhook's endpoint."""
    secret: Annotated[str, Field(min_length=1)] | None = None
    """DingTalk: the 加签 secret (`SEC…`), when the robot is secured by signing. Webhook: the
    signing secret as `whsec_<base64>` (required). WeCom robots have none."""
    keyword: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    """DingTalk: the robot's security keyword, when it is secured by keywords; every message
    carries it."""
    mentions: list[Annotated[str, Field(min_length=1, max_length=64)]] = []
    """Who each message mentions: WeCom user ids, or DingTalk mobile numbers."""
    per_minute: int = Field(20, ge=1, le=600)
    """Messages a minute the channel accepts: WeCom and DingTalk robots about 20 (DingTalk stops
    a robot for ten minutes past it). When more notices wait than the minute has room for, the
    rest are folded into one digest message, so none is dropped and the limit never crossed."""

    @model_validator(mode="after")
    def _platform_form(self) -> "Channel":
        if self.kind in ROBOT_ADDRESS:
            path, key, example = ROBOT_ADDRESS[self.kind]
            parts = urlsplit(self.url)
            if parts.path != path or not parse_qs(parts.query).get(key):
                raise ValueError(f"a {self.kind} robot's url looks like {example}")
        if self.kind == "wecom" and self.secret:
            raise ValueError("a WeCom robot has no secret; its key is in the url")
        if self.kind != "dingtalk" and self.keyword:
            raise ValueError("keyword is for DingTalk robots secured by keywords")
        if self.kind == "webhook":
            if not self.secret:
                raise ValueError("a webhook needs secret (or secret_file): whsec_<base64>")
            try:
                valid = self.secret.startswith("whsec_") and base64.b64decode(self.secret[6:], validate=True)
            except binascii.Error:
                valid = False
            if not valid:
                raise ValueError(
                    "a webhook's secret is whsec_ followed by Base64, as Standard Webhooks gives it"
                )
        return self


# The notices a route can send, by the name of the email each one also is.
Notice = Literal[
    "alert",
    "alert-reminder",
    "alert-resolved",
    "unplanned-stop",
    "work-order",
    "work-order-reminder",
    "work-order-chase",
    "work-order-escalation",
    "work-order-update",
    "work-order-digest",
    "monthly-report",
]
# What people call each (the console's channels page).
NOTICES: dict[Notice, str] = {
    "alert": N_("alerts"),
    "alert-reminder": N_("alert reminders"),
    "alert-resolved": N_("alerts resolved"),
    "unplanned-stop": N_("unplanned stops"),
    "work-order": N_("work orders"),
    "work-order-reminder": N_("deadline reminders"),
    "work-order-chase": N_("chases (催办)"),
    "work-order-escalation": N_("missed deadlines"),
    "work-order-update": N_("work order progress"),
    "work-order-digest": N_("daily work order lists"),
    "monthly-report": N_("monthly reports"),
}
assert set(get_args(Notice)) == set(NOTICES), "every notice has its words"


class Route(Section):
    """Which notices go to which channels: `[[routes]]`, beside the email addresses. A notice
    goes to every channel of every route it matches, once per channel. Filters left empty match
    everything; a notice about no site (the monthly report, a contractor's digest) matches only
    routes without `towns` and `sites`. Group messages carry console links, never the signed
    links a contractor's own email has."""

    channels: Annotated[list[Identifier], Field(min_length=1)]
    """The `[[channels]]` ids these notices go to."""
    notices: Annotated[list[Notice], Field(min_length=1)]
    """Which notices, by the name of the email each also is (docs: channels)."""
    severities: list[Literal["info", "warning", "critical"]] = []
    """Alerts of these severities only (empty: all); other notices are not filtered by it."""
    towns: list[Annotated[str, Field(min_length=1)]] = []
    """Only notices about sites in these towns (乡镇)."""
    sites: list[Identifier] = []
    """Only notices about these sites."""
    contractors: list[Identifier] = []
    """Only notices about these contractors' sites and orders (a contractor's crew group)."""


def receives(routes: list[Route], channel_id: str) -> list[Notice]:
    """The notices the routes send to a channel, each once, in the routes' order: what the
    console and `config check` say it receives."""
    return list(dict.fromkeys(n for route in routes if channel_id in route.channels for n in route.notices))
