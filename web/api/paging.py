"""Cursors and times as the API gives them. A cursor is the key of the last item of the page
before (an id, a site's id, a work order's number, a reading's epoch second): lists are in key
order, so any key a client holds resumes the list after it."""

from datetime import datetime
from typing import Annotated

from fastapi import Query


def _cursor(pattern: str, what: str):
    return Annotated[
        str | None,
        Query(alias="cursor", pattern=pattern, description=f"`next_cursor` of the page before ({what})."),
    ]


NumberCursor = _cursor(r"^[0-9]{1,18}$", "an id")
SiteCursor = _cursor(r"^[A-Za-z0-9_-]{1,64}$", "a site's id")
OrderCursor = _cursor(r"^[A-Za-z0-9-]{1,32}$", "a work order's number")
TimeCursor = _cursor(r"^[0-9]{1,12}$", "a reading's time, epoch seconds")


def local(ts: int | None, zone) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, zone)
