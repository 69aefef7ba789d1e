"""What the read API's routes share: the caller (authenticated before anything else is read,
so a call without a live token is refused and audited whatever else it asks), the parameters of
a list, the sites a caller narrows to, and the page of rows an owner gave."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, get_args

from fastapi import Depends, Path, Query, Request

from wastewatch.alerts.context import Context
from wastewatch.config import Config

from .guard import Caller, authenticate
from .paging import NumberCursor, OrderCursor, local

Town = Annotated[str | None, Query(description="Only the sites of this town (乡镇).")]
SiteId = Annotated[
    str | None, Query(alias="site", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Only this site.")
]
SitePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The site's id.")]
Limit = Annotated[int, Query(ge=1, le=10_000, description="Items a page, at most `[api] page_size`.")]
From = Annotated[datetime | None, Query(alias="from", description="ISO 8601; without an offset, local time.")]
Metrics = Annotated[list[str] | None, Query(description="Metrics (repeat for several); all when absent.")]
Until = Annotated[
    datetime | None, Query(description="ISO 8601, not included; without an offset, local time.")
]


def need(action: str = "api.read"):
    """A route's first dependency: the caller, for `action`, kept on the request."""

    def caller(request: Request) -> None:
        request.state.caller = authenticate(request.app.state, request, action)

    return Depends(caller)


def context(request: Request):
    """(the caller, the service's context, its config)."""
    return request.state.caller, request.app.state.ctx, request.app.state.config


def epoch(value: datetime | None, zone) -> int | None:
    if value is None:
        return None
    return int((value if value.tzinfo else value.replace(tzinfo=zone)).timestamp())


def narrowed(caller: Caller, town: str | None, site_id: str | None) -> list:
    if site_id is not None:
        found = caller.site(site_id)
        return [found] if town is None or found.town == town else []
    return [s for s in caller.sites if town is None or s.town == town]


@dataclass(frozen=True)
class Listing:
    """A list's request: who asks, the sites among which, after which key, how many, and the
    period (epoch seconds)."""

    caller: Caller
    ctx: Context
    config: Config
    ids: list[str]
    after: int | str | None
    limit: int
    since: int | None
    until: int | None

    @property
    def zone(self):
        return self.config.tz

    def answer(self, rows: list, make: Callable) -> dict:
        """The page from the rows the owner gave (one more than a page, to know there is more)."""
        shown = rows[: self.limit]
        more = str(shown[-1]["id"]) if len(rows) > self.limit else None
        return {"items": [make(row) for row in shown], "next_cursor": more}


def _listing(request: Request, town, site, since, until, after, limit: int) -> Listing:
    caller, ctx, config = context(request)
    return Listing(
        caller,
        ctx,
        config,
        [s.id for s in narrowed(caller, town, site)],
        after,
        min(limit, config.api.page_size),
        epoch(since, config.tz),
        epoch(until, config.tz),
    )


def by_number(
    request: Request,
    town: Town = None,
    site: SiteId = None,
    since: From = None,
    until: Until = None,
    cursor_: NumberCursor = None,
    limit: Limit = 100,
) -> Listing:
    return _listing(request, town, site, since, until, None if cursor_ is None else int(cursor_), limit)


def by_order_number(
    request: Request,
    town: Town = None,
    site: SiteId = None,
    since: From = None,
    until: Until = None,
    cursor_: OrderCursor = None,
    limit: Limit = 100,
) -> Listing:
    return _listing(request, town, site, since, until, cursor_, limit)


Numbered = Annotated[Listing, Depends(by_number)]
OrderNumbered = Annotated[Listing, Depends(by_order_number)]


def _time(annotation) -> bool:
    return annotation is datetime or datetime in get_args(annotation)


def shaped(model, row, zone, **given):
    """The model from a row: each field from the column of its name (epoch seconds as local
    times), or from `given`."""
    values = {}
    for name, field in model.model_fields.items():
        if name in given:
            values[name] = given[name]
        else:
            value = row[name]
            values[name] = local(value, zone) if value is not None and _time(field.annotation) else value
    return model(**values)
