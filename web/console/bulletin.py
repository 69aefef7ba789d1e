"""The 通报 problem list in the console: the page (printable from the browser: its print style
leaves out the console's header and the form) and the same list as a workbook."""

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse

from wastewatch.config.i18n import gettext
from wastewatch.maintenance import bulletin, work_orders
from wastewatch.maintenance.notices import STATES, subject

from .guard import page, sites
from .period import BadPeriod, days
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

DEFAULT_DAYS = 14  # a fortnightly meeting


def _period(console: "Console", query) -> tuple[date, date, int, int, str]:
    """(first day, last day, start, end) of ?from=&to= (local dates, both included), the last
    fortnight by default or when they do not make a period; and a problem word key or ""."""
    tz, problem = console.config.tz, ""
    try:
        asked = days(query, tz)
    except BadPeriod as exc:
        asked, problem = None, str(exc)
    if asked is None:
        today = datetime.fromtimestamp(console.ctx.now(), tz).date()
        asked = (
            console.ctx.day_bounds(today - timedelta(days=DEFAULT_DAYS - 1))[0],
            console.ctx.day_bounds(today)[1],
        )
    start, end = asked
    first = datetime.fromtimestamp(start, tz).date()
    last = datetime.fromtimestamp(end - 1, tz).date()
    return first, last, start, end, problem


def _build(console: "Console", request: Request):
    first, last, start, end, problem = _period(console, request.query_params)
    found = bulletin.build(
        console.ctx, sites(console, request.state.session.user), start, end, console.ctx.now()
    )
    return found, first, last, problem


@page("view")
async def bulletin_page(console: "Console", request: Request):
    found, first, last, problem = _build(console, request)
    locale = request.state.session.user.locale
    local = console.ctx.local
    return console.render(
        request,
        "console/bulletin.html",
        {
            "b": found,
            "issuer": console.config.bureau.name,
            "printed": console.ctx.now(),
            "first": first.isoformat(),
            "last": last.isoformat(),
            "problem": words(locale)[problem] if problem else "",
            "parties": found.by_party(),
            "overdue": sum(p["overdue"] for p in found.open),
            "local": local,
            "subject": lambda p: bulletin.subject(p | {"summary": subject(console.ctx, p, locale)}, locale),
            "late": lambda passed: work_orders.late_words(passed, locale),
            "state": lambda s: gettext(locale, STATES.get(s, s)),
            "query": request.url.query,
        },
        status=400 if problem else 200,
    )


@page("view")
async def bulletin_xlsx(console: "Console", request: Request):
    found, first, last, _ = _build(console, request)
    folder = Path(tempfile.mkdtemp(prefix="ww-bulletin-"))
    path = folder / f"bulletin-{first:%Y%m%d}-{last:%Y%m%d}.xlsx"
    bulletin.write_xlsx(found, path, request.state.session.user.locale, console.config.tz)

    def remove() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=path.name,
        background=BackgroundTask(remove),
    )
