"""The database files: readable by the service's own user only.

The store holds every site's readings and the state database the contractors' names, notes
and link records; like the link-signing key they are 0600. SQLite gives the -wal and -shm
files it creates the database file's permissions, so the database file is made (or corrected)
before SQLite opens it.
"""

import os
import sqlite3
from pathlib import Path

PRIVATE = 0o600


def private_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        pass
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if name.stat().st_mode & 0o777 != PRIVATE:
                os.chmod(name, PRIVATE)
        except (FileNotFoundError, PermissionError):
            pass  # no such file yet, or another user's (a reader): SQLite says what it can do


class StoreUnavailable(RuntimeError):
    """The store cannot commit anything just now (disk full, I/O error, locked, read-only):
    retrying the same data later is right, and blaming the data would be wrong.
    `cause` is a short phrase for the log ("disk full")."""

    def __init__(self, cause: str, detail: str):
        super().__init__(f"{cause}: {detail}")
        self.cause = cause


# SQLite's primary result codes that say something about the database, not about the data.
_CAUSES = {
    sqlite3.SQLITE_FULL: "disk full",
    sqlite3.SQLITE_IOERR: "disk I/O error",
    sqlite3.SQLITE_BUSY: "database locked",
    sqlite3.SQLITE_LOCKED: "database locked",
    sqlite3.SQLITE_READONLY: "database read-only",
    sqlite3.SQLITE_CANTOPEN: "database cannot be opened",
    sqlite3.SQLITE_CORRUPT: "database corrupt",
    sqlite3.SQLITE_NOTADB: "database corrupt",
    sqlite3.SQLITE_PROTOCOL: "database locked",
    sqlite3.SQLITE_NOMEM: "out of memory",
}


def unavailable(exc: BaseException) -> StoreUnavailable | None:
    """The StoreUnavailable an error stands for, or None when it is about the data (or a bug).

    SQLite errors by their result code, whether raw or wrapped by SQLAlchemy (`orig`);
    PostgreSQL's by class: an OperationalError there is a server that cannot be reached or
    is shutting down, never a row."""
    if isinstance(exc, StoreUnavailable):
        return exc
    inner = getattr(exc, "orig", None)
    if isinstance(inner, BaseException):
        return unavailable(inner)
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        if type(exc).__module__.startswith("psycopg") and type(exc).__name__ == "OperationalError":
            return StoreUnavailable("database unreachable", str(exc).strip())
        return None
    cause = _CAUSES.get(code & 0xFF)
    return None if cause is None else StoreUnavailable(cause, str(exc))
