"""The `sessions` and `login_failures` tables' owner: who is signed in, and who has failed to.

A session is a random token in an HttpOnly, SameSite=Lax cookie; the table keeps its SHA-256,
so a copy of the database signs nobody in. Each session has its own CSRF token, which every
form that changes something must send back. A new token is issued at every login (no session
fixation), a session ends after [web] session_idle_min without a request and after
session_max_h in any case, and a password reset or a disabled account ends all of a user's.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from . import accounts
from .accounts import User

# last_seen_at is written at most this often: a page's every request need not write.
TOUCH_S = 60


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db, user: User, address: str, now: int) -> tuple[str, str]:
    """A new session for the user: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    db.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen_at, address) "
        "VALUES (:hash, :user, :csrf, :now, :now, :address)",
        {"hash": _hash(token), "user": user.id, "csrf": csrf, "now": now, "address": address},
    )
    return token, csrf


def find(db, token: str | None, now: int, idle_s: int, max_s: int) -> Session | None:
    """The live session of a cookie, or None (unknown, idle too long, too old, user disabled)."""
    if not token:
        return None
    row = db.execute("SELECT * FROM sessions WHERE token_hash = :h", {"h": _hash(token)}).fetchone()
    if row is None:
        return None
    if now - row["last_seen_at"] > idle_s or now - row["created_at"] > max_s:
        db.execute("DELETE FROM sessions WHERE token_hash = :h", {"h": row["token_hash"]})
        return None
    user = accounts.by_id(db, row["user_id"])
    if user is None or user.disabled:
        return None
    if now - row["last_seen_at"] >= TOUCH_S:
        db.execute(
            "UPDATE sessions SET last_seen_at = :now WHERE token_hash = :h",
            {"now": now, "h": row["token_hash"]},
        )
    return Session(user, row["csrf"], row["token_hash"])


def live(db, now: int, idle_s: int, max_s: int) -> int:
    """Sessions someone could still use now (not idle too long, not too old)."""
    return db.execute(
        "SELECT COUNT(*) FROM sessions WHERE last_seen_at >= :idle AND created_at >= :oldest",
        {"idle": now - idle_s, "oldest": now - max_s},
    ).scalar()


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and same_token(session.csrf, sent)


def same_token(expected: str, sent: str) -> bool:
    """A constant-time comparison of two tokens, whatever characters a client sent: on text,
    compare_digest refuses non-ASCII with a TypeError (found by fuzzing the sign-in form)."""
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogateescape"), sent.encode("utf-8", "surrogateescape")
    )


def end(db, token: str | None) -> None:
    if token:
        db.execute("DELETE FROM sessions WHERE token_hash = :h", {"h": _hash(token)})


def end_all(db, user_id: int) -> int:
    """Sign a user out everywhere (a reset password, a disabled account); how many ended."""
    return db.execute("DELETE FROM sessions WHERE user_id = :u", {"u": user_id}).rowcount


def attempt(db, username: str, now: int) -> int:
    """A sign-in about to have its password checked, counted as the account's failure from now
    until it succeeds (forget_failures) — made in the transaction of the throttle check, so
    attempts at once, in however many processes, each see those before them. Its address is
    set only when it fails (failed_login): people signing in at once behind one gateway are not
    refused for each other's attempts in flight."""
    return db.execute(
        "INSERT INTO login_failures (username, address, at) VALUES (:u, '', :now) RETURNING id",
        {"u": username, "now": now},
    ).scalar()


def failed_login(db, attempt_id: int, address: str) -> None:
    """The attempt failed: it counts against its address too."""
    db.execute("UPDATE login_failures SET address = :a WHERE id = :id", {"a": address, "id": attempt_id})


def throttled(db, username: str, address: str, now: int, limit: int, window_s: int) -> bool:
    """Too many failed logins lately, for this account or from this address."""
    since = now - window_s
    by_user = db.execute(
        "SELECT COUNT(*) FROM login_failures WHERE username = :u AND at > :since",
        {"u": username, "since": since},
    ).scalar()
    by_address = db.execute(
        "SELECT COUNT(*) FROM login_failures WHERE address = :a AND at > :since",
        {"a": address, "since": since},
    ).scalar()
    return by_user >= limit or by_address >= limit


def forget_failures(db, username: str, now: int, window_s: int) -> None:
    """A successful login clears the account's count; old rows go too."""
    db.execute(
        "DELETE FROM login_failures WHERE username = :u OR at <= :old", {"u": username, "old": now - window_s}
    )
