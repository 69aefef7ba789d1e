"""A site's QR plate in the console: its state on the site's page, and for an administrator or
operator a plate issued (or reissued, the old one retired) and printed as an A6 PDF — what
`wastewatch sites plates` does for one site (maintenance/visits/)."""

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from wastewatch.access import audit
from wastewatch.maintenance.visits import plates, sheet
from wastewatch.store.state import transaction

from .guard import Denied, address, page, site

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console


def state(console: "Console", site_id: str) -> dict | None:
    """The site's plate in use as its page shows it (None before one is issued)."""
    plate = plates.current(console.ctx.db, [site_id]).get(site_id)
    return None if plate is None else {"serial": plate.serial, "issued": console.ctx.local(plate.issued_at)}


def _site(console: "Console", request: Request):
    found = site(console, request.state.session.user, request.path_params["site_id"])
    if found is None:
        raise Denied(404, "missing")
    return found


@page("plates.manage")
async def plate_issue(console: "Console", request: Request):
    """A first plate for the site, or with `reissue` a new one retiring the old; then its PDF."""
    where = _site(console, request)
    user, ctx = request.state.session.user, console.ctx
    reissue = request.state.form.get("reissue") == "1"
    now = ctx.now()
    with transaction(ctx.db):
        before = plates.current(ctx.db, [where.id]).get(where.id)
        [plate] = plates.issue(ctx.db, [where.id], user.username, now, reissue=reissue)
        if plate != before:
            audit.record(
                ctx.db,
                user.username,
                "plate.issue",
                now,
                target=f"{where.id} #{plate.serial}",
                address=address(request),
            )
    return RedirectResponse(f"/sites/{where.id}/plate.pdf", status_code=303)


@page("plates.manage")
async def plate_pdf(console: "Console", request: Request):
    """The site's plate in use, printed (A6, to laminate)."""
    where = _site(console, request)
    plate = plates.current(console.ctx.db, [where.id]).get(where.id)
    if plate is None:
        raise Denied(404, "missing")
    pdf = sheet.printed(console.config, [plate], request.state.session.user.locale)
    name = f"plate-{where.id}-{plate.serial}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{name}"'}
    )
