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
from .paging import local
from .params import Numbered, OrderNumbered, context, need, shaped

router = APIRouter()


@router.get(
    "/alerts",
    response_model=models.Page[models.Alert],
    summary="Alerts, by id",
    dependencies=[need("view")],
)
async def alert_list(
    q: Numbered,
    state: Annotated[
        Literal["open", "firing", "acknowledged", "resolved"] | None, Query(description="open: not resolved.")
    ] = None,
):
    """Opened within [from, until) where given."""
    states = ("firing", "acknowledged") if state == "open" else (state,) if state else None
    rows = lifecycle.page(q.ctx.db, q.ids, q.after, q.limit + 1, states, q.since, q.until)

    def alert(row):
        detail = json.loads(row["detail"] or "{}")
        return shaped(models.Alert, row, q.zone, unit=said.measure(row["rule"], row["metric"], detail)[1])

    return q.answer(rows, alert)


def _order(row, zone, now: int, model=models.WorkOrder, **given):
    return shaped(model, row, zone, overdue=work_orders.is_overdue(row, now), **given)


@router.get(
    "/work-orders",
    response_model=models.Page[models.WorkOrder],
    summary="Work orders, by number",
    dependencies=[need()],
)
async def order_list(
    q: OrderNumbered,
    state: Annotated[
        Literal["open", "acknowledged", "resolved", "closed", "reopened", "cancelled", "in_play"] | None,
        Query(description="in_play: not yet closed or cancelled."),
    ] = None,
):
    """Opened within [from, until) where given. A contractor's token sees its company's orders."""
    user, now = q.caller.user, int(q.ctx.now())
    company = user.contractor if user.role == "contractor" else None
    states = work_orders.IN_PLAY if state == "in_play" else (state,) if state else None
    rows = work_orders.page(q.ctx.db, q.ids, q.after, q.limit + 1, states, company, q.since, q.until)
    return q.answer(rows, lambda row: _order(row, q.zone, now))


@router.get(
    "/work-orders/{order_id}",
    response_model=models.WorkOrderDetail,
    summary="A work order and its timeline",
    dependencies=[need()],
)
async def order_one(
    request: Request,
    order_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,32}$", description="WO-YYYYMM-NNNN.")],
):
    caller, ctx, config = context(request)
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
    return _order(row, config.tz, int(ctx.now()), models.WorkOrderDetail, timeline=steps)


@router.get(
    "/windows",
    response_model=models.Page[models.Window],
    summary="Maintenance windows, by id",
    dependencies=[need("view")],
)
async def window_list(q: Numbered):
    """In force at some time of [from, until) where given."""
    rows = windows.page(q.ctx.db, q.ids, q.after, q.limit + 1, q.since, q.until)
    return q.answer(rows, lambda row: shaped(models.Window, row, q.zone))


@router.get(
    "/samples",
    response_model=models.Page[models.Sample],
    summary="Laboratory samples and results",
    dependencies=[need()],
)
async def sample_list(q: Numbered):
    """Taken within [from, until) where given; each result's newest version."""
    rows = records.page(q.ctx.db, q.ids, q.after, q.limit + 1, q.since, q.until)
    results = records.current_of(q.ctx.db, [r["id"] for r in rows[: q.limit]])

    def sample(row):
        found = sorted(results.get(row["id"], {}).items())
        return shaped(
            models.Sample,
            row,
            q.zone,
            laboratory=row["laboratory"] or "",
            report_no=row["report_no"] or "",
            results=[
                shaped(models.Result, r, q.zone, unit=r["unit"] or "", method=r["method"] or "")
                for _, r in found
            ],
        )

    return q.answer(rows, sample)


@router.get(
    "/reviews",
    response_model=models.Page[models.Review],
    summary="Data reviews, by id",
    dependencies=[need()],
)
async def review_list(
    q: Numbered,
    state: Annotated[Literal["proposed", "accepted", "rejected", "restored"] | None, Query()] = None,
):
    """Their span overlapping [from, until) where given."""
    rows = reviews.page(q.ctx.db, q.ids, q.after, q.limit + 1, state, q.since, q.until)
    return q.answer(rows, lambda row: shaped(models.Review, row, q.zone))


@router.get(
    "/reports",
    response_model=list[models.ReportVersion],
    summary="Monthly report versions sent",
    dependencies=[need("view")],
)
async def report_list(request: Request):
    _, ctx, config = context(request)
    return [shaped(models.ReportVersion, r, config.tz) for r in monthly.versions(ctx.db)]


@router.get(
    "/reports/{month}",
    response_model=models.Report,
    summary="A month's figures: the newest version sent, the same numbers as its CSV files",
    dependencies=[need("view")],
)
async def report_one(
    request: Request, month: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM.")]
):
    caller, ctx, config = context(request)
    found = [r for r in monthly.versions(ctx.db) if r["month"] == month]
    if not found:
        raise Problem(404, f"no report sent for {month}")
    newest = found[0]
    tables = monthly.tables_of(config, newest, ("compliance", "operations"))
    seen = {s.id for s in caller.sites}
    return shaped(
        models.Report,
        newest,
        config.tz,
        compliance=[r for r in tables["compliance"] if r["site_id"] in seen],
        operations=[r for r in tables["operations"] if r["site_id"] in seen],
    )
