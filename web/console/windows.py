"""The console's maintenance windows (planned stops, maintenance, calibration): the list, a
form to register one, and ending one early — the same calls as `wastewatch maintenance`."""

from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse

from wastewatch.access import audit
from wastewatch.alerts import windows
from wastewatch.config.i18n import N_, gettext
from wastewatch.store.state import transaction

from .guard import Denied, address, page, site, sites
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console


def _rows(console: "Console", user, locale: str, active: bool) -> list[dict]:
    now = console.ctx.now()
    rows = []
    for w in windows.listing(console.ctx.db, None, now if active else None):
        where = site(console, user, w["site_id"])
        if where is None:
            continue
        rows.append(
            {
                "id": w["id"],
                "site": where,
                "kind": gettext(locale, windows.LABELS.get(w["kind"], w["kind"])),
                "from": console.ctx.local(w["starts_at"]),
                "until": console.ctx.local(w["ends_at"]),
                "open": w["ends_at"] is None or w["ends_at"] > now,
                "reason": w["reason"],
                "by": w["created_by"],
            }
        )
    return rows


@page("view")
async def window_list(console: "Console", request: Request, problem: str = "", status: int = 200):
    user = request.state.session.user
    active = request.query_params.get("active") == "1"
    return console.render(
        request,
        "console/windows.html",
        {
            "windows": _rows(console, user, user.locale, active),
            "active": active,
            "sites": sites(console, user),
            "kinds": [(k, gettext(user.locale, windows.LABELS[k])) for k in windows.KINDS],
            "problem": problem,
        },
        status=status,
    )


def _moment(console: "Console", text: str) -> int | None:
    """A datetime-local field (YYYY-MM-DDTHH:MM) in the service's zone; None when empty."""
    if not text:
        return None
    return int(datetime.fromisoformat(text).replace(tzinfo=console.config.tz).timestamp())


@page("window.act")
async def window_add(console: "Console", request: Request):
    user, form, now = request.state.session.user, request.state.form, console.ctx.now()
    chosen = site(console, user, str(form.get("site", "")))
    try:
        if chosen is None:
            raise windows.WindowError(N_("choose one of your sites"))
        start = _moment(console, str(form.get("from", ""))) or now
        until = _moment(console, str(form.get("until", "")))
        with transaction(console.ctx.db):
            number = windows.add(
                console.ctx.db,
                chosen.id,
                str(form.get("kind", "")),
                start,
                until,
                str(form.get("reason", "")),
                user.actor,
                now,
            )
            audit.record(
                console.ctx.db, user.username, "window.add", now, target=str(number), address=address(request)
            )
    except windows.WindowError as exc:
        return await window_list.__wrapped__(console, request, problem=exc.text(user.locale), status=400)
    except ValueError:  # a datetime-local field that is no moment
        problem = words(user.locale)["bad_moment"]
        return await window_list.__wrapped__(console, request, problem=problem, status=400)
    return RedirectResponse("/windows", status_code=303)


@page("window.act")
async def window_end(console: "Console", request: Request):
    user, now = request.state.session.user, console.ctx.now()
    try:
        number = int(request.path_params["window_id"])
    except ValueError:
        raise Denied(404, "missing") from None
    # The window's site must be one of the account's: the same 404 as for one that does not
    # exist, so a town-limited account learns nothing of the others.
    found = windows.get(console.ctx.db, number)
    if found is None or site(console, user, found["site_id"]) is None:
        raise Denied(404, "missing")
    try:
        with transaction(console.ctx.db):
            windows.end(console.ctx.db, number, user.actor, now)
            audit.record(
                console.ctx.db, user.username, "window.end", now, target=str(number), address=address(request)
            )
    except windows.WindowError as exc:
        return await window_list.__wrapped__(console, request, problem=exc.text(user.locale), status=409)
    return RedirectResponse("/windows", status_code=303)
