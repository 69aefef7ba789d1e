"""A site's page: its facts and limits with their sources, a chart of each metric over 24 h,
7 d, 30 d or chosen days (reduced on the server, maintenance/trends.py), its alerts, orders,
windows and routine visits due, and its readings as CSV."""

import csv
import io
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from wastewatch.alerts import lifecycle, windows
from wastewatch.alerts.mail import RULES, SEVERITIES
from wastewatch.config.i18n import gettext
from wastewatch.config.metrics import METRICS, metric_label
from wastewatch.maintenance import inspections, trends, work_orders
from wastewatch.maintenance.notices import STATES as ORDER_STATES
from wastewatch.maintenance.notices import subject
from wastewatch.maintenance.report.document import BASES

from . import lab, plates, reviews
from .guard import Denied, page, site
from .period import BadPeriod, days
from .plot import plot
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

CHARTED = tuple(m for m in METRICS if not m.endswith("_state") and m != "flow_total")
ROUTINE = {"routine_inspection": "inspection_due", "effluent_sampling": "sampling_due"}


def period(query, now: int, tz) -> tuple[int, int, str]:
    """(since, until, key) from ?range=24h|7d|30d, or ?from=&to= local dates (both days
    included, at most a year); 24 h by default."""
    asked = days(query, tz, trends.LONGEST_S)
    if asked is not None:
        return asked[0], asked[1], "custom"
    key = query.get("range", "24h")
    key = key if key in trends.RANGES else "24h"
    return now - trends.RANGES[key], now, key


def _site(console: "Console", request: Request):
    found = site(console, request.state.session.user, request.path_params["site_id"])
    if found is None:
        raise Denied(404, "missing")
    return found


@page("view", snapshot=True)
async def site_page(console: "Console", request: Request):
    ctx, now = console.ctx, console.ctx.now()
    where = _site(console, request)
    locale = request.state.session.user.locale
    t = words(locale)
    problem = ""
    try:
        since, until, key = period(request.query_params, now, ctx.config.tz)
    except BadPeriod as exc:
        problem = t[str(exc)]
        since, until, key = now - trends.RANGES["24h"], now, "24h"
    standard = ctx.standard(where.id)
    charts = []
    for metric in (m for m in where.metrics if m in CHARTED):
        found = trends.trend(ctx, where, metric, since, until)
        unit = METRICS[metric].unit
        charts.append(
            {
                "metric": metric,
                "label": metric_label(metric, locale) + (f"（{unit}）" if unit else ""),
                "plot": plot(found, ctx.config.tz, t["limit"]),
                "limit": found.limit,
            }
        )
    return console.render(
        request,
        "console/site.html",
        {
            "s": where,
            "contractor": ctx.config.contractor_by_id.get(where.contractor),
            "standard": standard,
            "standard_name": standard.standard.name_zh if locale == "zh-CN" else standard.standard.name_en,
            "grade_label": (
                standard.standard.grades[standard.grade].label_zh
                if locale == "zh-CN"
                else standard.standard.grades[standard.grade].label_en
            ),
            "limits": _limits(standard, locale),
            "charts": charts,
            "range": key,
            "ranges": list(trends.RANGES),
            "since": datetime.fromtimestamp(since, ctx.config.tz).date().isoformat(),
            "until": datetime.fromtimestamp(until - 1, ctx.config.tz).date().isoformat(),
            "query": request.url.query,
            "problem": problem,
            "alerts": _alerts(console, where, locale),
            "orders": _orders(console, where, locale, now),
            "windows": _windows(console, where, locale),
            "visits": _visits(console, where, now),
            "samples": lab.site_samples(console, where.id, locale),
            "reviews": reviews.rows(console, request.state.session.user, [where.id], locale)[:10],
            "plate": plates.state(console, where.id),
        },
        status=400 if problem else 200,
    )


def _limits(standard, locale: str) -> list[dict]:
    rows = []
    for metric in standard.controlled():
        limit = standard.limit(metric, None)
        spec = standard.standard.limits.get(metric)
        rows.append(
            {
                "label": metric_label(metric, locale),
                "text": limit.text(),
                "unit": METRICS[metric].unit if metric in METRICS else "",
                "basis": gettext(locale, BASES.get(limit.basis, limit.basis)),
                "citation": limit.citation,
                "provisional": not limit.verified,
                "cold": spec.cold_values.get(standard.grade) if spec else None,
            }
        )
    return rows


def _alerts(console: "Console", where, locale: str) -> list[dict]:
    return [
        {
            "id": a["id"],
            "severity": a["severity"],
            "severity_label": gettext(locale, SEVERITIES[a["severity"]]),
            "rule": gettext(locale, RULES.get(a["rule"], a["rule"])),
            "metric": metric_label(a["metric"], locale) if a["metric"] else "",
            "state": a["state"],
            "since": console.ctx.local(a["since"]),
        }
        for a in lifecycle.listing(console.ctx.db, "all", limit=20, site_id=where.id)
    ]


def _orders(console: "Console", where, locale: str, now: int) -> list[dict]:
    return [
        {
            "id": o["id"],
            "summary": subject(console.ctx, o, locale),
            "state": gettext(locale, ORDER_STATES.get(o["state"], o["state"])),
            "repair_by": console.ctx.local(o["repair_by"]),
            "late": work_orders.late_text(o, now, locale),
        }
        for o in work_orders.listing(console.ctx.db, now, work_orders.IN_PLAY, site_id=where.id, limit=50)
    ]


def _windows(console: "Console", where, locale: str) -> list[dict]:
    return [
        {
            "kind": gettext(locale, windows.LABELS.get(w["kind"], w["kind"])),
            "from": console.ctx.local(w["starts_at"]),
            "until": console.ctx.local(w["ends_at"]),
            "reason": w["reason"],
        }
        for w in windows.listing(console.ctx.db, where.id)[:10]
    ]


def _visits(console: "Console", where, now: int) -> list[tuple[str, str]]:
    """(word key, last day) of the routine visits the site's size band schedules."""
    found = []
    for kind, word in ROUTINE.items():
        due = inspections.due(console.ctx, where, kind, now)
        if due is not None:
            # The period ends at a midnight: people count the day before it as the last day.
            found.append((word, datetime.fromtimestamp(due[1] - 1, console.config.tz).date().isoformat()))
    return found


@page("view")
async def readings_csv(console: "Console", request: Request):
    """The site's readings of the period as received, every flag, one row per reading."""
    ctx = console.ctx
    where = _site(console, request)
    try:
        since, until, _ = period(request.query_params, ctx.now(), ctx.config.tz)
    except BadPeriod:
        return Response("from and to must be dates (YYYY-MM-DD), at most a year apart\n", status_code=400)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["site_id", "metric", "time", "value", "flag"])
    for metric in where.metrics:
        for ts, value, flag in ctx.store.scan(where.id, metric, since, until):
            writer.writerow(
                [where.id, metric, datetime.fromtimestamp(ts, ctx.config.tz).isoformat(), value, flag]
            )
    name = f"{where.id}-{datetime.fromtimestamp(since, ctx.config.tz):%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
