"""A contractor's own orders in the console: an order of its company with its deadlines and
history, acknowledging it (接单) and reporting it done with a note, photos and, for a routine
visit, its time and checklist — what the signed links of the emails do, signed by the account
instead of a link (web/fieldwork.py does the reading and recording for both)."""

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse

from wastewatch.access import audit
from wastewatch.alerts.said import actor
from wastewatch.config.i18n import gettext
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.notices import STATES, subject
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.visits.plates import VisitError
from wastewatch.web import checkin, fieldwork
from wastewatch.web.fieldwork import ALLOWED, Problem
from wastewatch.web.text import words as field_words

from .guard import Denied, address, page, site

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

log = logging.getLogger("wastewatch.web")


def _own(console: "Console", request: Request):
    """The order of the path, if it is the account's company's and at a site of its towns; else
    a 404."""
    user = request.state.session.user
    order = work_orders.get(console.ctx.db, request.path_params["order_id"])
    if (
        order is None
        or order["contractor"] != user.contractor
        or site(console, user, order["site_id"]) is None
    ):
        raise Denied(404, "missing")
    return order


@page("order.own")
async def own_order(
    console: "Console", request: Request, problem: str = "", fields: dict | None = None, status=200
):
    order = _own(console, request)
    ctx, now = console.ctx, console.ctx.now()
    locale = request.state.session.user.locale
    w, web = field_words(locale), console.config.web
    marks = work_orders.late_by_deadline(order, now, locale)
    companies = {c.id: c.name for c in console.config.contractors}
    history = [
        {
            "ts": t["at"],
            "at": ctx.local(t["at"]),
            "new": gettext(locale, STATES.get(t["new_state"], t["new_state"])),
            "actor": actor(t["actor"], locale, companies),
            "note": work_orders.said.timeline(t, locale),
        }
        for t in work_orders.transitions(ctx.db, order["id"])
    ]
    # Its own check-ins too, with what the checks found: what the bureau sees of the visit.
    history = checkin.timeline(ctx, order, locale, companies, history)
    return console.render(
        request,
        "console/own_order.html",
        {
            "o": order,
            "subject": subject(ctx, order, locale),
            "site": console.config.site_by_id.get(order["site_id"]),
            "state": gettext(locale, STATES[order["state"]]),
            "acknowledge_by": ctx.local(order["acknowledge_by"]),
            "repair_by": ctx.local(order["repair_by"]),
            "ack_late": marks["acknowledge"],
            "repair_late": marks["repair"],
            "history": history,
            "photos": len(work_orders.attachments(ctx.db, order["id"])),
            "actions": [a for a in ("acknowledge", "done") if order["state"] in ALLOWED[a]],
            "routine": order["kind"] in work_orders.ROUTINE,
            "checklist": ctx.rules.inspections.checklist,
            "visit": checkin.shown(ctx, order, locale),
            "checkin_url": f"/my/orders/{order['id']}/checkin",
            "w": w,
            "photos_hint": w["photos_hint"].format(n=web.max_photos, mb=f"{web.max_photo_mb:g}"),
            "max_photos": web.max_photos,
            "form": fields or {"note": "", "visited": checkin.visited(ctx, order), "answers": {}},
            "problem": problem,
            # After a report: what happens next, as the links' pages say it.
            "sent": {"acknowledge": w["acknowledged"], "done": w["reported"]}.get(
                request.query_params.get("sent", "")
            )
            if not problem
            else None,
        },
        status=status,
    )


@page("order.own")
async def own_order_act(console: "Console", request: Request):
    order = _own(console, request)
    action = request.path_params["action"]
    if action == "checkin":
        return _checkin(console, request, order)
    if action not in ALLOWED:
        raise Denied(404, "missing")
    ctx, user = console.ctx, request.state.session.user
    w = field_words(user.locale)
    if fieldwork.received_before(ctx, order["id"], request.state.form) is not None:
        # A phone's queue sending it again: received once, nothing changes.
        return RedirectResponse(f"/my/orders/{order['id']}?sent={action}", status_code=303)
    try:
        if order["state"] not in ALLOWED[action]:
            raise fieldwork.moved_on(order, action, ctx.local) or Problem(
                "state", 409, state=gettext(user.locale, STATES[order["state"]])
            )
        report = await fieldwork.read(request.state.form, order, action, ctx, console.config.web)
        paths = fieldwork.store_photos(console.config, order, report)
        now = ctx.now()
        with changing(ctx):
            fieldwork.record(ctx, order, action, user.actor, report, paths, now)
            audit.record(
                ctx.db, user.username, f"order.{action}", now, target=order["id"], address=address(request)
            )
    except Problem as problem:
        message = w[f"err_{problem.key}"].format(**problem.values)
        return await own_order.__wrapped__(console, request, message, problem.fields, problem.status)
    except work_orders.WorkOrderError as exc:
        return await own_order.__wrapped__(console, request, exc.text(user.locale), None, 409)
    log.info("work order %s: %s by %s in the console", order["id"], action, user.username)
    return RedirectResponse(f"/my/orders/{order['id']}?sent={action}", status_code=303)


def _checkin(console: "Console", request: Request, order) -> JSONResponse:
    """到场签到 from the account's own order page (the page's script posts it, with the CSRF
    token the guard checked): JSON for the script, as the signed link's check-in answers."""
    ctx, user = console.ctx, request.state.session.user
    if order["state"] not in ALLOWED["done"]:
        problem = fieldwork.moved_on(order, "done", ctx.local)
        message = field_words(user.locale)[f"err_{problem.key}"].format(**problem.values) if problem else ""
        return JSONResponse({"recorded": False, "error": message}, status_code=409)
    try:
        _, new = checkin.record(ctx, order, request.state.form, user.actor, address(request))
    except VisitError as exc:
        return checkin.refusal(exc, user.locale)
    log.info("work order %s: check-in by %s in the console", order["id"], user.username)
    return checkin.answer(ctx, work_orders.get(ctx.db, order["id"]), user.locale, new)
