"""The overview (总览): county figures at a glance and the site board — every site the account
sees with its state, the age of its newest reading, its newest key values against their
limits, and its open alerts and orders; filtered by town, contractor and state.

The figures come from maintenance/status.py in a few grouped reads, so the page stays fast
at a thousand sites (bench/console.py measures it).
"""

from starlette.requests import Request

from wastewatch.config.i18n import translations
from wastewatch.config.metrics import METRICS, metric_label
from wastewatch.config.text import duration
from wastewatch.maintenance import status

from .guard import page, sites


@page("view")
async def overview(console, request: Request):
    user, now = request.state.session.user, console.ctx.now()
    locale = user.locale
    visible = sites(console, user)
    found = status.statuses(console.ctx, visible, now)
    query = request.query_params
    filters = {key: query.get(key, "") for key in ("town", "contractor", "state")}
    shown = [
        s
        for s in found
        if (not filters["town"] or s.site.town == filters["town"])
        and (not filters["contractor"] or s.site.contractor == filters["contractor"])
        and (not filters["state"] or s.state == filters["state"])
    ]
    alerts = {sev: sum(s.alerts.get(sev, 0) for s in found) for sev in ("critical", "warning", "info")}
    towns = None if not user.towns else set(user.towns)
    words = translations(locale)
    states = [(key, words.pgettext("site state", status.LABELS[key])) for key in status.STATES]
    return console.render(
        request,
        "console/home.html",
        {
            "states": states,
            "state_label": dict(states),
            "counts": status.counts(found),
            "total": len(found),
            "alerts": alerts,
            "orders": sum(s.orders for s in found),
            "overdue": sum(s.overdue for s in found),
            "coverage": status.coverage(console.config, towns),
            "rows": [_row(s, locale) for s in shown],
            "filters": filters,
            "towns": sorted({s.town for s in visible}),
            "contractors": [
                c for c in console.config.contractors if any(s.contractor == c.id for s in visible)
            ],
            "metric_names": [(m, metric_label(m, locale)) for m in status.KEY_METRICS],
        },
    )


def _row(s: status.SiteStatus, locale: str) -> dict:
    values = {
        v.metric: {
            "text": f"{v.value:.4g}",
            "unit": METRICS[v.metric].unit,
            "over": v.over,
            "invalid": not v.valid,
            "limit": v.limit,
        }
        for v in s.values
    }
    return {
        "site": s.site,
        "state": s.state,
        "age": "" if s.age_s is None else duration(s.age_s, locale),
        "values": values,
        "alerts": s.alerts,
        "orders": s.orders,
        "overdue": s.overdue,
    }
