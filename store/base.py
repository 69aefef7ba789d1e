"""What every storage backend offers: the one interface ingest, alerts and reports use.

Timestamps are integer seconds since the epoch (UTC). Loggers report at most once a minute, and
integer seconds make (site, metric, ts) an exact key, which is what makes redelivered MQTT
messages harmless.
"""

import threading
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Literal, NamedTuple, Protocol, Sequence

from wastewatch.config.text import storable


class Reading(NamedTuple):
    site_id: str
    metric: str
    ts: int
    value: float
    flag: str = "N"


# A reading as the decoders make it: a plain tuple in Reading's field order (the ingest hot path
# makes millions; a Reading is one too, with names).
ReadingRow = tuple[str, str, int, float, str]


class LoggerValue(NamedTuple):
    """A value from an HJ 212 logger's data of another kind than the site's reading series
    (an hourly mean at a site whose series is real-time): kept, not judged.
    kind: realtime, minute, hourly or daily; stat: Rtd, Avg, Min, Max or Cou."""

    site_id: str
    kind: str
    metric: str
    ts: int  # the period start
    stat: str
    value: float
    flag: str = "N"


@dataclass(frozen=True)
class Rejection:
    """A message, item or reading that was not stored, and why."""

    source: str  # "mqtt" or "import:<file name>"
    reason: str
    payload: str  # the raw text (a message) or the JSON of the rejected item
    topic: str = ""
    site_id: str | None = ""
    item: int | None = None  # position in a batch array or line number of an import
    metric: str = ""
    kind: str = "payload"  # one of REJECTION_KINDS: what /metrics counts it under (not stored)

    def __post_init__(self):
        # Whatever a payload held, the record can be written: text from JSON escapes may hold
        # lone surrogates, which UTF-8 (and so SQLite) refuses.
        for name in ("source", "reason", "payload", "topic", "site_id", "metric"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, storable(value))


@dataclass(frozen=True)
class StoredRejection:
    id: int
    received_at: int
    source: str
    topic: str
    site_id: str
    item: int | None
    metric: str
    reason: str
    payload: str


@dataclass(frozen=True)
class Quarantined:
    """A message the store could not commit, kept raw."""

    id: int
    received_at: int
    source: str
    topic: str
    site_id: str
    error: str
    payload: bytes
    replayed_at: int | None


# Why something was rejected, in few enough words to count each on /metrics (the reason itself,
# a sentence with the values in it, is in the rejection record).
REJECTION_KINDS = {
    "payload": "not readable as the protocol: too large, not UTF-8, not JSON, a broken frame",
    "site": "no such site or logger, a topic naming another site, a wrong HJ 212 password",
    "time": "a timestamp missing, unreadable, in the future or before what is accepted",
    "value": "a metric the site does not report, a value that is not a finite number, a bad flag",
    "decoder": "the decoder failed on it (a bug, logged with its traceback)",
}


class WriteResult(NamedTuple):
    inserted: int  # new readings
    duplicates: int  # readings already stored under the same site, metric and time
    rejections: int
    kinds: tuple[tuple[str, int], ...] = ()  # the rejections by kind (REJECTION_KINDS)


@dataclass(frozen=True)
class Aggregate:
    """Readings of one metric in one local hour or day. Means cover valid (flag N) readings."""

    start: datetime
    count: int
    valid_count: int
    mean: float | None
    minimum: float | None
    maximum: float | None


Period = Literal["hour", "day"]


class Store(Protocol):
    def write(
        self,
        readings: Sequence[ReadingRow],
        rejections: Sequence[Rejection] = (),
        received_at: int | None = None,
        logger_values: Sequence[LoggerValue] = (),
    ) -> WriteResult:
        """Store readings, rejection records and logger values in one durable transaction."""

    def read_range(self, site_id: str, metric: str, since: int, until: int) -> list[Reading]:
        """Readings with since <= ts < until, oldest first."""

    def scan(self, site_id: str, metric: str, since: int, until: int) -> list[tuple[int, float, str]]:
        """(ts, value, flag) with since <= ts < until, oldest first."""

    def scan_many(self, starts: dict, until: int) -> dict:
        """scan() of several series at once: {(site, metric): since} → {(site, metric): rows},
        series without readings in their range left out."""

    def last_reading_times(self) -> dict[tuple[str, str], int]:
        """The newest timestamp per (site, metric)."""

    def latest(self, site_ids=None) -> dict:
        """The newest reading of each (site, metric): {(site, metric): Latest}."""

    def daily_means(self, site_id: str, metric: str, first, last) -> dict:
        """{local date: mean of the day's valid readings} from first to last, both in."""

    def daily_means_of(self, site_ids, metric: str, first, last) -> dict:
        """{site: daily_means(site, metric, first, last)} for several sites at once, sites
        without a valid reading in those days left out."""

    def received_since(self, start: int, end: int) -> dict[str, int]:
        """Readings received per site in [start, end): a local midnight to a whole hour."""

    def buckets(self, site_id: str, metric: str, since: int, until: int, width: int) -> list:
        """The series over [since, until) in buckets of `width` seconds (store/views.py)."""

    def aggregate(
        self, site_id: str, metric: str, since: datetime, until: datetime, period: Period, tz: tzinfo
    ) -> list[Aggregate]:
        """Hourly or daily aggregates in local time for [since, until)."""

    def count_by_day(
        self, site_id: str, metrics: Sequence[str], since: datetime, until: datetime, tz: tzinfo
    ) -> dict:
        """Readings of the site's metrics per local day in [since, until): {date: count}."""

    def count_by_day_of(self, site_metrics: dict, since: datetime, until: datetime, tz: tzinfo) -> dict:
        """count_by_day of several sites at once: {site: [metrics]} → {site: {date: count}},
        sites without readings then left out."""

    def hourly(self, site_id: str, metrics: Sequence[str], since: int, until: int) -> list[tuple]:
        """(metric, hour, received, flagged_n, total, low, high) per UTC hour (ts // 3600) in
        [since, until): kept up to date as readings arrive; sums and extremes over flag N."""

    def daily_sums(self, ranges: dict, start: int, end: int, hours_for=()) -> tuple:
        """Per series and local day in [start, end): a pandas DataFrame (site_id, metric, day,
        received, valid, total, low, high; valid = flag N and inside the series' range), and
        the hours with a valid value > 0 of the series in `hours_for`."""

    def received_by_site(self, start: int, end: int) -> dict[str, int]:
        """Readings received per site in [start, end)."""

    def quarantine(
        self, source: str, topic: str, site_id: str, payload: bytes, error: str, received_at: int
    ) -> int:
        """Keep a message that could not be committed, raw, with the error."""

    def quarantined(
        self, after_id: int = 0, limit: int = 100, pending_only: bool = False
    ) -> list[Quarantined]:
        """Quarantined messages with id > after_id, oldest first."""

    def last_quarantine_id(self) -> int:
        """The newest quarantined message's id (0: none ever)."""

    def quarantine_summary(self, site_id: str, after_id: int) -> tuple[int, int, int, str]:
        """(count, newest id, newest received_at, newest error) after `after_id`."""

    def mark_replayed(self, quarantine_id: int, at: int) -> None: ...

    def rejections(self, since: int = 0, limit: int = 100) -> list[StoredRejection]:
        """Rejection records received at or after `since`, newest first."""

    def count_rejections(self) -> int: ...

    def count_readings(self) -> int: ...

    def first_reading_day(self) -> date | None:
        """The local day of the oldest raw reading kept, or None (no readings)."""

    def prune_before(
        self, month: date, batch: int = 5000, share: float = 1.0, stop: threading.Event | None = None
    ) -> int:
        """Remove the raw readings before the local month of `month` (its first day), in small
        steps so ingest is never held back for long; the hourly and daily sums stay. `share`:
        the most of the writer's time the pruning may take (it rests between steps for the
        rest); `stop`: set, it ends after the current step (what is left goes next time).
        Returns how many readings went (PostgreSQL: whole monthly partitions dropped)."""

    def close(self) -> None: ...
