"""Readings as InfluxDB 2.x sees them: the line protocol they are written in, and the Flux that
reads them back (the contract tests compare those reads with the store's own).

A reading is one point of the measurement (default `readings`), tagged with its site and
metric, with the fields `value` (a float) and `flag` (a string), stamped in whole seconds:

    readings,metric=cod,site=helin flag="N",value=32.5 1790812800

The lines are built with plain string formatting rather than through the client's `Point`
objects (bench/influx.py measures both; tests/store/test_influx.py checks they give the same
text): at a province's ingest rate every microsecond per reading counts.

InfluxDB's identity of a point is measurement, tags and time, and a point written again
replaces the earlier one's fields (last write wins). The store keeps the first value of a
reading sent twice; it queues only what it kept (store/mirror_queue.py), so the copy agrees.
"""

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# What the line protocol needs escaped in a measurement name, a tag value and a string field.
_MEASUREMENT = str.maketrans({",": r"\,", " ": r"\ ", "\n": r"\n", "\r": r"\r", "\t": r"\t"})
_TAG = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\r": r"\r", "\t": r"\t"})
_STRING = str.maketrans({'"': r"\"", "\\": r"\\"})


def tag(value: str) -> str:
    escaped = value.translate(_TAG)
    # A trailing backslash would escape the separator after it.
    return escaped + " " if escaped.endswith("\\") else escaped


def number(value: float) -> str:
    """A float as the line protocol writes it: Python's shortest repr, without a trailing .0."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class Lines:
    """Builds the line of each reading; site and metric tags are escaped once per series."""

    def __init__(self, measurement: str = "readings"):
        self.measurement = measurement.translate(_MEASUREMENT)
        self._heads: dict[tuple[str, str], str] = {}

    def head(self, site_id: str, metric: str) -> str:
        key = (site_id, metric)
        head = self._heads.get(key)
        if head is None:
            if len(self._heads) > 500_000:
                self._heads.clear()
            head = self._heads[key] = f"{self.measurement},metric={tag(metric)},site={tag(site_id)} "
        return head

    def line(self, site_id: str, metric: str, ts: int, value: float, flag: str) -> str:
        # An infinite or undefined value has no line-protocol form: the point keeps its flag
        # alone (what the client's Point writes too).
        fields = f'flag="{flag.translate(_STRING)}"'
        if math.isfinite(value):
            fields += f",value={number(value)}"
        return f"{self.head(site_id, metric)}{fields} {ts}"


def flux_range(bucket: str, measurement: str, site_id: str, metric: str, since: int, until: int) -> str:
    """Flux for a series' points in [since, until) (epoch seconds), one row per point with
    `value` and `flag` as columns, oldest first."""
    return (
        f"from(bucket: {_flux_string(bucket)})"
        f" |> range(start: {since}, stop: {until})"
        f" |> filter(fn: (r) => r._measurement == {_flux_string(measurement)}"
        f" and r.site == {_flux_string(site_id)} and r.metric == {_flux_string(metric)})"
        ' |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")'
        ' |> keep(columns: ["_time", "value", "flag"])'
        ' |> sort(columns: ["_time"])'
    )


def flux_daily_means(
    bucket: str, measurement: str, site_id: str, metric: str, first: date, last: date, tz_name: str
) -> str:
    """Flux for the mean of a series' valid (flag N) values per local day from `first` to
    `last`, both in: the report's daily mean, with days cut at local midnight."""
    tz = ZoneInfo(tz_name)
    start = int(datetime(first.year, first.month, first.day, tzinfo=tz).timestamp())
    end_day = last + timedelta(days=1)
    stop = int(datetime(end_day.year, end_day.month, end_day.day, tzinfo=tz).timestamp())
    return (
        'import "timezone"\n'
        f"option location = timezone.location(name: {_flux_string(tz_name)})\n"
        f"from(bucket: {_flux_string(bucket)})"
        f" |> range(start: {start}, stop: {stop})"
        f" |> filter(fn: (r) => r._measurement == {_flux_string(measurement)}"
        f" and r.site == {_flux_string(site_id)} and r.metric == {_flux_string(metric)})"
        ' |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")'
        ' |> filter(fn: (r) => r.flag == "N" and exists r.value)'
        ' |> aggregateWindow(every: 1d, fn: mean, column: "value", createEmpty: false, timeSrc: "_start")'
    )


def _flux_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class InfluxReads:
    """The Flux reads of a bucket, through influxdb-client's query API."""

    def __init__(self, url: str, token: str, org: str, bucket: str, measurement: str = "readings"):
        from influxdb_client import InfluxDBClient

        self.client = InfluxDBClient(url=url, token=token, org=org, timeout=30_000)
        self.bucket, self.measurement = bucket, measurement

    def scan(self, site_id: str, metric: str, since: int, until: int) -> list[tuple[int, float, str]]:
        """(ts, value, flag) with since <= ts < until, oldest first, as the store's scan()."""
        query = flux_range(self.bucket, self.measurement, site_id, metric, since, until)
        return [
            (
                int(row["_time"].timestamp()),
                row["value"] if row["value"] is not None else math.nan,
                row["flag"],
            )
            for table in self.client.query_api().query(query)
            for row in table.records
        ]

    def daily_means(self, site_id: str, metric: str, first: date, last: date, tz_name: str) -> dict:
        """{local date: mean of its valid values}, as the store's daily_means()."""
        query = flux_daily_means(self.bucket, self.measurement, site_id, metric, first, last, tz_name)
        tz = ZoneInfo(tz_name)
        return {
            row["_time"].astimezone(tz).date(): row["value"]
            for table in self.client.query_api().query(query)
            for row in table.records
            if row["value"] is not None
        }

    def close(self) -> None:
        self.client.close()
