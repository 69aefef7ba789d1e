"""Helpers the tests share: waiting, a site logger, the service as a process."""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import paho.mqtt.client as mqtt

from wastewatch.ingest.topics import readings_topic
from wastewatch.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent

# The PostgreSQL server the state tests create their databases on (scripts/test.sh makes sure
# one runs; on this machine kind it does already, with trust auth on 127.0.0.1).
PG_ADMIN = os.environ.get("WASTEWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def postgres_database():
    """A new, empty PostgreSQL database for one test; its SQLAlchemy URL. Dropped after, with
    whatever connections the test left open."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"wastewatch_test_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(PG_ADMIN).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wastewatch(*args, cwd=ROOT, timeout: float = 60, env: dict | None = None):
    """The `wastewatch` command as a user runs it: a process, its exit code, stdout and stderr.
    env: variables to set on top of this process's."""
    return subprocess.run(
        [sys.executable, "-m", "wastewatch", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env} if env else None,
    )


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout} s waiting for {what() if callable(what) else what}"
            )
        time.sleep(interval)


class Publisher:
    """A site logger: publishes at QoS 1 and waits until the broker has each message."""

    def __init__(
        self, broker, client_id: str = "logger", username: str | None = None, password: str | None = None
    ):
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        if username:
            self.client.username_pw_set(username, password)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def send(self, site: str, payload, prefix: str = "wastewatch", wait: bool = True):
        body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        info = self.client.publish(readings_topic(prefix, site), body, qos=1)
        if wait:
            info.wait_for_publish(10)
        return info

    def send_many(self, messages, window: int = 2000):
        """Publishes in windows: paho loses track past 65,535 unacknowledged QoS 1 messages."""
        pending = []
        for site, payload in messages:
            pending.append(self.send(site, payload, wait=False))
            if len(pending) >= window:
                for info in pending:
                    info.wait_for_publish(30)
                pending.clear()
        for info in pending:
            info.wait_for_publish(30)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class Service:
    """`wastewatch serve` as a separate process, so it can be stopped and killed."""

    def __init__(self, config_path: Path, log_path: Path):
        self.config_path, self.log_path = config_path, log_path
        self.process: subprocess.Popen | None = None

    def start(self):
        self.log = open(self.log_path, "a")
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wastewatch", "serve", "--config", str(self.config_path)],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            # Generous: under a loaded CI machine a start has been seen to take over 20 s.
            wait_until(
                lambda: "subscribed to" in self.output(offset) or self.process.poll() is not None,
                timeout=60,
                what="the service to connect",
            )
        except AssertionError as exc:
            # The first lines say how far the start got; the scheduler's once-a-second lines
            # that follow would bury them.
            lines = [line for line in self.output(offset).splitlines() if "evaluation in" not in line]
            shown = "\n".join(lines[:40] + ["…"] + lines[-20:] if len(lines) > 60 else lines)
            raise AssertionError(f"{exc}; its log so far, without evaluation lines:\n{shown}") from None
        assert self.process.poll() is None, self.log_path.read_text()
        return self

    def output(self, offset: int = 0) -> str:
        """The log from a byte offset: the size of the file before this start (a character
        offset would skip past a restart's first lines by the Chinese in the first run's)."""
        return self.log_path.read_bytes()[offset:].decode("utf-8", errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout)
        self.log.close()
        return self.process.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)


def count_readings(config) -> int:
    store = SQLiteStore(config.database_path)
    try:
        return store.count_readings()
    finally:
        store.close()


class MailServer:
    """A real SMTP server (aiosmtpd) on a free port that keeps what it receives.

    Stop it to simulate an outage; start it again on the same port."""

    def __init__(self):
        from wastewatch.ingest.broker import free_port

        self.port = free_port()
        self.messages: list = []  # (envelope recipients, parsed message)
        self.arrived: list[float] = []  # when each was accepted
        self.controller = None

    def start(self):
        import email
        import email.policy

        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                message = email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                )
                server.messages.append((list(envelope.rcpt_tos), message))
                server.arrived.append(time.time())
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for _, m in self.messages]
