"""The WeCom (企业微信) group robot: `POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`.

UTF-8 JSON; `markdown` content at most 4,096 bytes (a member is mentioned with `<@userid>` in
the content), `text` content at most 2,048 bytes (`mentioned_list`, `mentioned_mobile_list`).
The robot answers HTTP 200 whatever happened: what counts is `errcode` (0: sent)."""

import json
from collections.abc import Sequence

from .chat import cut, judge_robot, post

MARKDOWN_LIMIT = 4096
TEXT_LIMIT = 2048
# "api freq out of limit": about 20 messages a minute per robot.
THROTTLED = {45009: 60.0}
# The key names no robot (removed, or mistyped): only a person can fix it.
REFUSED = {93000}


def markdown(content: str, userids: Sequence[str] = ()) -> dict:
    mentions = "".join(f"<@{u}>" for u in userids)
    room = MARKDOWN_LIMIT - len(mentions.encode("utf-8"))
    return {"msgtype": "markdown", "markdown": {"content": cut(content, room) + mentions}}


def text(content: str, userids: Sequence[str] = (), mobiles: Sequence[str] = ()) -> dict:
    body: dict = {"content": cut(content, TEXT_LIMIT)}
    if userids:
        body["mentioned_list"] = list(userids)
    if mobiles:
        body["mentioned_mobile_list"] = list(mobiles)
    return {"msgtype": "text", "text": body}


def send(url: str, body: dict, timeout: float = 10.0) -> None:
    """Deliver one message; raises TransportError."""
    response = post(
        url,
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        {"Content-Type": "application/json; charset=utf-8"},
        timeout,
    )
    judge_robot(response, "WeCom", THROTTLED, REFUSED)
