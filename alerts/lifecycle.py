"""Alert lifecycle: firing → acknowledged → resolved, every change a row and a journaled Change.

Findings come from the rules (`evaluate.py`, `daily.py`). An alert opens on the first `over`;
it resolves only after its condition has been clear for the rule's hold time in *reading*
time, so missing data never resolves it and a value hovering at the limit does not flap.
All of it runs inside the caller's transaction, together with the rules' own state.
"""

import json
import logging
from dataclasses import asdict
from typing import TYPE_CHECKING

from wastewatch.config.i18n import N_, NP_, Record, Said, Word
from wastewatch.store.state import Change, State, paged

from . import said
from .findings import Finding, worse

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger("wastewatch.alerts")
RULE_ACTOR = "rules"
# Each state's name (message context "state_<state>", as the console's filters say them).
STATES = {
    "firing": NP_("state_firing", "firing"),
    "acknowledged": NP_("state_acknowledged", "acknowledged"),
    "resolved": NP_("state_resolved", "resolved"),
}


def state_word(state: str) -> Word:
    return Word(STATES[state], f"state_{state}") if state in STATES else Word(state)


class Lifecycle:
    """Findings into alert state, nothing more: each change is journaled on the transaction
    (`db.changed`) for maintenance/reaction.py, which mutes it by a maintenance window, opens
    or joins a work order and tells people."""

    def __init__(self, ctx: "Context"):
        self.ctx = ctx

    def apply(self, findings: list[Finding], now: int) -> list[Change]:
        """The changes `findings` made, in order (also left in the journal)."""
        db = self.ctx.db
        mark = len(db.changes)
        for finding in findings:
            rule = self.ctx.rules.rule(finding.rule)
            alert = open_alert(db, finding.site_id, finding.rule, finding.metric)
            if finding.status == "over":
                self._over(alert, finding, rule, now)
            elif alert is None or finding.at < alert["last_seen"]:
                continue  # nothing open, or evidence older than what the alert already knows
            elif finding.status == "pending":
                db.execute("UPDATE alerts SET clear_since = NULL WHERE id = :id", {"id": alert["id"]})
            else:
                clear_since = alert["clear_since"] if alert["clear_since"] is not None else finding.since
                # Kept either way: work-order verification counts its hold from here.
                db.execute(
                    "UPDATE alerts SET clear_since = :clear_since WHERE id = :id",
                    {"clear_since": clear_since, "id": alert["id"]},
                )
                if finding.at - clear_since >= rule.clear_hold_s:
                    held = finding.at - clear_since
                    record = said.cleared(self.ctx.local(clear_since), held, rule.clear_hold_s)
                    resolve(db, alert, now, record, RULE_ACTOR)
        return db.changes[mark:]

    def _over(self, alert, finding: Finding, rule, now: int) -> None:
        db = self.ctx.db
        detail = dict(finding.detail)
        if finding.limit:
            detail["limit"] = asdict(finding.limit)
        facts = {"finding": finding, "rule": rule}
        if alert is None:
            alert_id = db.execute(
                "INSERT INTO alerts (site_id, rule, metric, kind, severity, state, opened_at, since, "
                "last_seen, value, peak, detail) VALUES (:site_id, :rule, :metric, :kind, :severity, "
                "'firing', :now, :since, :at, :value, :peak, :detail) RETURNING id",
                {
                    "site_id": finding.site_id,
                    "rule": finding.rule,
                    "metric": finding.metric,
                    "kind": rule.kind,
                    "severity": rule.severity,
                    "now": now,
                    "since": finding.since,
                    "at": finding.at,
                    "value": finding.value,
                    "peak": finding.peak,
                    "detail": json.dumps(detail, ensure_ascii=False),
                },
            ).scalar()
            record = said.opened(finding, self.ctx.local(finding.since))
            transition(db, alert_id, None, "firing", record, RULE_ACTOR, now)
            db.changed(Change("alert", alert_id, "opened", now, get_alert(db, alert_id), facts))
            log.info("alert %d opened: %s %s %s", alert_id, finding.site_id, finding.rule, finding.metric)
            return
        fresh = finding.at >= alert["last_seen"]
        if fresh:
            old = json.loads(alert["detail"])
            old.update(detail)
            peak = (
                alert["peak"] if finding.peak is None else worse(alert["peak"], finding.peak, finding.limit)
            )
            db.execute(
                "UPDATE alerts SET last_seen = :at, value = :value, peak = :peak, clear_since = NULL, "
                "detail = :detail WHERE id = :id",
                {
                    "at": finding.at,
                    "value": finding.value,
                    "peak": peak,
                    "detail": json.dumps(old, ensure_ascii=False),
                    "id": alert["id"],
                },
            )
        # Seen again (no transition): how long it has lasted decides on a work order.
        facts["fresh"] = fresh
        db.changed(Change("alert", alert["id"], "over", now, get_alert(db, alert["id"]), facts))


def resolve(db: "State", alert, now: int, record: Record, actor: str) -> None:
    db.execute(
        "UPDATE alerts SET state = 'resolved', resolved_at = :now WHERE id = :id",
        {"now": now, "id": alert["id"]},
    )
    transition(db, alert["id"], alert["state"], "resolved", record, actor, now)
    db.changed(Change("alert", alert["id"], "resolved", now, get_alert(db, alert["id"]), {"record": record}))
    log.info("alert %d resolved: %s", alert["id"], record)


def mute(db: "State", alert_id: int, window, finding: Finding, since: str) -> None:
    """The alert opened inside maintenance window `window`: muted by it, and its opening says
    so (nobody was emailed)."""
    db.execute("UPDATE alerts SET muted_by = :window WHERE id = :id", {"window": window.id, "id": alert_id})
    record = said.opened(finding, since, window)
    db.execute(
        "UPDATE alert_transitions SET reason = :reason, said = :said "
        "WHERE alert_id = :id AND old_state IS NULL",
        {"reason": str(record), "said": record.dumps(), "id": alert_id},
    )


def notified(db: "State", alert_id: int, thread: str | None, now: int):
    """People were told the alert began (its email's thread) or reminded of it, now."""
    if thread is not None:
        db.execute("UPDATE alerts SET thread_id = :thread WHERE id = :id", {"thread": thread, "id": alert_id})
    db.execute("UPDATE alerts SET notified_at = :now WHERE id = :id", {"now": now, "id": alert_id})
    return get_alert(db, alert_id)


def reminders_due(db: "State", now: int, every_s: int) -> list:
    """Critical alerts still firing, last told about `every_s` or more ago."""
    return db.execute(
        "SELECT * FROM alerts WHERE state = 'firing' AND severity = 'critical' AND notified_at <= :due",
        {"due": now - every_s},
    ).fetchall()


def open_alert(db: State, site_id: str, rule: str, metric: str):
    return db.execute(
        "SELECT * FROM alerts WHERE site_id = :site_id AND rule = :rule AND metric = :metric "
        "AND state != 'resolved'",
        {"site_id": site_id, "rule": rule, "metric": metric},
    ).fetchone()


def get_alert(db: State, alert_id: int):
    return db.execute("SELECT * FROM alerts WHERE id = :id", {"id": alert_id}).fetchone()


def transition(
    db: State, alert_id: int, old: str | None, new: str, record: Record, actor: str, at: int
) -> None:
    """One state change, with what it said: in English (`reason`, the command line's) and as
    its sentences (`said`, the pages' and emails', alerts/said.py)."""
    db.execute(
        "INSERT INTO alert_transitions (alert_id, old_state, new_state, reason, said, actor, at) "
        "VALUES (:alert_id, :old, :new, :reason, :said, :actor, :at)",
        {
            "alert_id": alert_id,
            "old": old,
            "new": new,
            "reason": str(record),
            "said": record.dumps(),
            "actor": actor,
            "at": at,
        },
    )


class AlertError(Said):
    """An action an alert's state does not allow, said in one sentence."""


def acknowledge(db: State, alert_id: int, actor: str, note: str, now: int):
    """A firing alert acknowledged by an operator (reminders stop); the caller's transaction."""
    alert = get_alert(db, alert_id)
    if alert is None:
        raise AlertError(N_("no alert {alert}; see 'wastewatch alerts list'"), alert=alert_id)
    if alert["state"] != "firing":
        raise AlertError(
            N_("alert {alert} is {state}; only a firing alert can be acknowledged"),
            alert=alert_id,
            state=state_word(alert["state"]),
        )
    db.execute("UPDATE alerts SET state = 'acknowledged' WHERE id = :id", {"id": alert_id})
    transition(db, alert_id, "firing", "acknowledged", said.acknowledged(note), actor, now)
    return db.changed(Change("alert", alert_id, "acknowledged", now, get_alert(db, alert_id))).row


def listing(
    db: State,
    state: str,
    limit: int = 200,
    site_id: str | None = None,
    severity: str | None = None,
    rule: str | None = None,
    opened: tuple[int, int] | None = None,
) -> list:
    """Alerts in `state` ("open", "all", or one state), open and severe first, newest first;
    `opened`: only those opened within [from, until)."""
    where = [{"open": "state != 'resolved'", "all": "TRUE"}.get(state, "state = :state")]
    for column, value in (("site_id", site_id), ("severity", severity), ("rule", rule)):
        if value:
            where.append(f"{column} = :{column}")
    if opened:
        where.append("opened_at >= :opened_from AND opened_at < :opened_until")
    return db.execute(
        f"SELECT * FROM alerts WHERE {' AND '.join(where)} ORDER BY state = 'resolved', "
        "CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, opened_at DESC LIMIT :limit",
        {
            "state": state,
            "limit": limit,
            "site_id": site_id,
            "severity": severity,
            "rule": rule,
            "opened_from": opened[0] if opened else None,
            "opened_until": opened[1] if opened else None,
        },
    ).fetchall()


def history(db: State, alert_id: int) -> list:
    return db.execute(
        "SELECT * FROM alert_transitions WHERE alert_id = :id ORDER BY id", {"id": alert_id}
    ).fetchall()


def open_count(db: State) -> int:
    return db.execute("SELECT COUNT(*) FROM alerts WHERE state != 'resolved'").scalar()


def open_by_site(db: State) -> dict[str, dict[str, int]]:
    """{site: {severity: open alerts}}: one grouped query for the site board."""
    found: dict[str, dict[str, int]] = {}
    for row in db.execute(
        "SELECT site_id, severity, COUNT(*) AS n FROM alerts WHERE state != 'resolved' "
        "GROUP BY site_id, severity"
    ):
        found.setdefault(row["site_id"], {})[row["severity"]] = row["n"]
    return found


def counts_by_rule(db: State) -> list[tuple[str, int]]:
    return [
        (row["rule"], row["alerts"])
        for row in db.execute("SELECT rule, COUNT(*) AS alerts FROM alerts GROUP BY rule ORDER BY rule")
    ]


# Reads and writes of the alert tables for the jobs and the other lifecycles: this module owns
# the tables, the others ask it.


def alerts_by_id(db: State, ids: list[int]) -> list:
    return db.execute("SELECT * FROM alerts WHERE id IN :ids ORDER BY id", {"ids": list(ids)}).fetchall()


def open_keys_by_site(db: State, site_ids: list[str]) -> dict[str, set[tuple[str, str]]]:
    """{site: (rule, metric) of its open alerts} for many sites in one statement."""
    keys: dict = {}
    for row in db.execute(
        "SELECT site_id, rule, metric FROM alerts WHERE site_id IN :sites AND state != 'resolved'",
        {"sites": list(site_ids)},
    ):
        keys.setdefault(row["site_id"], set()).add((row["rule"], row["metric"]))
    return keys


def open_keys(db: State, site_id: str) -> set[tuple[str, str]]:
    """(rule, metric) of the site's open alerts."""
    return {
        (row["rule"], row["metric"])
        for row in db.execute(
            "SELECT rule, metric FROM alerts WHERE site_id = :site AND state != 'resolved'", {"site": site_id}
        )
    }


def suspect_spans(db: State, start: int, end: int, site_id: str | None = None) -> dict:
    """{(site, metric): [(since, last_seen + 1)]}: the spans stuck-value alerts marked suspect
    that touch [start, end), open or resolved; their readings are not valid samples."""
    spans: dict = {}
    for row in db.execute(
        "SELECT site_id, metric, since, last_seen FROM alerts WHERE rule = 'stuck_value' "
        "AND since < :end AND last_seen >= :start" + (" AND site_id = :site" if site_id else ""),
        {"end": end, "start": start, "site": site_id},
    ):
        spans.setdefault((row["site_id"], row["metric"]), []).append((row["since"], row["last_seen"] + 1))
    return spans


def opened_by_site(db: State, start: int, end: int) -> dict[str, int]:
    """{site: alerts opened in [start, end)}; a site without any is absent."""
    return {
        row["site_id"]: row["n"]
        for row in db.execute(
            "SELECT site_id, COUNT(*) AS n FROM alerts WHERE opened_at >= :start AND opened_at < :end "
            "GROUP BY site_id",
            {"start": start, "end": end},
        )
    }


def silent_since(db: State, site_id: str) -> int | None:
    """When the site's open comms-loss alert began, or None without one."""
    return db.execute(
        "SELECT since FROM alerts WHERE site_id = :site AND rule = 'comms_loss' AND state != 'resolved'",
        {"site": site_id},
    ).scalar()


def unplanned_stops(db: State, lasting_s: int, unreported: bool = False) -> list:
    """Open zero-flow and equipment-stopped alerts, not muted by a window, that have lasted
    `lasting_s` (only those not yet reported to the bureau, when `unreported`), longest first."""
    return [
        alert
        for alert in db.execute(
            "SELECT * FROM alerts WHERE state != 'resolved' AND muted_by IS NULL "
            + ("AND bureau_notified_at IS NULL " if unreported else "")
            + "AND rule IN ('zero_flow', 'equipment') AND last_seen - since >= :after ORDER BY since, id",
            {"after": lasting_s},
        ).fetchall()
        # An equipment alert is a stop only when the machine was stopped, not when it faulted.
        if alert["rule"] != "equipment" or json.loads(alert["detail"]).get("reason") == "stopped"
    ]


def unreported_stops(db: State, lasting_s: int) -> list:
    """The unplanned stops not yet reported to the bureau."""
    return unplanned_stops(db, lasting_s, unreported=True)


def firing_by_site(db: State) -> dict[str, int]:
    """{site: alerts firing, not yet acknowledged}: one grouped query for the operator's queue."""
    return {
        row["site_id"]: row["n"]
        for row in db.execute(
            "SELECT site_id, COUNT(*) AS n FROM alerts WHERE state = 'firing' GROUP BY site_id"
        )
    }


def stop_reported(db: State, alert_id: int, now: int) -> None:
    db.execute("UPDATE alerts SET bureau_notified_at = :now WHERE id = :id", {"now": now, "id": alert_id})


def page(db: State, site_ids, after: int | None, limit: int, states=None, since=None, until=None) -> list:
    """Alerts of `site_ids` by id after the cursor (the read API), in one of `states` and opened
    within [since, until) where given."""
    params = {"sites": list(site_ids), "states": list(states or ()), "since": since, "until": until}
    where = ["site_id IN :sites"] + (["state IN :states"] if states else [])
    where += [c for c, v in (("opened_at >= :since", since), ("opened_at < :until", until)) if v is not None]
    return paged(db, "alerts", where, params, "id", after, limit)
