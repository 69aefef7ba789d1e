"""A private Mosquitto on a free loopback port, for the demo, the tests and the benchmarks.

Its queue settings are the ones deploy/mosquitto/wastewatch.conf ships: Mosquitto's defaults
(1,000 queued messages per client) silently drop readings while the service is down.
"""

import getpass
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

# Mirrors deploy/mosquitto/wastewatch.conf (a test keeps the two in step).
QUEUE_SETTINGS = """\
persistence true
autosave_interval 60
max_queued_messages 2000000
max_queued_bytes 0
persistent_client_expiration 14d
max_inflight_messages 1000
"""


class BrokerError(RuntimeError):
    pass


_HANDED_OUT: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port nothing listens on, for a server started a moment later.

    Chosen below the kernel's ephemeral range: a port the kernel picked (bind to 0) is also one
    it may give any outgoing connection in the meantime, and the server's bind then fails. Each
    port is handed out once per process; the random choice keeps parallel test workers apart.
    """
    low = _ephemeral_low()
    for _ in range(200 if low > 20000 else 0):
        port = random.randrange(20000, low)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateBroker:
    def __init__(self, workdir: Path, port: int | None = None, conf: str | None = None):
        """`conf` replaces the default configuration; `{port}` and `{dir}` are filled in."""
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.host = "127.0.0.1"
        template = (
            conf
            if conf is not None
            else ("listener {port} 127.0.0.1\nallow_anonymous true\n" + QUEUE_SETTINGS)
        )
        self.conf_path = self.dir / "mosquitto.conf"
        self.conf_path.write_text(
            template.replace("{port}", str(self.port)).replace("{dir}", str(self.dir))
            + f"\npersistence_location {self.dir}/\nlog_dest file {self.dir}/mosquitto.log\n"
            # Started as root, Mosquitto drops to user "mosquitto", which cannot write this
            # folder: persistence would fail silently and a restart would forget every session.
            + f"user {getpass.getuser()}\n"
        )
        self._process: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str | None:
        # Debian installs the broker in /usr/sbin, which a non-root PATH often lacks.
        return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")

    @classmethod
    def available(cls) -> bool:
        return cls.binary() is not None

    def start(self, timeout: float = 10.0) -> "PrivateBroker":
        binary = self.binary()
        if binary is None:
            raise BrokerError("mosquitto is not installed; install it with 'apt-get install mosquitto'")
        self._process = subprocess.Popen(
            [binary, "-c", str(self.conf_path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.host, self.port):
            if self._process.poll() is not None:
                raise BrokerError(f"mosquitto exited: {self._stderr()} {self.log_tail()}")
            if time.monotonic() > deadline:
                raise BrokerError(f"mosquitto did not listen on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful: Mosquitto writes its persistence file on SIGTERM."""
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def _stderr(self) -> str:
        stream = self._process.stderr if self._process else None
        return stream.read().decode(errors="replace") if stream else ""

    def log_tail(self, lines: int = 20) -> str:
        log = self.dir / "mosquitto.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def __enter__(self) -> "PrivateBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
