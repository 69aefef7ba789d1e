"""An HJ 212 logger for the tests: frames built as loggers write them, sent over a real socket."""

import socket
import textwrap
import time
from datetime import datetime, timedelta

from tests.conftest import VILLAGE_SITE
from wastewatch.ingest.hj212 import Framer, frame, upload

MN = "010000A8900016F000169DC0"
PW = "123456"
OTHER_MN = "010000A8900016F000169DC1"
# The village site of conftest with a flow total and its logger registered, and a second site
# with its own.
LOGGER_SITE = (
    VILLAGE_SITE.replace("metrics = { flow = 300,", "metrics = { flow = 300, flow_total = 3600,")
    + (f'hj212_mn = "{MN}"\nhj212_pw = "{PW}"\n')
    + textwrap.dedent(f"""
    [[sites]]
    id = "xinchun"
    name = "始阳镇新村污水处理站"
    town = "始阳镇"
    capacity_m3d = 30.0
    receiving_water = "IV"
    contractor = "qingyuan"
    operators = ["operator@tqhb.example.cn"]
    metrics = {{ flow = 300, cod = 3600 }}
    hj212_mn = "{OTHER_MN}"
    hj212_pw = "654321"
    hj212_series = "hourly"
""")
)


def hj212_section(port: int = 0, **settings) -> str:
    extra = "".join(f"{key} = {value}\n" for key, value in settings.items())
    return f'\n[hj212]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\n{extra}'


def segment(
    when: datetime,
    cp: str = "w00000-Rtd=1.5,w00000-Flag=N",
    cn: str = "2011",
    mn: str = MN,
    pw: str = PW,
    flag: int | None = 5,
    st: str = "32",
) -> str:
    """A data segment as the site's logger writes it (ingest/hj212.upload), asking for a reply."""
    return upload(when, cn, mn, pw, cp, flag, st)


def recent(minutes_ago: int = 60) -> datetime:
    """A whole minute in the service's zone (Asia/Shanghai), `minutes_ago` before now."""
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    return now - timedelta(minutes=minutes_ago)


class Logger:
    """A data logger's TCP connection to the listener."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.framer = Framer()
        self.received: list[str] = []

    def send(self, *segments: str, step: int | None = None) -> None:
        wire = b"".join(frame(s) for s in segments)
        self.raw(wire, step)

    def raw(self, wire: bytes, step: int | None = None) -> None:
        if step is None:
            self.sock.sendall(wire)
            return
        for i in range(0, len(wire), step):
            self.sock.sendall(wire[i : i + step])
            time.sleep(0.0005)

    def replies(self, count: int, timeout: float = 20) -> list[str]:
        """Wait for `count` reply frames (data segments) in all; returns them all."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(self.received)} replies of {count} after {timeout} s")
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed after {len(self.received)} replies of {count}")
            self.received += [x for x in self.framer.feed(chunk) if isinstance(x, str)]
        return self.received

    def nothing_within(self, seconds: float) -> bool:
        """True when no byte arrives for `seconds` (the connection stays open)."""
        self.sock.settimeout(seconds)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return True
        self.received += [x for x in self.framer.feed(chunk) if isinstance(x, str)]
        return False

    def closed_within(self, seconds: float) -> bool:
        self.sock.settimeout(seconds)
        try:
            while chunk := self.sock.recv(65536):
                self.received += [x for x in self.framer.feed(chunk) if isinstance(x, str)]
        except TimeoutError:
            return False
        except ConnectionResetError:
            pass
        return True

    def close(self) -> None:
        self.sock.close()
