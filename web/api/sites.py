"""The read API's sites: each with what it is doing now, its readings as stored, and its
hourly and daily aggregates."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from wastewatch.config.metrics import METRICS
from wastewatch.maintenance import status

from . import models
from .guard import Problem
from .paging import SiteCursor, TimeCursor, local
from .params import From, Limit, Metrics, SitePath, Town, Until, context, epoch, narrowed, need

router = APIRouter()


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


@router.get(
    "/sites",
    response_model=models.Page[models.Site],
    summary="Sites and what each is doing now",
    dependencies=[need()],
)
async def site_list(request: Request, town: Town = None, cursor_: SiteCursor = None, limit: Limit = 100):
    caller, ctx, config = context(request)
    limit, start = min(limit, config.api.page_size), cursor_
    chosen = sorted(
        (s for s in narrowed(caller, town, None) if start is None or s.id > start), key=lambda s: s.id
    )
    shown = chosen[:limit]
    found = status.statuses(ctx, shown, int(ctx.now()))
    return {
        "items": [_site(s, ctx, config.tz) for s in found],
        "next_cursor": shown[-1].id if len(chosen) > limit else None,
    }


@router.get(
    "/sites/{site_id}",
    response_model=models.Site,
    summary="A site and what it is doing now",
    dependencies=[need()],
)
async def site_one(request: Request, site_id: SitePath):
    caller, ctx, config = context(request)
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
    _, ctx, config = context(request)
    end = epoch(until, config.tz) or int(ctx.now())
    start = epoch(since, config.tz) or end - days * 86400
    if start >= end:
        raise Problem(400, "from: must be before until")
    return start, end


@router.get(
    "/sites/{site_id}/readings",
    response_model=models.Readings,
    dependencies=[need()],
    summary="A site's readings over a range, as stored (every flag), oldest first",
)
async def readings(
    request: Request,
    site_id: SitePath,
    metric: Metrics = None,
    since: From = None,
    until: Until = None,
    cursor_: TimeCursor = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=100_000,
            description="Readings of each series a page (30 days of 5-minute readings: 8,640).",
        ),
    ] = 10_000,
):
    """Default range: the last day; at most 92 days a call. A page holds at most `limit`
    readings of each metric; when a series has more, every series stops at the same time and
    `next_cursor` goes on from there."""
    caller, ctx, config = context(request)
    site = caller.site(site_id)
    start, end = _range(request, since, until, 1)
    if end - start > 92 * 86400:
        raise Problem(400, "from, until: at most 92 days of readings a call (aggregates cover longer)")
    start = max(start, int(cursor_) + 1) if cursor_ else start
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
    return models.Readings(site_id=site.id, series=series, next_cursor=str(cut) if cut is not None else None)


@router.get(
    "/sites/{site_id}/aggregates",
    response_model=models.AggregateSet,
    dependencies=[need()],
    summary="A site's hourly or daily means, minimums and maximums (local time)",
)
async def aggregates(
    request: Request,
    site_id: SitePath,
    period: Annotated[Literal["hour", "day"], Query(description="Local hours or days.")] = "hour",
    metric: Metrics = None,
    since: From = None,
    until: Until = None,
):
    """Default range: the last 7 days. At most 400 days of days or 31 days of hours a call."""
    caller, ctx, config = context(request)
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
