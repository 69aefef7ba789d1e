"""The operator's queue (我的待办), their landing page: what needs them now, in the sites they
see — alerts not yet acknowledged, orders reported done and waiting to be verified (销号),
orders overdue (which deadline, by how long) with a 催办 button, and unplanned stops. The
navigation shows how many things wait, from a few grouped reads (count())."""

from typing import TYPE_CHECKING

from starlette.requests import Request

from wastewatch.alerts import lifecycle
from wastewatch.alerts.mail import RULES, Mail
from wastewatch.config.i18n import gettext
from wastewatch.config.text import duration
from wastewatch.maintenance import work_orders

from . import alerts as alert_pages
from . import orders as order_pages
from .guard import page, site

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

LIMIT = 200  # rows a section shows


def count(console: "Console", user, now: int) -> int:
    """Things waiting for the account's action, for the navigation: firing alerts, orders to
    verify, orders overdue (an order both done and overdue counts once: it is not, done orders
    owe nothing) and unplanned stops."""
    seen = {s.id for s in console.config.sites if user.sees_town(s.town)}
    firing = sum(n for site_id, n in lifecycle.firing_by_site(console.ctx.db).items() if site_id in seen)
    waiting = sum(
        done + late
        for site_id, (done, late) in work_orders.waiting_by_site(console.ctx.db, now).items()
        if site_id in seen
    )
    return firing + waiting + len(_stops(console, seen))


def _stops(console: "Console", seen: set[str]) -> list:
    after = console.ctx.rules.work_orders.unplanned_stop_report_after_s
    return [a for a in lifecycle.unplanned_stops(console.ctx.db, after) if a["site_id"] in seen]


@page("alert.act")
async def queue(console: "Console", request: Request):
    user, now, db = request.state.session.user, console.ctx.now(), console.ctx.db
    locale = user.locale
    mail = Mail(console.ctx, locale)
    seen = {s.id for s in console.config.sites if user.sees_town(s.town)}

    def mine(rows) -> list:
        return [r for r in rows if r["site_id"] in seen][:LIMIT]

    firing = [
        alert_pages.row(console, a, locale, mail) for a in mine(lifecycle.listing(db, "firing", limit=2000))
    ]
    to_verify = [
        order_pages.row(console, o, locale, now) | {"done_at": console.ctx.local(o["resolved_at"])}
        for o in mine(work_orders.listing(db, now, ("resolved",), limit=2000))
    ]
    overdue = [
        order_pages.row(console, o, locale, now)
        for o in mine(work_orders.listing(db, now, work_orders.ACTIVE, overdue_only=True, limit=2000))
    ]
    stops = [
        {
            "id": a["id"],
            "site": site(console, user, a["site_id"]),
            "rule": gettext(locale, RULES[a["rule"]]),
            "value": mail.reading(a)["value"],
            "since": console.ctx.local(a["since"]),
            "lasted": duration(a["last_seen"] - a["since"], locale),
            "reported": console.ctx.local(a["bureau_notified_at"]),
        }
        for a in _stops(console, seen)[:LIMIT]
    ]
    return console.render(
        request,
        "console/queue.html",
        {
            "firing": firing,
            "to_verify": to_verify,
            "overdue": overdue,
            "stops": stops,
            "chased": request.query_params.get("chased", "")[:20],
        },
    )
