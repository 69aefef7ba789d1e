"""What the chat robots and webhooks share: a message cut to a platform's byte limit, and one
HTTP POST whose failures are sorted into "try again" and "cannot help"."""

import logging

import httpx

from . import TransportError

# httpx logs every request's address at INFO, and a robot's address holds its key: only its
# warnings reach the service's log (ours say what was sent, without the address).
logging.getLogger("httpx").setLevel(logging.WARNING)

# What a cut message ends with: the whole notice is one link away.
CUT = "…（详见链接）"


def cut(text: str, limit: int, tail: str = CUT) -> str:
    """`text` in at most `limit` UTF-8 bytes: whole when it fits, else cut on a character
    boundary and ended with `tail`."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(tail.encode("utf-8"))
    if room < 0:
        raise ValueError(f"a limit of {limit} bytes leaves no room for {tail!r}")
    # Decoding with "ignore" drops the partial character the byte cut may leave at the end.
    return data[:room].decode("utf-8", errors="ignore") + tail


# One client for the process: its connections are kept and reused (a robot answers the next
# message on the same TLS session), and the system's CAs are loaded once, not per message.
_client = httpx.Client()


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> httpx.Response:
    """POST `body`; an answer of any status comes back. No answer (refused, reset, timed out)
    is a TransportError to retry: the far side may be down for an hour and then come back."""
    try:
        return _client.post(url, content=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        # The address holds the robot's key: never in an error that is stored and logged.
        said = str(exc).replace(url, "(the channel's address)")
        raise TransportError(f"{exc.__class__.__name__}: {said}") from None


def http_problem(response: httpx.Response) -> TransportError | None:
    """The error an HTTP status means on its own: 429 and 5xx are the far side's to recover
    from (retry, after Retry-After when it gives one); None for a 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    retry_after = _seconds(response.headers.get("retry-after"))
    text = f"HTTP {status} {response.reason_phrase}".strip()
    if status == 429 or status >= 500:
        return TransportError(text, retry_after=retry_after)
    return TransportError(text, permanent=True)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: our own back-off serves as well


def judge_robot(
    response: httpx.Response, platform: str, throttled: dict[int, float], refused: set[int]
) -> None:
    """A group robot's answer: HTTP 200 whatever happened, `errcode` 0 when sent. Raises the
    TransportError the answer means: the HTTP status's own, a throttle to wait out, a refusal
    only a person can fix, or any other errcode to retry (never counted as sent)."""
    problem = http_problem(response)
    if problem:
        raise problem
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "errcode" not in answer:
        # Not the robot's answer (a proxy's page?): nothing says it was sent.
        raise TransportError(f"an answer without errcode: {response.text[:200]!r}")
    code = answer["errcode"]
    if code == 0:
        return
    said = f"{platform} errcode {code}: {answer.get('errmsg', '')}".strip()
    if code in throttled:
        raise TransportError(said, retry_after=throttled[code])
    raise TransportError(said, permanent=code in refused)
