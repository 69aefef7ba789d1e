"""The `api_tokens` table's owner: the read API's bearer tokens.

A token is `ww_` and 43 random URL-safe characters, shown once when it is made; the table keeps
its SHA-256 (a copy of the database lets nobody in) and its first characters, which name it in
lists and the audit log. A token acts as its account: the account's role and towns as they are
at each call, so a role changed or an account disabled takes effect at once. It ends at its
expiry or when revoked, whichever comes first.
"""

import hashlib
import secrets
from dataclasses import dataclass

from wastewatch.config.i18n import N_

from . import accounts
from .accounts import AccountError, User

PREFIX = "ww_"
SHOWN = 10  # characters of a token kept to name it: "ww_" and seven of its own
# last_used_at is written at most this often: a busy client's every call need not write.
TOUCH_S = 60


@dataclass(frozen=True)
class Token:
    id: int
    user_id: int
    username: str
    name: str
    prefix: str
    created_at: int
    created_by: str
    expires_at: int
    revoked_at: int | None
    revoked_by: str | None
    last_used_at: int | None

    def live(self, now: int) -> bool:
        return self.state(now) == "live"

    def state(self, now: int) -> str:
        """revoked, expired or live: what lists say of it."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "live"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(row) -> Token:
    return Token(**{field: row[field] for field in Token.__dataclass_fields__})


_SELECT = "SELECT t.*, u.username FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id"


def create(db, user: User, name: str, days: int, now: int, by: str) -> tuple[str, Token]:
    """A new token for the account, valid `days` days: (the token, shown once; its record)."""
    name = name.strip()
    if not name:
        raise AccountError(N_("a token needs a name saying what it is for"))
    if user.disabled:
        raise AccountError(N_("account {username} is disabled"), username=user.username)
    secret = PREFIX + secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO api_tokens (token_hash, prefix, user_id, name, created_at, created_by, expires_at) "
        "VALUES (:hash, :prefix, :user, :name, :now, :by, :expires)",
        {
            "hash": _hash(secret),
            "prefix": secret[:SHOWN],
            "user": user.id,
            "name": name[:100],
            "now": now,
            "by": by,
            "expires": now + days * 86400,
        },
    )
    row = db.execute(_SELECT + " WHERE t.token_hash = :hash", {"hash": _hash(secret)}).fetchone()
    return secret, _token(row)


def listing(db, username: str | None = None) -> list[Token]:
    """Every token (or an account's), newest first, revoked and expired ones too."""
    where = " WHERE u.username = :u" if username else ""
    return [_token(r) for r in db.execute(_SELECT + where + " ORDER BY t.id DESC", {"u": username})]


def get(db, token_id: int) -> Token | None:
    row = db.execute(_SELECT + " WHERE t.id = :id", {"id": token_id}).fetchone()
    return _token(row) if row else None


def revoke(db, token_id: int, by: str, now: int) -> Token:
    """End a token now; revoking one already ended changes nothing."""
    found = get(db, token_id)
    if found is None:
        raise AccountError(N_("no API token {id}"), id=token_id)
    db.execute(
        "UPDATE api_tokens SET revoked_at = :now, revoked_by = :by WHERE id = :id AND revoked_at IS NULL",
        {"now": now, "by": by, "id": token_id},
    )
    return get(db, token_id)  # type: ignore[return-value]


def find(db, secret: str, now: int) -> tuple[Token, User] | None:
    """The live token and its enabled account for a bearer token, or None (unknown, revoked,
    expired, or its account disabled)."""
    if not secret.startswith(PREFIX):
        return None
    row = db.execute(_SELECT + " WHERE t.token_hash = :hash", {"hash": _hash(secret)}).fetchone()
    if row is None:
        return None
    token = _token(row)
    user = accounts.by_id(db, token.user_id)
    if not token.live(now) or user is None or user.disabled:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_S:
        db.execute("UPDATE api_tokens SET last_used_at = :now WHERE id = :id", {"now": now, "id": token.id})
    return token, user
