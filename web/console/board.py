"""The overview (总览): county figures at a glance and the site board — every site the account
sees with its state, the age of its newest reading, its newest key values against their
limits, and its open alerts and orders; filtered by town, contractor and state.

The figures come from maintenance/status.py in a few grouped reads, so the page stays fast
at a thousand sites (bench/console.py measures it). The board's rows are written here rather
than by the template: measured at 1,000 sites, jinja took about 100 ms over the rows' twenty
thousand lookups, these lines a few; every text from data goes through escape().
"""

import time
from typing import TYPE_CHECKING

from markupsafe import Markup, escape
from starlette.requests import Request

from wastewatch.config.i18n import percent, translations
from wastewatch.config.metrics import METRICS, metric_label
from wastewatch.config.text import duration
from wastewatch.maintenance import status

from .guard import page, sites
from .text import words as console_words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console


@page("view", snapshot=True)
async def overview(console: "Console", request: Request):
    user, now = request.state.session.user, console.ctx.now()
    locale = user.locale
    visible = sites(console, user)
    found = status.statuses(console.ctx, visible, now, lambda *args: _newest(console, *args))
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
    t = {key: escape(text) for key, text in console_words(locale).items()}
    # The columns' heads and the cards' labels carry the unit: "化学需氧量（mg/L）".
    heads = {m: escape(_with_unit(m, locale)) for m in status.KEY_METRICS}
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
            "month": _month(console, visible, now),
            "percent": lambda rate: "—" if rate is None else percent(rate, locale),
            "rows": Markup("".join(_row(s, locale, t, dict(states), heads) for s in shown)),
            "shown": len(shown),
            "filters": filters,
            "towns": sorted({s.town for s in visible}),
            "contractors": [
                c for c in console.config.contractors if any(s.contractor == c.id for s in visible)
            ],
            "metric_names": list(heads.items()),
        },
    )


def _with_unit(metric: str, locale: str) -> str:
    unit = METRICS[metric].unit
    if not unit:
        return metric_label(metric, locale)
    return (
        f"{metric_label(metric, locale)}（{unit}）"
        if locale == "zh-CN"
        else f"{metric_label(metric, locale)} ({unit})"
    )


def _month(console: "Console", visible, now: int) -> status.MonthSoFar:
    """The month so far, computed at most once a minute per set of sites: it sums a month of
    daily counts (66 ms at 1,000 sites) and moves slowly."""
    key = (now // 60, tuple(s.id for s in visible))
    return _kept(console, "month", key, lambda: status.month_so_far(console.ctx, visible, now))


# How long the board reuses the sites' newest readings (the costliest part of it: 60 ms of a
# page at 1,000 sites) in this process: readings come every few minutes, so a board may show
# one up to this many seconds after it is stored; states, alerts and orders are read each time.
NEWEST_S = 10


def _newest(console: "Console", ctx, visible, windowed: frozenset):
    """status.newest_values(), kept per set of sites and windows for NEWEST_S seconds, of the
    service's time and of real time both (a benchmark's clock stands still; a test's jumps)."""
    key = (tuple(s.id for s in visible), windowed, int(ctx.now() // NEWEST_S))
    return _kept(console, "newest", key, lambda: status.newest_values(ctx, visible, windowed), NEWEST_S)


def _kept(console: "Console", name: str, key, make, max_age: float = float("inf")):
    """make(), kept in this process's console cache under `name` while `key` holds and for at
    most `max_age` seconds of real time."""
    cached = console.cache.get(name)
    now = time.monotonic()
    if cached is None or cached[0] != key or now - cached[1] > max_age:
        cached = console.cache[name] = (key, now, make())
    return cached[2]


def _row(s: status.SiteStatus, locale: str, t: dict, state_label: dict, names: dict) -> str:
    site, key = s.site, escape(s.site.id)
    age = (
        # str.replace, not Markup.format: the latter's escaping formatter took 10 ms of a
        # 1,000-site board; a duration is digits and words, escaped all the same.
        t["ago"].replace("{age}", escape(duration(s.age_s, locale)))
        if s.age_s is not None
        else f'<span class="muted">{t["never"]}</span>'
    )
    cells = [
        f'<td class="site head"><a href="/sites/{key}">{escape(site.name)}</a><br>'
        f'<small class="muted">{escape(site.town)}</small></td>',
        _cell(t["state"], f'<span class="st st-{s.state}">{state_label[s.state]}</span>'),
        _cell(t["last_reading"], age),
    ]
    values = {v.metric: v for v in s.values}
    for metric in status.KEY_METRICS:
        v = values.get(metric)
        if v is None:
            cells.append('<td class="nw num empty"></td>')
            continue
        kind = ' class="bad"' if v.over else (' class="muted"' if not v.valid else "")
        title = f' title="{t["limit"]} {v.limit}"' if v.limit else ""
        limit = f'<small class="muted"> / {v.limit}</small>' if v.limit else ""
        cells.append(_cell(names[metric], f"<span{kind}{title}>{v.value:.4g}</span>{limit}", "nw num"))
    alerts = " ".join(
        f'<span class="{severity}">{s.alerts[severity]}</span>'
        for severity in ("critical", "warning", "info")
        if s.alerts.get(severity)
    )
    cells.append(_cell(t["alerts"], _linked(f"/alerts?site={key}", alerts)))
    late = f' <span class="bad">{t["overdue"]} {s.overdue}</span>' if s.overdue else ""
    cells.append(_cell(t["orders"], _linked(f"/orders?site={key}", s.orders and str(s.orders)) + late))
    return f'<tr class="row row-{s.state}">{"".join(cells)}</tr>\n'


def _cell(label: str, inner: str, kind: str = "nw") -> str:
    return f'<td class="{kind}" data-l="{label}">{inner}</td>'


def _linked(href: str, count: str) -> str:
    return f'<a href="{href}">{count}</a>' if count else '<span class="muted">0</span>'
