"""The console's alerts: a list to filter (state, severity, site, rule), an alert with its
history, and acknowledging or resolving it with a note — the same lifecycle calls as
`wastewatch alerts ack|resolve`, recorded in the audit log."""

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse

from wastewatch.access import audit
from wastewatch.alerts import lifecycle, said
from wastewatch.alerts.lifecycle import AlertError, get_alert
from wastewatch.alerts.mail import KINDS, RULES, SEVERITIES, Mail
from wastewatch.config.i18n import N_, gettext
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.reaction import changing

from .guard import Denied, address, page, site, sites
from .period import BadPeriod, days
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

STATES = ("open", "firing", "acknowledged", "resolved", "all")
PAGE = 200  # rows shown; the page says how many more the filter holds
FETCH = 2000


def row(console: "Console", alert, locale: str, mail: Mail) -> dict:
    """An alert as the list and its page show it: the value, unit and limit as its emails say
    them (Mail.reading)."""
    site = console.config.site_by_id.get(alert["site_id"])
    shown = mail.reading(alert)
    return {
        "id": alert["id"],
        "site": site,
        "rule": gettext(locale, RULES.get(alert["rule"], alert["rule"])),
        "metric": shown["label"],
        "severity": alert["severity"],
        "severity_label": gettext(locale, SEVERITIES[alert["severity"]]),
        "kind": gettext(locale, KINDS[alert["kind"]]),
        "state": alert["state"],
        "value": shown["value"],
        "peak": shown["peak"],
        "limit": shown["limit"],
        "since": console.ctx.local(alert["since"]),
        "last": console.ctx.local(alert["last_seen"]),
        "resolved": console.ctx.local(alert["resolved_at"]),
    }


@page("view", snapshot=True)
async def alert_list(console: "Console", request: Request):
    user, locale = request.state.session.user, request.state.session.user.locale
    query = request.query_params
    state = query.get("state", "open") if query.get("state", "open") in STATES else "open"
    severity, site_id, rule = query.get("severity", ""), query.get("site", ""), query.get("rule", "")
    problem = ""
    try:
        opened = days(query, console.config.tz)
    except BadPeriod as exc:
        problem, opened = words(locale)[str(exc)], None
    found = [
        alert
        for alert in lifecycle.listing(
            console.ctx.db, state, limit=FETCH, site_id=site_id, severity=severity, rule=rule, opened=opened
        )
        if site(console, user, alert["site_id"]) is not None
    ]
    mail = Mail(console.ctx, locale)
    return console.render(
        request,
        "console/alerts.html",
        {
            "alerts": [row(console, alert, locale, mail) for alert in found[:PAGE]],
            # Past the 2,000 read, the count is a floor: "1800+".
            "more": f"{len(found) - PAGE}{'+' if len(found) == FETCH else ''}" if len(found) > PAGE else "",
            "filters": {
                "state": state,
                "severity": severity,
                "site": site_id,
                "rule": rule,
                "from": query.get("from", ""),
                "to": query.get("to", ""),
            },
            "problem": problem,
            "states": STATES,
            "severities": [(s, gettext(locale, SEVERITIES[s])) for s in ("critical", "warning", "info")],
            "sites": sites(console, user),
            "rules": sorted((r, gettext(locale, label)) for r, label in RULES.items()),
        },
        status=400 if problem else 200,
    )


def _alert(console: "Console", request: Request):
    """The alert of the path, if the account may see its site; else a 404 (not a 403: an
    account limited to some towns does not learn what exists elsewhere)."""
    try:
        alert = get_alert(console.ctx.db, int(request.path_params["alert_id"]))
    except ValueError:
        alert = None
    if alert is None or site(console, request.state.session.user, alert["site_id"]) is None:
        raise Denied(404, "missing")
    return alert


@page("view")
async def alert_detail(console: "Console", request: Request, problem: str = "", status: int = 200):
    alert = _alert(console, request)
    locale = request.state.session.user.locale
    history = [
        {
            "at": console.ctx.local(t["at"]),
            "old": t["old_state"],
            "new": t["new_state"],
            "actor": said.actor(t["actor"], locale),
            "reason": said.history(t, locale),
        }
        for t in lifecycle.history(console.ctx.db, alert["id"])
    ]
    order = work_orders.linked_order(console.ctx.db, alert["id"])
    return console.render(
        request,
        "console/alert.html",
        {
            "a": row(console, alert, locale, Mail(console.ctx, locale)),
            "history": history,
            "order": order,
            "problem": problem,
        },
        status=status,
    )


@page("alert.act")
async def alert_act(console: "Console", request: Request):
    alert = _alert(console, request)
    user, db, now = request.state.session.user, console.ctx.db, console.ctx.now()
    action = request.path_params["action"]
    note = str(request.state.form.get("note", "")).strip()[:500]
    try:
        with changing(console.ctx):
            if action == "ack":
                lifecycle.acknowledge(db, alert["id"], user.actor, note, now)
            elif action == "resolve":
                if not note:
                    raise AlertError(N_("resolving by hand needs a note saying why"))
                if alert["state"] == "resolved":
                    raise AlertError(N_("alert {alert} is already resolved"), alert=alert["id"])
                lifecycle.resolve(db, alert, now, said.by_hand(note), user.actor)
            else:
                raise Denied(404, "missing")
            audit.record(
                db, user.username, f"alert.{action}", now, target=str(alert["id"]), address=address(request)
            )
    except AlertError as exc:
        return await alert_detail.__wrapped__(console, request, problem=exc.text(user.locale), status=409)
    return RedirectResponse(f"/alerts/{alert['id']}", status_code=303)
