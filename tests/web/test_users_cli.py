"""`wastewatch users` as an administrator runs it on the server."""

import re

from tests.support import wastewatch
from wastewatch.access import accounts, audit
from wastewatch.config import load_config
from wastewatch.store.state import connect


def test_users_are_added_listed_disabled_reset_and_given_a_role_from_the_command_line(write_config):
    config = write_config()

    def run(*args):
        return wastewatch("users", *args, "--config", config, "--by", "王科长")

    added = run("add", "wang", "--role", "operator", "--name", "王科长")
    assert added.returncode == 0 and added.stdout.startswith("user wang added (operator)\n")
    password = re.search(r"password: (\S+)", added.stdout)[1]
    assert len(password) >= 16
    db = connect(load_config(config).state_url)
    assert accounts.authenticate(db, "wang", password).display_name == "王科长"
    assert "$argon2id$" in db.execute("SELECT password_hash FROM users").scalar()  # never the password

    nocompany = run("add", "qy", "--role", "contractor")
    assert nocompany.returncode == 1 and nocompany.stderr == (
        "wastewatch: a contractor account needs --contractor, one of: qingyuan\n"
    )
    assert (
        run("add", "qy", "--role", "contractor", "--contractor", "qingyuan", "--towns", "城厢镇").returncode
        == 0
    )
    assert run("add", "qy", "--role", "regulator").stderr == "wastewatch: user 'qy' exists already\n"
    assert run("add", "x", "--role", "regulator").stderr.startswith("wastewatch: username 'x': 2–32 of a–z")
    assert run("add", "zz", "--role", "regulator", "--towns", "火星镇").stderr == (
        "wastewatch: unknown town '火星镇'; the sites are in: 城厢镇\n"
    )
    listed = wastewatch("users", "list", "--config", config).stdout
    assert (
        listed.startswith("2 users\n")
        and "qy               contractor of qingyuan" in listed
        and "| 城厢镇" in listed
    )

    assert run("disable", "wang").stdout == "user wang disabled; 0 session(s) ended\n"
    assert accounts.authenticate(db, "wang", password) is None
    assert run("enable", "wang").returncode == 0
    reset = run("reset-password", "wang")
    fresh = re.search(r"password: (\S+)", reset.stdout)[1]
    assert accounts.authenticate(db, "wang", password) is None and accounts.authenticate(db, "wang", fresh)
    assert run("set-role", "qy", "regulator", "--towns", "").stdout == "user qy is now regulator\n"
    assert accounts.get(db, "qy").towns == () and run("disable", "nobody").stderr == (
        "wastewatch: no user 'nobody'; see 'wastewatch users list'\n"
    )
    actions = [(e.actor, e.action, e.target) for e in audit.listing(db)]
    assert ("cli:王科长", "user.add", "wang") in actions and (
        "cli:王科长",
        "user.reset-password",
        "wang",
    ) in actions


def test_an_api_token_is_made_shown_once_listed_and_revoked_from_the_command_line(write_config):
    from wastewatch.access import tokens

    config = write_config()

    def run(*args):
        return wastewatch("users", "token", *args, "--config", config)

    added = wastewatch("users", "add", "gis", "--role", "regulator", "--config", config, "--by", "王科长")
    assert added.returncode == 0
    made = run("create", "gis", "--name", "县GIS", "--days", "90", "--by", "王科长")
    assert made.returncode == 0 and made.stdout.startswith("token 1 for gis (regulator) made, valid until ")
    secret = re.search(r"(ww_\S+)  \(shown once", made.stdout)[1]
    db = connect(load_config(config).state_url)
    found = tokens.find(db, secret, int(tokens.get(db, 1).created_at))
    assert found is not None and found[1].username == "gis"
    assert secret not in str(db.execute("SELECT * FROM api_tokens").fetchall())  # only its hash is kept
    assert tokens.get(db, 1).expires_at - tokens.get(db, 1).created_at == 90 * 86400

    listed = run("list").stdout
    assert listed.startswith("1 token\n") and f"{secret[:10]}… gis" in listed and "县GIS" in listed
    assert "last used" in listed and secret not in listed
    assert run("create", "gis", "--name", "x", "--days", "400", "--by", "王科长").stderr == (
        "wastewatch: --days must be 1 to 365 ([api] token_days), not 400\n"
    )
    assert run("create", "nobody", "--name", "x", "--by", "王科长").stderr == (
        "wastewatch: no account 'nobody' (users list shows them)\n"
    )
    assert (
        run("create", "gis", "--name", " ", "--by", "王科长").stderr
        == "wastewatch: a token needs a name saying what it is for\n"
    )

    assert run("revoke", "1", "--by", "王科长").stdout == "token 1 of gis revoked: refused from now on\n"
    assert tokens.find(db, secret, int(tokens.get(db, 1).created_at)) is None
    assert "revoked" in run("list", "gis").stdout
    assert run("revoke", "7", "--by", "王科长").stderr == "wastewatch: no API token 7\n"
    actions = [(e.actor, e.action, e.target) for e in audit.listing(db)]
    assert ("cli:王科长", "api.token.create", "gis #1") in actions
    assert ("cli:王科长", "api.token.revoke", "gis #1") in actions
