"""The read API's lists: alerts, work orders with their timelines, maintenance windows,
laboratory samples, data reviews and the monthly report's figures, each paged by its key."""

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from wastewatch.alerts import lifecycle, reviews, said, windows
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.lab import records
from wastewatch.maintenance.report import monthly

from . import models
from .guard import Problem
from .paging import NumberCursor, OrderCursor, local
from .params import (
    From,
    Limit,
    SiteId,
    Town,
    Until,
    authorized,
    context,
    epoch,
    limit_of,
    narrowed,
    number,
    page,
)

router = APIRouter()


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
    caller, (ctx, config) = authorized(request, "view"), context(request)
    limit, zone = limit_of(request, limit), config.tz
    ids = [s.id for s in narrowed(caller, town, site)]
    states = ("firing", "acknowledged") if state == "open" else (state,) if state else None
    rows = lifecycle.page(
        ctx.db, ids, number(cursor_), limit + 1, states, epoch(since, zone), epoch(until, zone)
    )
    shown, next_cursor = page(rows, limit)
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
    caller, (ctx, config) = authorized(request), context(request)
    limit, zone, now = limit_of(request, limit), config.tz, int(ctx.now())
    ids = [s.id for s in narrowed(caller, town, site)]
    company = caller.user.contractor if caller.user.role == "contractor" else None
    states = work_orders.IN_PLAY if state == "in_play" else (state,) if state else None
    rows = work_orders.page(
        ctx.db, ids, cursor_, limit + 1, states, company, epoch(since, zone), epoch(until, zone)
    )
    shown, next_cursor = page(rows, limit)
    return {"items": [_order(r, zone, now) for r in shown], "next_cursor": next_cursor}


@router.get(
    "/work-orders/{order_id}", response_model=models.WorkOrderDetail, summary="A work order and its timeline"
)
async def order_one(
    request: Request,
    order_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,32}$", description="WO-YYYYMM-NNNN.")],
):
    caller, (ctx, config) = authorized(request), context(request)
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
    caller, (ctx, config) = authorized(request, "view"), context(request)
    limit, zone = limit_of(request, limit), config.tz
    ids = [s.id for s in narrowed(caller, town, site)]
    rows = windows.page(ctx.db, ids, number(cursor_), limit + 1, epoch(since, zone), epoch(until, zone))
    shown, next_cursor = page(rows, limit)
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
    caller, (ctx, config) = authorized(request), context(request)
    limit, zone = limit_of(request, limit), config.tz
    ids = [s.id for s in narrowed(caller, town, site)]
    rows = records.page(ctx.db, ids, number(cursor_), limit + 1, epoch(since, zone), epoch(until, zone))
    shown, next_cursor = page(rows, limit)
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
    caller, (ctx, config) = authorized(request), context(request)
    limit, zone = limit_of(request, limit), config.tz
    ids = [s.id for s in narrowed(caller, town, site)]
    rows = reviews.page(
        ctx.db, ids, number(cursor_), limit + 1, state, epoch(since, zone), epoch(until, zone)
    )
    shown, next_cursor = page(rows, limit)
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
    authorized(request, "view")
    ctx, config = context(request)
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
    caller, (ctx, config) = authorized(request, "view"), context(request)
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
