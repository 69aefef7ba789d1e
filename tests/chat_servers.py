"""Local servers for the chat robots and webhooks, implementing each as documented: the exact
path and query, the signature check, the body's fields and byte limits, the rate limit, and the
error replies (HTTP 200 with an errcode, as the robots answer). Not mocks: real HTTP over real
sockets; only the far side's code is ours.

Each records what it accepted (`messages`) and every request that broke a documented rule it
was not told to expect (`violations`), so a test can assert that none did."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from standardwebhooks.webhooks import Webhook


def channel_toml(id: str, kind: str, url: str, secret: str | None = None, **keys) -> str:
    """A `[[channels]]` table for a config: a robot's or receiver's address, its secret, and
    any other keys (`mentions=["zhangshifu"]`, `per_minute=600`) as TOML values."""
    lines = [f'id = "{id}"', f'kind = "{kind}"', f'url = "{url}"']
    lines += [f'secret = "{secret}"'] if secret else []
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in keys.items()]
    return "\n[[channels]]\n" + "\n".join(lines) + "\n"


class Robot:
    """What the robots share: a server on a free port, a per-minute budget, injected faults."""

    path = "/"
    per_minute = 20

    def __init__(self, clock=time.time):
        self.clock = clock
        self.messages: list[dict] = []
        self.violations: list[str] = []
        self.requests = 0
        self.faults: deque = deque()  # ("status", 503) or ("hang", seconds), one per request
        self.throttled_until = 0.0  # DingTalk stops a robot sent past its limit
        self._sent: deque = deque()  # times of the messages accepted in the last minute
        self.accepted_at: list[float] = []  # and of every message accepted
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "Robot":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def down(self) -> None:
        """Gone from the network: connections to its port are refused."""
        self.port = self.server.server_address[1]
        self.stop()

    def up(self) -> None:
        """Back on the port it had."""
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self):
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                with robot._lock:
                    robot.requests += 1
                    fault = robot.faults.popleft() if robot.faults else None
                if fault and fault[0] == "hang":
                    time.sleep(fault[1])
                if fault and fault[0] == "status":
                    return self._reply(fault[1], {"errcode": -1, "errmsg": "system busy"})
                status, answer = robot.answer(urlsplit(self.path), dict(self.headers), body)
                self._reply(status, answer)

            def _reply(self, status: int, answer):
                data = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:
                    pass  # the client gave up waiting (the "hang" fault)

            def log_message(self, *args):
                pass

        return Handler

    def reset(self, per_minute: int, clock) -> None:
        """Forget what it took (a benchmark's next round), with a new budget and clock."""
        with self._lock:
            self.per_minute, self.clock = per_minute, clock
            self.messages.clear()
            self.accepted_at.clear()
            self._sent.clear()
            self.throttled_until = 0.0

    def busiest_minute(self) -> int:
        """The most messages it accepted within any 60 seconds."""
        times = sorted(self.accepted_at)
        return max((sum(1 for t in times[i:] if t < start + 60) for i, start in enumerate(times)), default=0)

    def _budget(self) -> bool:
        """True when another message fits in the last minute's budget."""
        now = self.clock()
        with self._lock:
            while self._sent and self._sent[0] <= now - 60:
                self._sent.popleft()
            if len(self._sent) >= self.per_minute:
                return False
            self._sent.append(now)
            self.accepted_at.append(now)
            return True


class DingTalk(Robot):
    """`POST /robot/send?access_token=T[&timestamp=MS&sign=S]` with 加签 and, optionally, a
    security keyword."""

    path = "/robot/send"
    LIMIT = 20_000

    def __init__(self, token: str, secret: str | None = None, keyword: str | None = None, clock=time.time):
        super().__init__(clock)
        self.token, self.secret, self.keyword = token, secret, keyword

    @property
    def url(self) -> str:
        return f"{self.base}{self.path}?access_token={self.token}"

    def answer(self, url, headers, body: bytes):
        query = parse_qs(url.query)
        if url.path != self.path:
            return 404, None
        if query.get("access_token") != [self.token]:
            return 200, {"errcode": 300005, "errmsg": "token is not exist"}
        if self.secret:
            stamp, signature = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            if not stamp.isdigit() or abs(int(stamp) / 1000 - self.clock()) > 3600:
                return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}
            digest = hmac.new(
                self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256
            ).digest()
            # parse_qs has undone the URL-encoding; the signature is the digest's Base64.
            if signature != base64.b64encode(digest).decode():
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        if len(body) > self.LIMIT:
            self.violations.append(f"a body of {len(body)} bytes")
            return 200, {"errcode": 460101, "errmsg": "message too long"}
        message = json.loads(body.decode("utf-8"))
        kind = message.get("msgtype")
        content = message.get(kind, {}) if isinstance(message.get(kind), dict) else {}
        if kind not in ("text", "markdown", "actionCard", "link", "feedCard"):
            self.violations.append(f"msgtype {kind!r}")
            return 200, {"errcode": 40035, "errmsg": "missing parameter msgtype"}
        said = " ".join(str(v) for v in content.values())
        if self.keyword and self.keyword not in said:
            return 200, {"errcode": 310000, "errmsg": "keywords not in content"}
        if self.clock() < self.throttled_until or not self._budget():
            # Past its limit the robot is throttled for ten minutes.
            self.throttled_until = max(self.throttled_until, self.clock() + 600)
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        self.messages.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}


class WeCom(Robot):
    """`POST /cgi-bin/webhook/send?key=K`."""

    path = "/cgi-bin/webhook/send"
    LIMITS = {"markdown": 4096, "text": 2048}

    def __init__(self, key: str, clock=time.time):
        super().__init__(clock)
        self.key = key

    @property
    def url(self) -> str:
        return f"{self.base}{self.path}?key={self.key}"

    def answer(self, url, headers, body: bytes):
        if url.path != self.path:
            return 404, None
        if parse_qs(url.query).get("key") != [self.key]:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        message = json.loads(body.decode("utf-8"))
        kind = message.get("msgtype")
        if kind not in self.LIMITS:
            self.violations.append(f"msgtype {kind!r}")
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        content = message[kind].get("content", "")
        if len(content.encode("utf-8")) > self.LIMITS[kind]:
            self.violations.append(f"{kind} content of {len(content.encode('utf-8'))} bytes")
            return 200, {"errcode": 40058, "errmsg": "content exceed max length"}
        if not self._budget():
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        self.messages.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}


class Receiver(Robot):
    """A Standard Webhooks receiver: verifies the signature (and the timestamp, within five
    minutes, as the library does), answers 204, and keeps each message id once."""

    path = "/hooks/wastewatch"
    per_minute = 10_000

    def __init__(self, secret: str, clock=time.time):
        super().__init__(clock)
        self.verifier = Webhook(secret)
        self.ids: list[str] = []

    @property
    def url(self) -> str:
        return f"{self.base}{self.path}"

    def answer(self, url, headers, body: bytes):
        if url.path != self.path:
            return 404, None
        lowered = {k.lower(): v for k, v in headers.items()}
        msg_id, stamp = lowered.get("webhook-id", ""), lowered.get("webhook-timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) - self.clock()) > 300:
            # The library's tolerance, against this receiver's clock (the library reads the
            # real one; a test's clock may be anywhere).
            return 401, {"error": "Message timestamp too old or too new"}
        expected = self.verifier.sign(msg_id, datetime.fromtimestamp(int(stamp), timezone.utc), body)
        if expected.partition(",")[2] not in [
            given.partition(",")[2] for given in lowered.get("webhook-signature", "").split()
        ]:
            return 401, {"error": "No matching signature found"}
        self.ids.append(msg_id)
        self.messages.append(json.loads(body.decode("utf-8")))
        return 204, None
