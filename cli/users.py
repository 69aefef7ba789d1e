"""`wastewatch users add|list|disable|enable|reset-password|set-role`: the console's accounts.

A new or reset password is generated and printed once (or read from stdin with
--password-stdin); it is never stored in clear. Each change is in the audit log as
`cli:<--by>`."""

import sys
import time

from wastewatch.access import accounts, audit, sessions
from wastewatch.access.roles import ROLES
from wastewatch.config import Config
from wastewatch.config.text import counted
from wastewatch.store.state import connect, transaction

from .common import CommandError, subcommand
from .options import add_by
from .tokens import add_commands as add_token_commands


def add_commands(command) -> None:
    users = command(
        "users",
        None,
        "the console's accounts: add, list, disable, enable, reset-password, set-role; API tokens",
        config=False,
    ).add_subparsers(title="users commands")
    add = subcommand(users, "add", users_add, "add an account; its password is printed once")
    add.add_argument("username", help="2–32 of a–z, 0–9, _ . -, starting with a letter")
    add.add_argument("--role", required=True, choices=ROLES, help="what the account may do")
    add.add_argument("--name", default="", help="the person's name as pages show it (default: the username)")
    add.add_argument("--contractor", help="a contractor account's company (its id in the config)")
    add.add_argument(
        "--towns", default="", help="limit the account to these towns, comma-separated (default: all)"
    )
    add.add_argument(
        "--locale", default="zh-CN", choices=["zh-CN", "en"], help="the pages' language (default: zh-CN)"
    )
    _password_option(add)
    add_by(add, "adds it")
    subcommand(users, "list", users_list, "every account with its role, towns and state")
    for name, handler, text in (
        ("disable", users_disable, "disable an account and sign it out everywhere"),
        ("enable", users_enable, "enable a disabled account"),
        (
            "reset-password",
            users_reset,
            "set a new password (printed once) and sign the account out everywhere",
        ),
    ):
        sub = subcommand(users, name, handler, text)
        sub.add_argument("username", help="the account")
        if name == "reset-password":
            _password_option(sub)
        add_by(sub, "does it")
    role = subcommand(users, "set-role", users_set_role, "change an account's role (and company or towns)")
    role.add_argument("username", help="the account")
    role.add_argument("role", choices=ROLES, help="the new role")
    role.add_argument("--contractor", help="for the contractor role: its company (id)")
    role.add_argument(
        "--towns", help="limit to these towns, comma-separated; '' for all (default: unchanged)"
    )
    add_by(role, "does it")
    add_token_commands(users)


def _password_option(parser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin instead of generating one"
    )


def _password(args) -> tuple[str, bool]:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return accounts.new_password(), True


def _towns(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(t.strip() for t in text.split(",") if t.strip())


def _change(config: Config, args, action: str, target: str, change):
    db = connect(config.state_url)
    now = int(time.time())
    try:
        with transaction(db):
            result = change(db, now)
            audit.record(db, f"cli:{args.by}", action, now, target=target)
    except accounts.AccountError as exc:
        raise CommandError(str(exc)) from None
    return result


def users_add(args, config: Config, when) -> None:
    password, generated = _password(args)
    user = _change(
        config,
        args,
        "user.add",
        args.username,
        lambda db, now: accounts.add(
            db,
            config,
            args.username,
            args.name,
            args.role,
            password,
            now,
            contractor=args.contractor,
            towns=_towns(args.towns) or (),
            locale=args.locale,
        ),
    )
    print(f"user {user.username} added ({user.role}{', ' + user.contractor if user.contractor else ''})")
    if generated:
        print(f"  password: {password}  (shown once; they can be given a new one with users reset-password)")


def users_list(args, config: Config, when) -> None:
    rows = accounts.listing(connect(config.state_url))
    print(counted(len(rows), "user"))
    for u in rows:
        scope = ", ".join(u.towns) if u.towns else "all towns"
        company = f" of {u.contractor}" if u.contractor else ""
        state = " | DISABLED" if u.disabled else ""
        print(f"{u.username:<16} {u.role:<10}{company} {u.display_name} | {scope}{state}")


def users_disable(args, config: Config, when) -> None:
    def change(db, now):
        accounts.set_disabled(db, args.username, True)
        return sessions.end_all(db, accounts.get(db, args.username).id)

    ended = _change(config, args, "user.disable", args.username, change)
    print(f"user {args.username} disabled; {ended} session(s) ended")


def users_enable(args, config: Config, when) -> None:
    _change(
        config,
        args,
        "user.enable",
        args.username,
        lambda db, now: accounts.set_disabled(db, args.username, False),
    )
    print(f"user {args.username} enabled")


def users_reset(args, config: Config, when) -> None:
    password, generated = _password(args)

    def change(db, now):
        accounts.set_password(db, args.username, password, now)
        return sessions.end_all(db, accounts.get(db, args.username).id)

    _change(config, args, "user.reset-password", args.username, change)
    print(f"user {args.username}: new password set, signed out everywhere")
    if generated:
        print(f"  password: {password}  (shown once)")


def users_set_role(args, config: Config, when) -> None:
    user = _change(
        config,
        args,
        "user.set-role",
        args.username,
        lambda db, now: accounts.set_role(
            db, config, args.username, args.role, args.contractor, _towns(args.towns)
        ),
    )
    print(f"user {user.username} is now {user.role}" + (f" of {user.contractor}" if user.contractor else ""))
