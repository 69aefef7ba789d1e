"""A signed webhook, for anything that is neither WeCom nor DingTalk (a provincial system, a
ticket system, Feishu through an adapter): JSON with stable field names, signed the Standard
Webhooks way (`webhook-id`, `webhook-timestamp` in Unix seconds, `webhook-signature:
v1,<Base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, the secret given as `whsec_<base64>`),
with the standardwebhooks library. Only a 2xx answer means delivered."""

import json
import time
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook

from .chat import http_problem, post


def headers(secret: str, message_id: str, body: bytes, now: float) -> dict[str, str]:
    stamp = datetime.fromtimestamp(int(now), timezone.utc)
    return {
        "Content-Type": "application/json; charset=utf-8",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now)),
        "webhook-signature": Webhook(secret).sign(message_id, stamp, body),
    }


def encoded(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def send(
    url: str, secret: str, message_id: str, payload: dict, timeout: float = 10.0, now: float | None = None
) -> None:
    """Deliver one event; raises TransportError. `message_id` is the same on every attempt of
    one message, so the receiver can drop a repeat."""
    body = encoded(payload)
    response = post(
        url, body, headers(secret, message_id, body, time.time() if now is None else now), timeout
    )
    problem = http_problem(response)
    if problem:
        raise problem
