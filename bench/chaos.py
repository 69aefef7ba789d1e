"""The soak's fault injectors: a mail server that misbehaves on demand, the data folder on a
disk of its own that can be filled, a process holding the database's write lock, and what the
kernel says about a process's memory and descriptors.

Each records what it did; the soak's checks read those records against what the service
stored (soak_check.py)."""

import asyncio
import email
import email.policy
import errno
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

MAIL_MODES = ("up", "down", "busy", "bounce", "hang")


class Mail:
    """An SMTP server (aiosmtpd) whose behaviour the soak switches:

    up: accepts; down: the port is closed; busy: 451 to every message; bounce: 550 to the
    recipients whose address starts with "bounce" (the others get the message); hang: stops
    answering in the middle of DATA for `hang_s`, then 451 — the client gives up first.

    Only a message answered 250 counts as received: `accepted` holds (Message-ID, recipients,
    monotonic time) for each."""

    def __init__(self, port: int, hang_s: float = 8.0):
        self.port, self.hang_s = port, hang_s
        self.mode = "up"
        self.accepted: list[tuple[str, list[str], float]] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None
        self.start()

    def start(self) -> None:
        mail = self

        class Handler:
            async def handle_RCPT(self, server: SMTP, session, envelope, address: str, options):
                if mail.mode == "bounce" and address.startswith("bounce"):
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: SMTP, session, envelope):
                mode = mail.mode
                if mode == "busy":
                    return "451 4.3.0 try again later"
                if mode == "hang":
                    await asyncio.sleep(mail.hang_s)
                    return "451 4.4.2 timed out"
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with mail.lock:
                    mail.accepted.append(
                        (str(message["Message-ID"]), list(envelope.rcpt_tos), time.monotonic())
                    )
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def set(self, mode: str) -> None:
        if mode == "down" and self.controller:
            self.controller.stop()
            self.controller = None
        elif mode != "down" and self.controller is None:
            self.start()
        self.mode = mode

    def close(self) -> None:
        self.set("down")


class Disk:
    """A tmpfs of `size_mb` mounted on `path` (root only): fill() takes every free byte with a
    ballast file, free() gives them back."""

    def __init__(self, path: Path, size_mb: int):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(self.path)], check=True
        )
        self.ballast = self.path / "ballast"

    @staticmethod
    def available() -> bool:
        return os.geteuid() == 0

    def fill(self) -> int:
        """Bytes written until the disk refused more."""
        written = 0
        fd = os.open(self.ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 20, 1 << 12, 1):
                block = b"\0" * size
                while True:
                    try:
                        written += os.write(fd, block)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        return written

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def close(self) -> None:
        self.free()
        subprocess.run(["umount", "-l", str(self.path)], check=False)


# Holds SQLite's write lock (BEGIN IMMEDIATE) for argv[2] seconds on argv[1]; says when it has it.
_HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


def hold_lock(database: Path, seconds: float) -> subprocess.Popen:
    """Another process that takes the database's write lock for `seconds` (longer than the
    service's busy timeout); returns once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(database), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    holder.stdout.readline()
    return holder


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def usage(pid: int) -> tuple[int, int] | None:
    """(resident kB, open descriptors) of a process, or None when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return rss, fds
