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
