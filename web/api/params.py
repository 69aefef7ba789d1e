"""What the read API's routes share: their parameters, the caller, the sites it narrows to,
and the page of rows an owner gave."""

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query, Request

from .guard import Caller, authenticate
from .paging import cursor

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


def authorized(request: Request, action: str = "api.read") -> Caller:
    return authenticate(request.app.state, request, action)


def context(request: Request):
    return request.app.state.ctx, request.app.state.config


def epoch(value: datetime | None, zone) -> int | None:
    if value is None:
        return None
    return int((value if value.tzinfo else value.replace(tzinfo=zone)).timestamp())


def narrowed(caller: Caller, town: str | None, site_id: str | None) -> list:
    if site_id is not None:
        found = caller.site(site_id)
        return [found] if town is None or found.town == town else []
    return [s for s in caller.sites if town is None or s.town == town]


def limit_of(request: Request, limit: int) -> int:
    return min(limit, request.app.state.config.api.page_size)


def number(text: str | None) -> int | None:
    return None if text is None else int(text)


def page(rows: list, limit: int, key: str = "id"):
    """(the rows of this page, the next cursor): one more row than a page was read to know."""
    return rows[:limit], cursor(rows[limit - 1][key]) if len(rows) > limit else None
