"""Chat groups and webhooks a notice can go to beside email (`[[channels]]`): a WeCom or
DingTalk group robot, or a signed webhook. Each URL and secret is checked here, at start, in
the form its platform gives it."""

import base64
import binascii
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import AfterValidator, Field, model_validator

from .fields import WEB_ADDRESS, Identifier, Section


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
    `secret` or `secret_file`; neither is ever logged or shown. In this version a channel is
    checked at start but nothing is sent to it yet: the routing of notices to channels is the
    next step."""

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
