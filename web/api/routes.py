"""The read API's routes: each authenticates its caller (guard.py), narrows to the sites the
caller sees, and asks the owner of the state. Lists page by a cursor in id order."""

import json
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from wastewatch.alerts import lifecycle, reviews, said, windows
from wastewatch.config.metrics import METRICS
from wastewatch.maintenance import status, work_orders
from wastewatch.maintenance.lab import records
from wastewatch.maintenance.report import monthly

from . import models
from .guard import Caller, Problem, authenticate
from .paging import NumberCursor, OrderCursor, SiteCursor, TimeCursor, cursor, local

router = APIRouter()
Town = Annotated[str | None, Query(description="Only the sites of this town (乡镇).")]
SiteId = Annotated[
    str | None, Query(alias="site", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Only this site.")
]
SitePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The site's id.")]
Limit = Annotated[int, Query(ge=1, le=10_000, description="Items a page, at most `[api] page_size`.")]
From = Annotated[datetime | None, Query(alias="from", description="ISO 8601; without an offset, local time.")]
Until = Annotated[
    datetime | None, Query(description="ISO 8601, not included; without an offset, local time.")
]


def _caller(request: Request, action: str = "api.read") -> Caller:
    return authenticate(request.app.state, request, action)


def _state(request: Request):
    return request.app.state.ctx, request.app.state.config


def _epoch(value: datetime | None, zone) -> int | None:
    if value is None:
        return None
    return int((value if value.tzinfo else value.replace(tzinfo=zone)).timestamp())


def _sites(caller: Caller, town: str | None, site_id: str | None) -> list:
    if site_id is not None:
        found = caller.site(site_id)
        return [found] if town is None or found.town == town else []
    return [s for s in caller.sites if town is None or s.town == town]


def _limit(request: Request, limit: int) -> int:
    return min(limit, request.app.state.config.api.page_size)


def _number(text: str | None) -> int | None:
    return None if text is None else int(text)


def _page(rows: list, limit: int, key: str = "id"):
    """(the rows of this page, the next cursor): one more row than a page was read to know."""
    return rows[:limit], cursor(rows[limit - 1][key]) if len(rows) > limit else None


def _site(s: status.SiteStatus, ctx, zone) -> models.Site:
    site, standard = s.site, ctx.standard(s.site.id)
    return models.Site(
        id=site.id,
        name=site.name,
        town=site.town,
        village=site.village,
        capacity_m3d=site.capacity_m3d,
        contractor=site.contractor,
        location=tuple(site.location) if site.location else None,
        standard=standard.standard.id,
        grade=standard.grade,
        state=s.state,
        last_reading_at=local(s.last_ts, zone),
        open_alerts=sum(s.alerts.values()),
        orders_in_play=s.orders,
        orders_overdue=s.overdue,
        values=[
            models.Value(
                metric=v.metric,
                unit=METRICS[v.metric].unit,
                value=v.value,
                at=local(v.ts, zone),
                valid=v.valid,
                over=v.over,
                limit=v.limit,
            )
            for v in s.values
        ],
    )


@router.get("/sites", response_model=models.Page[models.Site], summary="Sites and what each is doing now")
async def site_list(request: Request, town: Town = None, cursor_: SiteCursor = None, limit: Limit = 100):
    caller, (ctx, config) = _caller(request), _state(request)
    limit, start = _limit(request, limit), cursor_
    chosen = sorted(
        (s for s in _sites(caller, town, None) if start is None or s.id > start), key=lambda s: s.id
    )
    shown = chosen[:limit]
    found = status.statuses(ctx, shown, int(ctx.now()))
    return {
        "items": [_site(s, ctx, config.tz) for s in found],
        "next_cursor": cursor(shown[-1].id) if len(chosen) > limit else None,
    }


@router.get("/sites/{site_id}", response_model=models.Site, summary="A site and what it is doing now")
async def site_one(request: Request, site_id: SitePath):
    caller, (ctx, config) = _caller(request), _state(request)
    [found] = status.statuses(ctx, [caller.site(site_id)], int(ctx.now()))
    return _site(found, ctx, config.tz)


def _metrics(site, metric: list[str] | None) -> list[str]:
    if not metric:
        return list(site.metrics)
    unknown = [m for m in metric if m not in site.metrics]
    if unknown:
        raise Problem(
            404, f"site {site.id!r} does not measure {unknown[0]!r}; it measures {', '.join(site.metrics)}"
        )
    return metric


def _range(request: Request, since: datetime | None, until: datetime | None, days: int) -> tuple[int, int]:
    ctx, config = _state(request)
    end = _epoch(until, config.tz) or int(ctx.now())
    start = _epoch(since, config.tz) or end - days * 86400
    if start >= end:
        raise Problem(400, "from: must be before until")
    return start, end


@router.get(
    "/sites/{site_id}/readings",
    response_model=models.Readings,
    summary="A site's readings over a range, as stored (every flag), oldest first",
)
async def readings(
    request: Request,
    site_id: SitePath,
    metric: Annotated[
        list[str] | None, Query(description="Metrics (repeat for several); all when absent.")
    ] = None,
    since: From = None,
    until: Until = None,
    cursor_: TimeCursor = None,
    limit: Annotated[
        int, Query(ge=1, le=100_000, description="Readings a series, at most 10 × page_size.")
    ] = 10_000,
):
    """Default range: the last day. A page holds at most `limit` readings of each metric; when a
    series has more, every series stops at the same time and `next_cursor` goes on from there."""
    caller, (ctx, config) = _caller(request), _state(request)
    site = caller.site(site_id)
    start, end = _range(request, since, until, 1)
    start = max(start, int(cursor_) + 1) if cursor_ else start
    limit = min(limit, 10 * config.api.page_size)
    found = {m: ctx.store.scan(site.id, m, start, end) for m in _metrics(site, metric)}
    # Every series ends at the earliest time a full series reached: a page is one span of time.
    full = [rows[limit - 1][0] for rows in found.values() if len(rows) > limit]
    cut = min(full) if full else None
    series = []
    for m, rows in found.items():
        kept = rows if cut is None else [r for r in rows if r[0] <= cut]
        series.append(
            models.Series(
                metric=m,
                unit=METRICS[m].unit,
                times=[datetime.fromtimestamp(ts, config.tz) for ts, _, _ in kept],
                values=[value for _, value, _ in kept],
                flags=[flag for _, _, flag in kept],
            )
        )
    return models.Readings(
        site_id=site.id, series=series, next_cursor=cursor(cut) if cut is not None else None
    )


@router.get(
    "/sites/{site_id}/aggregates",
    response_model=models.AggregateSet,
    summary="A site's hourly or daily means, minimums and maximums (local time)",
)
async def aggregates(
    request: Request,
    site_id: SitePath,
    period: Annotated[Literal["hour", "day"], Query(description="Local hours or days.")] = "hour",
    metric: Annotated[
        list[str] | None, Query(description="Metrics (repeat for several); all when absent.")
    ] = None,
    since: From = None,
    until: Until = None,
):
    """Default range: the last 7 days. At most 400 days of days or 31 days of hours a call."""
    caller, (ctx, config) = _caller(request), _state(request)
    site = caller.site(site_id)
    start, end = _range(request, since, until, 7)
    if end - start > (400 if period == "day" else 31) * 86400:
        raise Problem(
            400, f"from, until: at most {'400 days' if period == 'day' else '31 days'} of {period}s a call"
        )
    zone = config.tz
    series = []
    for m in _metrics(site, metric):
        found = ctx.store.aggregate(
            site.id, m, datetime.fromtimestamp(start, zone), datetime.fromtimestamp(end, zone), period, zone
        )
        series.append(
            models.Aggregates(
                metric=m,
                unit=METRICS[m].unit,
                starts=[a.start for a in found],
                counts=[a.count for a in found],
                valid_counts=[a.valid_count for a in found],
                means=[a.mean for a in found],
                minimums=[a.minimum for a in found],
                maximums=[a.maximum for a in found],
            )
        )
    return models.AggregateSet(site_id=site.id, period=period, series=series)


@router.get("/alerts", response_model=models.Page[models.Alert], summary="Alerts, by id")
async def alert_list(
    request: Request,
    town: Town = None,
    site: SiteId = None,
    state: Annotated[
        Literal["open", "firing", "acknowledged", "resolved"] | None, Query(description="open: not resolved.")
    ] = None,
    since: From = None,
    until: Until = None,
    cursor_: NumberCursor = None,
    limit: Limit = 100,
):
    """Opened within [from, until) where given."""
    caller, (ctx, config) = _caller(request, "view"), _state(request)
    limit, zone = _limit(request, limit), config.tz
    ids = [s.id for s in _sites(caller, town, site)]
    states = ("firing", "acknowledged") if state == "open" else (state,) if state else None
    rows = lifecycle.page(
        ctx.db, ids, _number(cursor_), limit + 1, states, _epoch(since, zone), _epoch(until, zone)
    )
    shown, next_cursor = _page(rows, limit)
    items = []
    for row in shown:
        _, unit, _ = said.measure(row["rule"], row["metric"], json.loads(row["detail"] or "{}"))
        items.append(
            models.Alert(
                id=row["id"],
                site_id=row["site_id"],
                rule=row["rule"],
                metric=row["metric"],
                severity=row["severity"],
                state=row["state"],
                opened_at=local(row["opened_at"], zone),
                since=local(row["since"], zone),
                last_seen=local(row["last_seen"], zone),
                value=row["value"],
                peak=row["peak"],
                unit=unit,
                resolved_at=local(row["resolved_at"], zone),
            )
        )
    return {"items": items, "next_cursor": next_cursor}


def _order(row, zone, now: int) -> dict:
    return {
        "id": row["id"],
        "site_id": row["site_id"],
        "kind": row["kind"],
        "origin": row["origin"],
        "priority": row["priority"],
        "contractor": row["contractor"],
        "alert_id": row["alert_id"],
        "state": row["state"],
        "summary": row["summary"],
        **{
            name: local(row[name], zone)
            for name in (
                "opened_at",
                "acknowledge_by",
                "repair_by",
                "acknowledged_at",
                "resolved_at",
                "closed_at",
                "cancelled_at",
            )
        },
        "overdue": work_orders.is_overdue(row, now),
    }


@router.get("/work-orders", response_model=models.Page[models.WorkOrder], summary="Work orders, by number")
async def order_list(
    request: Request,
    town: Town = None,
    site: SiteId = None,
    state: Annotated[
        Literal["open", "acknowledged", "resolved", "closed", "reopened", "cancelled", "in_play"] | None,
        Query(description="in_play: not yet closed or cancelled."),
    ] = None,
    since: From = None,
    until: Until = None,
    cursor_: OrderCursor = None,
    limit: Limit = 100,
):
    """Opened within [from, until) where given. A contractor's token sees its company's orders."""
    caller, (ctx, config) = _caller(request), _state(request)
    limit, zone, now = _limit(request, limit), config.tz, int(ctx.now())
    ids = [s.id for s in _sites(caller, town, site)]
    company = caller.user.contractor if caller.user.role == "contractor" else None
    states = work_orders.IN_PLAY if state == "in_play" else (state,) if state else None
    rows = work_orders.page(
        ctx.db, ids, cursor_, limit + 1, states, company, _epoch(since, zone), _epoch(until, zone)
    )
    shown, next_cursor = _page(rows, limit)
    return {"items": [_order(r, zone, now) for r in shown], "next_cursor": next_cursor}


@router.get(
    "/work-orders/{order_id}", response_model=models.WorkOrderDetail, summary="A work order and its timeline"
)
async def order_one(
    request: Request,
    order_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,32}$", description="WO-YYYYMM-NNNN.")],
):
    caller, (ctx, config) = _caller(request), _state(request)
    row = work_orders.get(ctx.db, order_id)
    mine = row is not None and any(s.id == row["site_id"] for s in caller.sites)
    if not mine or (caller.user.role == "contractor" and row["contractor"] != caller.user.contractor):
        raise Problem(404, f"no work order {order_id!r}")
    steps = [
        models.Step(
            at=local(t["at"], config.tz),
            from_state=t["old_state"],
            to_state=t["new_state"],
            actor=t["actor"],
            note=t["note"] or "",
        )
        for t in work_orders.transitions(ctx.db, order_id)
    ]
    return {**_order(row, config.tz, int(ctx.now())), "timeline": steps}


@router.get("/windows", response_model=models.Page[models.Window], summary="Maintenance windows, by id")
async def window_list(
    request: Request,
    town: Town = None,
    site: SiteId = None,
    since: From = None,
    until: Until = None,
    cursor_: NumberCursor = None,
    limit: Limit = 100,
):
    """In force at some time of [from, until) where given."""
    caller, (ctx, config) = _caller(request, "view"), _state(request)
    limit, zone = _limit(request, limit), config.tz
    ids = [s.id for s in _sites(caller, town, site)]
    rows = windows.page(ctx.db, ids, _number(cursor_), limit + 1, _epoch(since, zone), _epoch(until, zone))
    shown, next_cursor = _page(rows, limit)
    items = [
        models.Window(
            id=r["id"],
            site_id=r["site_id"],
            kind=r["kind"],
            starts_at=local(r["starts_at"], zone),
            ends_at=local(r["ends_at"], zone),
            reason=r["reason"],
            created_by=r["created_by"],
        )
        for r in shown
    ]
    return {"items": items, "next_cursor": next_cursor}


@router.get("/samples", response_model=models.Page[models.Sample], summary="Laboratory samples and results")
async def sample_list(
    request: Request,
    town: Town = None,
    site: SiteId = None,
    since: From = None,
    until: Until = None,
    cursor_: NumberCursor = None,
    limit: Limit = 100,
):
    """Taken within [from, until) where given; each result's newest version."""
    caller, (ctx, config) = _caller(request), _state(request)
    limit, zone = _limit(request, limit), config.tz
    ids = [s.id for s in _sites(caller, town, site)]
    rows = records.page(ctx.db, ids, _number(cursor_), limit + 1, _epoch(since, zone), _epoch(until, zone))
    shown, next_cursor = _page(rows, limit)
    results = records.current_of(ctx.db, [r["id"] for r in shown])
    items = [
        models.Sample(
            id=r["id"],
            site_id=r["site_id"],
            sampled_at=local(r["sampled_at"], zone),
            kind=r["kind"],
            laboratory=r["laboratory"] or "",
            report_no=r["report_no"] or "",
            results=[
                models.Result(
                    item=item,
                    value=None if res["value"] is None else res["value"],
                    detection_limit=res["detection_limit"],
                    unit=res["unit"] or "",
                    method=res["method"] or "",
                    version=res["version"],
                )
                for item, res in sorted(results.get(r["id"], {}).items())
            ],
        )
        for r in shown
    ]
    return {"items": items, "next_cursor": next_cursor}


@router.get("/reviews", response_model=models.Page[models.Review], summary="Data reviews, by id")
async def review_list(
    request: Request,
    town: Town = None,
    site: SiteId = None,
    state: Annotated[Literal["proposed", "accepted", "rejected", "restored"] | None, Query()] = None,
    since: From = None,
    until: Until = None,
    cursor_: NumberCursor = None,
    limit: Limit = 100,
):
    """Their span overlapping [from, until) where given."""
    caller, (ctx, config) = _caller(request), _state(request)
    limit, zone = _limit(request, limit), config.tz
    ids = [s.id for s in _sites(caller, town, site)]
    rows = reviews.page(
        ctx.db, ids, _number(cursor_), limit + 1, state, _epoch(since, zone), _epoch(until, zone)
    )
    shown, next_cursor = _page(rows, limit)
    items = [
        models.Review(
            id=r["id"],
            site_id=r["site_id"],
            metric=r["metric"],
            starts_at=local(r["starts_at"], zone),
            ends_at=local(r["ends_at"], zone),
            reason=r["reason"],
            state=r["state"],
            proposed_by=r["proposed_by"],
            decided_by=r["decided_by"],
        )
        for r in shown
    ]
    return {"items": items, "next_cursor": next_cursor}


@router.get("/reports", response_model=list[models.ReportVersion], summary="Monthly report versions sent")
async def report_list(request: Request):
    _caller(request, "view")
    ctx, config = _state(request)
    return [
        models.ReportVersion(
            month=r["month"], version=r["version"], generated_at=local(r["generated_at"], config.tz)
        )
        for r in monthly.versions(ctx.db)
    ]


@router.get(
    "/reports/{month}",
    response_model=models.Report,
    summary="A month's figures: the newest version sent, the same numbers as its CSV files",
)
async def report_one(
    request: Request, month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM.")]
):
    caller, (ctx, config) = _caller(request, "view"), _state(request)
    found = [r for r in monthly.versions(ctx.db) if r["month"] == month]
    if not found:
        raise Problem(404, f"no report sent for {month}")
    newest = found[0]
    tables = monthly.tables_of(config, newest, ("compliance", "operations"))
    seen = {s.id for s in caller.sites}
    return models.Report(
        month=month,
        version=newest["version"],
        generated_at=local(newest["generated_at"], config.tz),
        compliance=[r for r in tables["compliance"] if r["site_id"] in seen],
        operations=[r for r in tables["operations"] if r["site_id"] in seen],
    )
