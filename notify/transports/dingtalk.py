"""The DingTalk (钉钉) custom group robot: `POST https://oapi.dingtalk.com/robot/send?access_token=…`.

With 加签 (a signing secret) every request carries `timestamp` (milliseconds) and `sign`, the
URL-encoded Base64 of HMAC-SHA256 keyed with the secret over `timestamp + "\\n" + secret`; the
robot refuses a timestamp more than an hour from its clock. A robot secured by keywords refuses
a message that does not contain one. The robot answers HTTP 200 whatever happened: what
counts is `errcode` in the body (0: sent)."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from urllib.parse import quote_plus, urlencode

from .chat import cut, judge_robot, post

BODY_LIMIT = 20_000  # bytes of the whole JSON body
# "send too fast": the robot is throttled (for ten minutes once it has been past its limit).
THROTTLED = {130101: 600.0}
# Refusals only a person can fix: sign, keyword, timestamp or address refused; no such token.
REFUSED = {310000, 300005}


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256)
    return quote_plus(base64.b64encode(digest.digest()).decode("ascii"))


def signed_url(url: str, secret: str | None, timestamp_ms: int) -> str:
    if not secret:
        return url
    # `sign` is URL-encoded already, as the robot's documentation computes it.
    return f"{url}&{urlencode({'timestamp': timestamp_ms})}&sign={sign(secret, timestamp_ms)}"


def markdown(title: str, text: str, mobiles: Sequence[str] = (), keyword: str | None = None) -> dict:
    """A markdown message. `keyword`: the robot's security keyword, put in the title when the
    text lacks it. Mentions are `@mobile` in the text as well as in `at`, as DingTalk asks."""
    if keyword and keyword not in title and keyword not in text:
        title = f"{keyword} {title}"
    mentions = "".join(f" @{m}" for m in mobiles)
    content = {"title": title, "text": text + mentions}
    body = {"msgtype": "markdown", "markdown": content, "at": {"atMobiles": list(mobiles), "isAtAll": False}}
    size = len(_encoded(body))
    if size > BODY_LIMIT:
        # Cut the text, never the title or the mentions. JSON may escape a character into more
        # bytes than UTF-8 takes: leave room for that, then check.
        keep = len(text.encode("utf-8")) - (size - BODY_LIMIT) - 64
        content["text"] = cut(text, max(keep, 64)) + mentions
        assert len(_encoded(body)) <= BODY_LIMIT
    return body


def _encoded(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def send(url: str, secret: str | None, body: dict, timeout: float = 10.0, now: float | None = None) -> None:
    """Deliver one message; raises TransportError."""
    stamp = int((time.time() if now is None else now) * 1000)
    response = post(
        signed_url(url, secret, stamp),
        _encoded(body),
        {"Content-Type": "application/json; charset=utf-8"},
        timeout,
    )
    judge_robot(response, "DingTalk", THROTTLED, REFUSED)
