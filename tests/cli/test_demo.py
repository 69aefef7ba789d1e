"""The README's first command (scripts/demo.sh), shortened: the demo raises alerts, opens a work order and
saves every email it sends as an .eml file."""

import email
import email.policy
import re
import sqlite3

from tests.support import wastewatch


def test_the_demo_shows_alerts_work_orders_and_emails_within_half_a_minute(tmp_path):
    run = wastewatch("demo", "--duration", "30", "--data-dir", tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    db = sqlite3.connect(tmp_path / "wastewatch.db")
    rules = {rule for (rule,) in db.execute("SELECT DISTINCT rule FROM alerts")}
    # Twelve simulated hours: the silent site, the pump alarm, the COD spike, the stuck sensor.
    assert {"comms_loss", "equipment", "sample_exceedance", "stuck_value", "out_of_range"} <= rules
    assert db.execute("SELECT COUNT(*) FROM work_orders").fetchone()[0] >= 1
    saved = sorted((tmp_path / "mail").glob("*.eml"))
    sent = db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
    assert len(saved) == sent > 0
    subjects = [
        str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"]) for p in saved
    ]
    assert any(s.startswith("[工单 WO-") for s in subjects)
    assert sum(line.startswith("email ") for line in run.stdout.splitlines()) == len(saved)
    assert "demo: alerts by rule:" in run.stdout
    # The last three sites are HJ 212 loggers on TCP: their readings are stored like the others'
    # (flow sent in L/s, stored in m³/h), and a frame with a wrong PW was rejected.
    loggers = ("lb-01", "lb-02", "ry-02")
    for site in loggers:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM readings JOIN series ON series.id = readings.series "
            "WHERE site_id = ? AND metric = 'flow'",
            (site,),
        ).fetchone()
        assert count > 50, site
    assert (
        db.execute("SELECT COUNT(*) FROM rejections WHERE reason LIKE 'PW does not match%'").fetchone()[0]
        >= 1
    )
    # The contractor's side: the pages ran, and each work-order email printed its link.
    assert "demo: contractors' work-order pages on http://127.0.0.1:" in run.stdout
    assert "      the contractor's link: http://127.0.0.1:" in run.stdout
    assert db.execute("SELECT COUNT(*) FROM work_orders WHERE origin = 'schedule'").fetchone()[0] >= 1
    # The console: one account per role, each login printed and working.
    assert "demo: the console on http://127.0.0.1:" in run.stdout
    printed = re.findall(r"^      (\w+) +password (\S+)  \((\w+)", run.stdout, re.MULTILINE)
    assert [(user, role) for user, _, role in printed] == [
        (r, r) for r in ("admin", "operator", "regulator", "contractor")
    ]
    from wastewatch.access import accounts
    from wastewatch.config import load_config
    from wastewatch.maintenance.status import coverage
    from wastewatch.store.state import connect

    # The overview's 治理率: twelve villages with a site, one piped, five with nothing.
    found = coverage(load_config(tmp_path / "wastewatch.toml"))
    assert (found.treated, found.total) == (13, 18)
    state = connect(tmp_path / "wastewatch.db")
    try:
        assert all(accounts.authenticate(state, user, password) for user, password, _ in printed)
        # Named in the console's language, not "演示operator".
        names = [accounts.get(state, user).display_name for user, _, _ in printed]
        assert not any(re.search("[A-Za-z]", name) for name in names), names
    finally:
        state.close()
    # The logins again in the status line, for whoever scrolled past them.
    signs = " ".join(f"{user}/{password}" for user, password, _ in printed)
    assert any(
        line.startswith("demo: simulated") and line.endswith(signs) for line in run.stdout.splitlines()
    )


def test_a_second_demo_run_starts_afresh_but_leaves_other_folders_alone(tmp_path):
    (tmp_path / "wastewatch.toml").write_text("# Written by 'wastewatch demo'.\n")
    (tmp_path / "wastewatch.db").write_text("old")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "0001.eml").write_text("old")
    from wastewatch.demo import _start_afresh

    _start_afresh(tmp_path)
    assert not (tmp_path / "wastewatch.db").exists() and not list((tmp_path / "mail").glob("*.eml"))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "wastewatch.toml").write_text("[service]\n")
    (mine / "wastewatch.db").write_text("precious")
    _start_afresh(mine)
    assert (mine / "wastewatch.db").read_text() == "precious"
