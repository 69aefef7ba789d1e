"""The inspection and sampling calendar: when each site's next routine visit is due.

Visits are due by the end of fixed periods, not N days after the last visit: a regulator counts
"one inspection per week" per calendar week, and fixed periods make "due" and "done" countable
per month. Day periods ("7d", "14d") count from the rules' anchor date; month periods ("1mo",
"3mo", "12mo") from January. A period ends at local midnight.
"""

from datetime import date, datetime, timedelta

from wastewatch.alerts.context import Context


def period(every: str, anchor: date, day: date) -> tuple[date, date]:
    """[first day, day after the last) of the period that holds `day`."""
    if every.endswith("mo"):
        months = int(every[:-2])
        index = (day.month - 1) // months * months  # months since January where the period starts
        start = date(day.year, index + 1, 1)
        end_index = index + months
        end = date(day.year + end_index // 12, end_index % 12 + 1, 1)
        return start, end
    days = int(every[:-1])
    offset = (day - anchor).days // days * days
    start = anchor + timedelta(days=offset)
    return start, start + timedelta(days=days)


def due(ctx: Context, site, kind: str, now: int) -> tuple[int, int] | None:
    """(opens_at, due_at) of the site's current period for a routine kind, or None if its size
    band has no such schedule. due_at is the local midnight that ends the period."""
    rules = ctx.rules.inspections
    schedule = rules.for_site(kind, site.capacity_m3d)
    if schedule is None:
        return None
    today = datetime.fromtimestamp(now, ctx.config.tz).date()
    start, end = period(schedule.every, rules.anchor, today)
    opens = max(start, end - timedelta(days=schedule.open_ahead_days))
    return int(ctx.midnight(opens).timestamp()), int(ctx.midnight(end).timestamp())
