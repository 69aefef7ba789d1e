"""What every console request passes: its session, its role's permission, its CSRF token, and
the audit log. Pages declare what they do (an action in access/roles.py); the guard decides.

A page asked for without a session redirects to the login; one the role may not use is a 403
page, recorded in the audit log as denied. A POST must carry the session's CSRF token (the
cookie alone proves nothing: another site's form sends it too).
"""

import logging
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse

from wastewatch.access import audit, sessions
from wastewatch.access.roles import allowed
from wastewatch.access.sessions import Session
from wastewatch.store import state
from wastewatch.web.fieldwork import max_body

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

log = logging.getLogger("wastewatch.web")
COOKIE = "ww_session"


@dataclass
class Denied(Exception):
    status: int
    reason: str  # forbidden, csrf, missing, too_large


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def current(console: "Console", request: Request) -> Session | None:
    web = console.config.web
    return sessions.find(
        console.ctx.db,
        request.cookies.get(COOKIE),
        int(console.session_clock()),
        web.session_idle_min * 60,
        web.session_max_h * 3600,
    )


def sites(console: "Console", user) -> list:
    """The sites an account may see: all, or those of its towns."""
    return [s for s in console.config.sites if user.sees_town(s.town)]


def site(console: "Console", user, site_id: str):
    """The site, if the account may see it; None for an unknown one or another town's."""
    found = console.config.site_by_id.get(site_id)
    return found if found is not None and user.sees_town(found.town) else None


def page(action: str, snapshot: bool = False):
    """A console handler for `action`: it runs with request.state.session set, or the
    request is sent to the login page, or refused (403) and recorded. With `snapshot`, a GET
    reads the state in one transaction (store.state.snapshot): only for a handler that does
    not await, as the busiest lists and the site page."""

    def wrap(handler):
        @wraps(handler)
        async def run(console: "Console", request: Request):
            session = current(console, request)
            if session is None:
                target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
                return RedirectResponse(f"/login?next={target}", status_code=303)
            request.state.session = session
            try:
                if not allowed(session.user.role, action):
                    raise Denied(403, "forbidden")
                if request.method == "POST":
                    # Read only a form of a declared, bounded length: a contractor's report with
                    # its photos is the largest there is.
                    web = console.config.web
                    length = request.headers.get("content-length", "")
                    if not (length.isascii() and length.isdigit()) or int(length) > max_body(web):
                        raise Denied(413, "too_large")
                    form = await request.form(max_files=web.max_photos + 1, max_fields=100)
                    if not sessions.csrf_ok(session, str(form.get("csrf", ""))):
                        raise Denied(403, "csrf")
                    request.state.form = form
                elif snapshot:
                    with state.snapshot(console.ctx.db):
                        return await handler(console, request)
                return await handler(console, request)
            except Denied as denied:
                audit.record(
                    console.ctx.db,
                    session.user.username,
                    f"{request.method} {request.url.path}",
                    console.ctx.now(),
                    address=address(request),
                    outcome="denied",
                    detail=denied.reason,
                )
                log.info(
                    "console: %s denied %s %s (%s)",
                    session.user.username,
                    request.method,
                    request.url.path,
                    denied.reason,
                )
                return console.render(
                    request, "console/denied.html", {"reason": denied.reason}, status=denied.status
                )

        run.action = action
        return run

    return wrap
