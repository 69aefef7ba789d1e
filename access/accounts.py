"""The `users` table's owner: accounts, their role and towns, and their passwords.

Passwords are hashed with Argon2id (argon2-cffi's defaults: memory-hard, salted, its
parameters in the hash so they can be raised later and old hashes still checked). A password
is checked against a dummy hash when the account does not exist, so the time taken does not
tell whether a username is real.
"""

import json
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from wastewatch.config.i18n import LOCALES, N_, Said

from .roles import ROLES

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password of anyone")
USERNAME = re.compile(r"[a-z][a-z0-9_.-]{1,31}\Z")
MIN_PASSWORD = 10


class AccountError(Said, ValueError):
    """A request the accounts cannot take, said in one sentence (in English on the command
    line, in the reader's language on a page)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    contractor: str | None
    towns: tuple[str, ...]  # () = every town
    locale: str
    disabled: bool

    def sees_town(self, town: str) -> bool:
        return not self.towns or town in self.towns

    def sees_site(self, site) -> bool:
        """A site of its towns; for a contractor's account, of its own company too."""
        return self.sees_town(site.town) and (self.role != "contractor" or site.contractor == self.contractor)

    @property
    def actor(self) -> str:
        """How the account signs what it does in a history: 王科长（wang）."""
        return f"{self.display_name}（{self.username}）"


def _user(row) -> User:
    return User(
        row["id"],
        row["username"],
        row["display_name"],
        row["role"],
        row["contractor"],
        tuple(json.loads(row["towns"])),
        row["locale"],
        bool(row["disabled"]),
    )


def new_password() -> str:
    """A password to hand to a person once: 16 characters from a 64-letter alphabet."""
    return secrets.token_urlsafe(12)


def add(
    db,
    config,
    username: str,
    display_name: str,
    role: str,
    password: str,
    now: int,
    contractor: str | None = None,
    towns: tuple[str, ...] = (),
    locale: str = "zh-CN",
) -> User:
    _check(config, username, role, contractor, towns)
    _check_password(password)
    if get(db, username) is not None:
        raise AccountError(N_("user '{username}' exists already"), username=username)
    db.execute(
        "INSERT INTO users (username, display_name, role, contractor, towns, locale, password_hash, "
        "disabled, created_at, password_changed_at) VALUES (:username, :name, :role, :contractor, "
        ":towns, :locale, :hash, :disabled, :now, :now)",
        {
            "username": username,
            "name": display_name.strip() or username,
            "role": role,
            "contractor": contractor if role == "contractor" else None,
            "towns": json.dumps(sorted(towns), ensure_ascii=False),
            "locale": locale,
            "hash": _hasher.hash(password),
            "disabled": False,
            "now": now,
        },
    )
    return get(db, username)


def get(db, username: str) -> User | None:
    row = db.execute("SELECT * FROM users WHERE username = :u", {"u": username}).fetchone()
    return _user(row) if row else None


def by_id(db, user_id: int) -> User | None:
    row = db.execute("SELECT * FROM users WHERE id = :id", {"id": user_id}).fetchone()
    return _user(row) if row else None


def listing(db) -> list[User]:
    return [_user(row) for row in db.execute("SELECT * FROM users ORDER BY role, username")]


def authenticate(db, username: str, password: str) -> User | None:
    """The enabled user whose password this is, or None; as slow for a name that does not exist."""
    row = credentials(db, username)
    return signed_in(db, row, password) if password_matches(row, password) else None


# The three steps of authenticate(), for a caller that runs the slow middle one elsewhere (the
# console runs Argon2 off its event loop, so a burst of sign-ins does not stall every page).


def credentials(db, username: str):
    return db.execute("SELECT * FROM users WHERE username = :u", {"u": username}).fetchone()


def password_matches(row, password: str) -> bool:
    """Argon2 against the row's hash, or a dummy one without a row. No database: any thread."""
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False
    return row is not None


def signed_in(db, row, password: str) -> User | None:
    """After password_matches: the user, unless disabled; an old hash is upgraded."""
    if row is None or row["disabled"]:
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        db.execute(
            "UPDATE users SET password_hash = :hash WHERE id = :id",
            {"hash": _hasher.hash(password), "id": row["id"]},
        )
    return _user(row)


def set_password(db, username: str, password: str, now: int) -> None:
    _check_password(password)
    _require(db, username)
    db.execute(
        "UPDATE users SET password_hash = :hash, password_changed_at = :now WHERE username = :u",
        {"hash": _hasher.hash(password), "now": now, "u": username},
    )


def set_disabled(db, username: str, disabled: bool) -> None:
    _require(db, username)
    db.execute("UPDATE users SET disabled = :d WHERE username = :u", {"d": disabled, "u": username})


def set_role(
    db, config, username: str, role: str, contractor: str | None = None, towns: tuple[str, ...] | None = None
) -> User:
    user = _require(db, username)
    towns = user.towns if towns is None else towns
    _check(config, username, role, contractor, towns)
    db.execute(
        "UPDATE users SET role = :role, contractor = :contractor, towns = :towns WHERE username = :u",
        {
            "role": role,
            "contractor": contractor if role == "contractor" else None,
            "towns": json.dumps(sorted(towns), ensure_ascii=False),
            "u": username,
        },
    )
    return get(db, username)


def set_locale(db, username: str, locale: str) -> None:
    """The language the account's pages and its emails' links open in."""
    if locale not in LOCALES:
        raise AccountError(
            N_("unknown language '{locale}'; allowed: {allowed}"), locale=locale, allowed=", ".join(LOCALES)
        )
    _require(db, username)
    db.execute("UPDATE users SET locale = :locale WHERE username = :u", {"locale": locale, "u": username})


def _require(db, username: str) -> User:
    user = get(db, username)
    if user is None:
        raise AccountError(N_("no user '{username}'; see 'wastewatch users list'"), username=username)
    return user


def _check(config, username: str, role: str, contractor: str | None, towns) -> None:
    if not USERNAME.match(username):
        raise AccountError(
            N_("username '{username}': 2–32 of a–z, 0–9, '_', '.', '-', starting with a letter"),
            username=username,
        )
    if role not in ROLES:
        raise AccountError(N_("role '{role}': use one of {allowed}"), role=role, allowed=", ".join(ROLES))
    if role == "contractor" and contractor not in config.contractor_by_id:
        known = ", ".join(sorted(config.contractor_by_id)) or "none"
        raise AccountError(N_("a contractor account needs --contractor, one of: {known}"), known=known)
    unknown = sorted(set(towns) - set(config.towns))
    if unknown:
        raise AccountError(
            N_("unknown town '{town}'; the sites are in: {known}"),
            town=unknown[0],
            known=", ".join(config.towns),
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(N_("a password needs at least {n} characters"), n=MIN_PASSWORD)


def may_change(actor: User, target: User) -> bool:
    """Whether `actor` may change `target`'s account: an administrator without a town limit
    may change any; one limited to some towns only accounts limited to some of those."""
    return not actor.towns or (bool(target.towns) and set(target.towns) <= set(actor.towns))


def check_grant(actor: User, target: User | None, towns: tuple[str, ...] | None) -> None:
    """An account grants only what it has. One limited to some towns may change only accounts
    limited to some of its towns (not an all-towns one, which could then be used to reach the
    rest), and give only some of its towns (`towns` None: the target's stay as they are). No one
    changes their own account here: a limit removed by its holder is no limit."""
    if target is not None and target.username == actor.username:
        raise AccountError(N_("you cannot change your own account; ask another administrator"))
    if not actor.towns:
        return
    if target is not None and not may_change(actor, target):
        raise AccountError(
            N_("account '{username}' reaches towns outside yours ({towns}); ask their administrator"),
            username=target.username,
            towns="、".join(actor.towns),
        )
    if towns is not None and not (towns and set(towns) <= set(actor.towns)):
        raise AccountError(
            N_("you may give only your own towns ({towns}); choose one or more of them"),
            towns="、".join(actor.towns),
        )
