"""The report's daily sums, the same on every readings backend: which days are taken whole
from the daily sums, which are summed again from their hours (and those hours from their
readings), decided here once; each backend only runs its own spelling of four queries.

An hour (or day) is clean when all its flag-N values lie in the series' range, judged from its
extremes; the others are summed again from the level below, counting only values in range.
"""

from typing import Protocol

import pandas as pd

FAR = 1.0e308  # "no bound"; an infinite value is still outside it
DAY_COLUMNS = ["series", "day", "received", "valid", "total", "low", "high"]
SUM_COLUMNS = ["series", "day", "valid", "total", "low", "high"]


class ReportQueries(Protocol):
    """One backend's queries, on the temporary tables report_series (series, lo, hi, hours)
    and report_days (series, day, h0, h1), inside one transaction."""

    def series(self, rows: list[tuple]) -> None:
        """Fill report_series with (series, lo, hi, hours)."""

    def days(self, first: int, last: int) -> list[tuple]:
        """The daily sums of the report's series for days in [first, last): DAY_COLUMNS."""

    def hours_of_days(self, rows: list[tuple]) -> list[tuple]:
        """Fill report_days with (series, day, h0, h1); the sums of those days from their
        hours, clean hours whole and the others from their readings: SUM_COLUMNS, one or two
        rows per day, to be added up."""

    def positive(self, h0: int, h1: int) -> list[tuple]:
        """(series, hours in [h0, h1) with a valid value above 0) for the series marked hours."""


def daily_sums(store, queries: ReportQueries, ranges: dict, start: int, end: int, hours_for=()) -> tuple:
    """The local days in [start, end) (local midnights) of the series in `ranges`
    {(site, metric): (low, high) or None}: a pandas DataFrame of site_id, metric, day
    (0 = the first), received, valid, total, low, high, where valid means flag N and inside the
    range; and, for the series in `hours_for`, the hours with a valid value > 0.
    `store` gives the calendar and the series ids (its lock held by the caller)."""
    calendar = store._calendar
    first = calendar.day_of_hour(start // 3600)
    last = calendar.day_of_hour((end - 1) // 3600) + 1
    bounds = {}
    for key, limits in ranges.items():
        sid = store._known_series(*key)
        if sid is not None:
            lo, hi = limits if limits is not None else (-FAR, FAR)
            bounds[sid] = (max(lo, -FAR), min(hi, FAR), key in hours_for, key)
    queries.series([(s, *b[:3]) for s, b in bounds.items()])
    # Floats whatever the rows held: a column of NULLs alone would be objects.
    days = pd.DataFrame(queries.days(first, last), columns=DAY_COLUMNS).astype(
        {"total": float, "low": float, "high": float}
    )
    lo = days["series"].map(lambda s: bounds[s][0])
    hi = days["series"].map(lambda s: bounds[s][1])
    dirty = (days["valid"] > 0) & ((days["low"] < lo) | (days["high"] > hi) | (days["total"].abs() >= FAR))
    if dirty.any():
        rows = [
            (int(s), int(d), *calendar.hours_of_day(int(d)))
            for s, d in zip(days.loc[dirty, "series"], days.loc[dirty, "day"])
        ]
        again = (
            pd.DataFrame(queries.hours_of_days(rows), columns=SUM_COLUMNS)
            .groupby(["series", "day"])
            .agg(valid=("valid", "sum"), total=("total", "sum"), low=("low", "min"), high=("high", "max"))
        )
        fixed = days.loc[dirty, ["series", "day"]].join(again, on=["series", "day"])
        days.loc[dirty, ["valid", "total", "low", "high"]] = fixed[["valid", "total", "low", "high"]].values
    positive = {bounds[s][3]: int(n) for s, n in queries.positive(start // 3600, (end + 3599) // 3600)}
    days["day"] -= first
    days["site_id"] = days["series"].map(lambda s: bounds[s][3][0])
    days["metric"] = days["series"].map(lambda s: bounds[s][3][1])
    return days.drop(columns="series"), positive
