"""Days a page is asked for: ?from=YYYY-MM-DD&to=YYYY-MM-DD, local dates, both included."""

from datetime import date, datetime, timedelta


class BadPeriod(ValueError):
    """Not two dates, the end before the start, or longer than allowed."""


def days(query, tz, longest_s: int | None = None) -> tuple[int, int] | None:
    """[start, end) of the asked days as epoch seconds, or None when neither is given."""
    if not (query.get("from") or query.get("to")):
        return None
    try:
        first = date.fromisoformat(query.get("from", ""))
        last = date.fromisoformat(query.get("to", ""))
    except ValueError:
        raise BadPeriod("bad_dates") from None
    start = int(datetime(first.year, first.month, first.day, tzinfo=tz).timestamp())
    after = last + timedelta(days=1)
    end = int(datetime(after.year, after.month, after.day, tzinfo=tz).timestamp())
    if end <= start or (longest_s is not None and end - start > longest_s):
        raise BadPeriod("bad_dates")
    return start, end
