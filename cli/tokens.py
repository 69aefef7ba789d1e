"""`wastewatch users token create|list|revoke`: the read API's tokens (docs/api.md).

A token is printed once when it is made; only its SHA-256 is kept. It acts as its account (the
account's role and towns at each call) until it expires or is revoked. Each is in the audit log
as `cli:<--by>`."""

import time
from datetime import datetime

from wastewatch.access import accounts, audit, tokens
from wastewatch.config import Config
from wastewatch.config.text import counted
from wastewatch.store.state import connect, transaction

from .common import CommandError, subcommand
from .options import add_by


def add_commands(users) -> None:
    token = users.add_parser(
        "token", help="the read API's tokens: create, list, revoke", description="the read API's tokens"
    ).add_subparsers(title="token commands")
    create = subcommand(token, "create", token_create, "make a token for an account; it is printed once")
    create.add_argument("username", help="the account the token acts as")
    create.add_argument("--name", required=True, help="what it is for (省监管平台, GIS, …), as lists show it")
    create.add_argument("--days", type=int, help="how long it lasts (default and longest: [api] token_days)")
    add_by(create, "makes it")
    listing = subcommand(token, "list", token_list, "every token (or an account's) with its state")
    listing.add_argument("username", nargs="?", help="only this account's")
    revoke = subcommand(token, "revoke", token_revoke, "end a token now")
    revoke.add_argument("id", type=int, help="the token's number (token list)")
    add_by(revoke, "revokes it")


def _day(ts: int | None, config: Config) -> str:
    return "—" if ts is None else f"{datetime.fromtimestamp(ts, config.tz):%Y-%m-%d %H:%M}"


def token_create(args, config: Config, when) -> None:
    longest = config.api.token_days
    days = longest if args.days is None else args.days
    if not 1 <= days <= longest:
        raise CommandError(f"--days must be 1 to {longest} ([api] token_days), not {days}")
    db = connect(config.state_url)
    now = int(time.time())
    try:
        with transaction(db):
            user = accounts.get(db, args.username)
            if user is None:
                raise CommandError(f"no account {args.username!r} (users list shows them)")
            secret, made = tokens.create(db, user, args.name, days, now, f"cli:{args.by}")
            audit.record(db, f"cli:{args.by}", "api.token.create", now, target=f"{user.username} #{made.id}")
    except accounts.AccountError as exc:
        raise CommandError(str(exc)) from None
    print(
        f"token {made.id} for {user.username} ({user.role}) made, valid until {_day(made.expires_at, config)}"
    )
    print(f"  {secret}  (shown once: give it to the system that calls the API)")


def token_list(args, config: Config, when) -> None:
    rows = tokens.listing(connect(config.state_url), args.username)
    now = int(time.time())
    print(counted(len(rows), "token"))
    for t in rows:
        state = {
            "revoked": f"revoked {_day(t.revoked_at, config)}",
            "expired": "expired",
            "live": f"until {_day(t.expires_at, config)}",
        }[t.state(now)]
        used = _day(t.last_used_at, config)
        print(f"{t.id:>4} {t.prefix}… {t.username:<16} {t.name} | {state} | last used {used}")


def token_revoke(args, config: Config, when) -> None:
    db = connect(config.state_url)
    now = int(time.time())
    try:
        with transaction(db):
            done = tokens.revoke(db, args.id, f"cli:{args.by}", now)
            audit.record(db, f"cli:{args.by}", "api.token.revoke", now, target=f"{done.username} #{done.id}")
    except accounts.AccountError as exc:
        raise CommandError(str(exc)) from None
    print(f"token {done.id} of {done.username} revoked: refused from now on")
