"""The console's work orders: the list (overdue first), an order with its timeline, photos,
checklist and the readings check, and verifying (销号), reopening or cancelling it — the same
calls as `wastewatch workorders verify|reopen|cancel`, recorded in the audit log."""

import json
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse

from wastewatch.access import audit
from wastewatch.alerts.mail import WORK_ORDER_KINDS
from wastewatch.alerts.said import actor
from wastewatch.config.i18n import gettext
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.notices import STATES, subject
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.work_orders import WorkOrderError

from .. import checkin
from .guard import Denied, address, page, site, sites
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

LISTS = {"in-play": work_orders.IN_PLAY, "closed": ("closed",), "cancelled": ("cancelled",)}
ACTIONS = {
    "verify": work_orders.verify,
    "reopen": work_orders.reopen,
    "cancel": work_orders.cancel,
    "chase": work_orders.chase,
}


def row(console: "Console", order, locale: str, now: int) -> dict:
    site = console.config.site_by_id.get(order["site_id"])
    contractor = console.config.contractor_by_id.get(order["contractor"])
    marks = work_orders.late_by_deadline(order, now, locale)
    return {
        "id": order["id"],
        "site": site,
        "contractor": contractor.name if contractor else order["contractor"],
        "in_play": order["state"] in work_orders.IN_PLAY,
        "kind": gettext(locale, WORK_ORDER_KINDS.get(order["kind"], order["kind"])),
        "state": order["state"],
        "state_label": gettext(locale, STATES.get(order["state"], order["state"])),
        "summary": subject(console.ctx, order, locale),
        "opened": console.ctx.local(order["opened_at"]),
        "acknowledge_by": console.ctx.local(order["acknowledge_by"]),
        "repair_by": console.ctx.local(order["repair_by"]),
        "ack_late": marks["acknowledge"],
        "repair_late": marks["repair"],
        "late": work_orders.late_text(order, now, locale),
    }


@page("view", snapshot=True)
async def order_list(console: "Console", request: Request, problem: str = "", status: int = 200):
    user, now = request.state.session.user, console.ctx.now()
    which = request.query_params.get("state", "in-play")
    which = which if which in LISTS else "in-play"
    overdue = request.query_params.get("overdue") == "1"
    one = site(console, user, request.query_params.get("site", ""))
    rows = [
        row(console, o, user.locale, now)
        for o in work_orders.listing(
            console.ctx.db,
            now,
            LISTS[which],
            site_id=one.id if one else None,
            overdue_only=overdue,
            limit=2000,
        )
        if site(console, user, o["site_id"]) is not None
    ]
    return console.render(
        request,
        "console/orders.html",
        {
            "orders": rows[:500],
            "which": which,
            "overdue": overdue,
            "lists": LISTS,
            "one_site": one,
            "sites": sites(console, user),
            "kinds": [(k, gettext(user.locale, WORK_ORDER_KINDS[k])) for k in work_orders.MANUAL_KINDS],
            "priorities": work_orders.PRIORITIES,
            "problem": problem,
            "form": request.state.form if problem else {},
        },
        status=status,
    )


def _order(console: "Console", request: Request):
    order = work_orders.get(console.ctx.db, request.path_params["order_id"])
    if order is None or site(console, request.state.session.user, order["site_id"]) is None:
        raise Denied(404, "missing")
    return order


@page("view")
async def order_detail(console: "Console", request: Request, problem: str = "", status: int = 200):
    order = _order(console, request)
    db, now, locale = console.ctx.db, console.ctx.now(), request.state.session.user.locale
    check = work_orders.verification(console.ctx, order, now)
    companies = {c.id: c.name for c in console.config.contractors}
    timeline = [
        {
            "ts": t["at"],
            "at": console.ctx.local(t["at"]),
            "old": gettext(locale, STATES[t["old_state"]]) if t["old_state"] else "—",
            "new": gettext(locale, STATES.get(t["new_state"], t["new_state"])),
            "actor": actor(t["actor"], locale, companies),
            "note": work_orders.said.timeline(t, locale),
        }
        for t in work_orders.transitions(db, order["id"])
    ]
    timeline = checkin.timeline(console.ctx, order, locale, companies, timeline)
    photos = [
        {
            "n": n,
            "name": p["original_name"],
            "by": p["uploaded_by"],
            "at": console.ctx.local(p["uploaded_at"]),
        }
        for n, p in enumerate(work_orders.attachments(db, order["id"]), start=1)
    ]
    return console.render(
        request,
        "console/order.html",
        {
            "o": row(console, order, locale, now),
            "contractors": [c for c in console.config.contractors if c.id != order["contractor"]],
            "timeline": timeline,
            "photos": photos,
            "checklist": json.loads(order["checklist"]) if order["checklist"] else {},
            "check": check,
            "check_lines": check.lines(locale),
            "visit": checkin.shown(console.ctx, order, locale),
            "routine": order["kind"] in work_orders.ROUTINE,
            "problem_lines": [x.text(locale) for x in check.problems],
            "problem": problem,
        },
        status=status,
    )


@page("view")
async def order_photo(console: "Console", request: Request):
    """A photo, served with the image type it was checked to be when uploaded, never guessed."""
    order = _order(console, request)
    try:
        n = int(request.path_params["n"])
        photo = work_orders.attachments(console.ctx.db, order["id"])[n - 1]
    except (ValueError, IndexError):
        raise Denied(404, "missing") from None
    if n < 1:
        raise Denied(404, "missing")
    return FileResponse(console.config.data_dir / photo["path"], media_type=photo["content_type"])


@page("order.act")
async def order_act(console: "Console", request: Request):
    order = _order(console, request)
    action = request.path_params["action"]
    if action not in ACTIONS and action != "assign":
        raise Denied(404, "missing")
    user, db, now = request.state.session.user, console.ctx.db, console.ctx.now()
    form = request.state.form
    note = str(form.get("note", "")).strip()[:500]
    try:
        with changing(console.ctx):
            if action == "assign":
                contractor = str(form.get("contractor", ""))
                work_orders.assign(console.ctx, order["id"], contractor, user.actor, note, now)
            else:
                ACTIONS[action](console.ctx, order["id"], user.actor, note, now)
            audit.record(
                db, user.username, f"order.{action}", now, target=order["id"], address=address(request)
            )
    except WorkOrderError as exc:
        return await order_detail.__wrapped__(console, request, problem=exc.text(user.locale), status=409)
    # A 催办 from the queue returns there, saying so; every other action to the order's page.
    if form.get("back") == "/queue":
        return RedirectResponse(f"/queue?chased={order['id']}", status_code=303)
    return RedirectResponse(f"/orders/{order['id']}", status_code=303)


@page("order.act")
async def order_new(console: "Console", request: Request):
    """A manual order (an operator's request), as `wastewatch workorders new`."""
    user, db, now = request.state.session.user, console.ctx.db, console.ctx.now()
    form = request.state.form
    where = site(console, user, str(form.get("site", "")))
    kind, priority = str(form.get("kind", "")), str(form.get("priority", "normal"))
    summary = " ".join(str(form.get("summary", "")).split())[:200]
    t = words(user.locale)
    problem = (
        t["pick_site"]
        if where is None
        else t["need_summary"]
        if not summary
        else t["bad_choice"]
        if kind not in work_orders.MANUAL_KINDS or priority not in work_orders.PRIORITIES
        else ""
    )
    if problem:
        return await order_list.__wrapped__(console, request, problem=problem, status=400)
    note = str(form.get("note", "")).strip()[:500]
    with changing(console.ctx):
        order = work_orders.open_order(
            console.ctx, where.id, kind, "manual", summary, now, user.actor, priority=priority, note=note
        )
        audit.record(db, user.username, "order.new", now, target=order["id"], address=address(request))
    return RedirectResponse(f"/orders/{order['id']}", status_code=303)
