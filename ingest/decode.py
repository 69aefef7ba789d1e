"""Payloads and import lines → readings, and a rejection record for everything else.

A batch is accepted item by item and metric by metric: one bad value never costs the good
readings beside it. Nothing here raises on bad input; it all becomes a `Rejection`, which makes
its own text storable (lone surrogates from JSON escapes such as "\\ud800" become escapes).
"""

import json
import logging
import math
from datetime import datetime, time, tzinfo
from typing import Any

from wastewatch.config import Config
from wastewatch.config.metrics import FLAGS, METRICS
from wastewatch.config.text import printable
from wastewatch.store import Rejection
from wastewatch.store.base import ReadingRow

log = logging.getLogger("wastewatch.ingest")
# Integers beyond this are not numbers a sensor sends, and float() of a larger one overflows.
_BIG = 10**300


class DuplicateKey(ValueError):
    """A JSON object names the same key twice: which value counts would be a guess."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(f"duplicate key {key!r}")
            seen.add(key)
    return obj


def loads(text: str) -> Any:
    """JSON with duplicate keys refused; raises ValueError (or RecursionError) on bad input."""
    return json.loads(text, object_pairs_hook=_unique_keys)


def json_problem(exc: BaseException) -> str:
    """Why a text is not acceptable JSON, in one line."""
    if isinstance(exc, DuplicateKey):
        return f"payload has a {exc}"
    if isinstance(exc, RecursionError):
        return "payload is not JSON (nested too deeply)"
    return f"payload is not JSON ({exc})"


class Decoder:
    def __init__(self, config: Config, source: str = "mqtt"):
        self.config = config
        self.source = source
        self.tz: tzinfo = config.tz
        ingest = config.ingest
        self.max_bytes = ingest.max_payload_bytes
        self.future_s = ingest.future_tolerance_s
        # A reading before this is a logger clock fault (a reset clock reads 2000-01-01 or
        # year 1), not history: imports are held to the earliest date only, live sources also
        # to max_backfill_days before now.
        self.earliest = int(datetime.combine(ingest.earliest_date, time(), self.tz).timestamp())
        self.commissioned = {
            site.id: int(datetime.combine(site.commissioned, time(), self.tz).timestamp())
            for site in config.sites
            if site.commissioned
        }
        live = source in ("mqtt", "hj212")
        self.backfill_s = ingest.max_backfill_days * 86400 if live else None

    def message(
        self, topic: str, site_id: str | None, payload: bytes, now: float
    ) -> tuple[list[ReadingRow], list[Rejection]]:
        """One MQTT message: an object or an array of objects, for the site its topic names.

        Readings come back as plain (site_id, metric, ts, value, flag) tuples, Reading's fields.
        """
        try:
            return self._message(topic, site_id, payload, now)
        except Exception as exc:  # noqa: BLE001 — a decoder bug must cost one message, not the stream
            return [], [self.undecodable("payload", exc, excerpt(payload), topic, site_id)]

    def _message(
        self, topic: str, site_id: str | None, payload: bytes, now: float
    ) -> tuple[list[ReadingRow], list[Rejection]]:
        def reject(reason: str, text: str, kind: str = "payload") -> tuple[list, list]:
            return [], [Rejection(self.source, reason, text, topic=topic, site_id=site_id or "", kind=kind)]

        problem = self.size_problem(payload)
        if problem:
            return reject(problem, excerpt(payload))
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            return reject("payload is not UTF-8 text", excerpt(payload))
        problem = self.site_problem(site_id, "readings")
        if problem:
            return reject(problem, text, "site")
        try:
            body = loads(text)
        except (ValueError, RecursionError) as exc:
            return reject(json_problem(exc), text)
        if isinstance(body, dict):
            items = [body]
        elif isinstance(body, list) and body:
            items = body
        else:
            return reject("payload must be a JSON object or a non-empty array of objects", text)

        readings: list[ReadingRow] = []
        rejections: list[Rejection] = []
        for index, item in enumerate(items):
            self.item(
                item,
                site_id,
                now,
                readings,
                rejections,
                topic=topic,
                index=index if isinstance(body, list) else None,
            )
        return readings, rejections

    def size_problem(self, payload: bytes) -> str | None:
        if len(payload) > self.max_bytes:
            return f"payload of {len(payload)} bytes is over the {self.max_bytes}-byte limit"
        return None

    def site_problem(self, site_id: str | None, kind: str) -> str | None:
        """Why a message's topic names no site we know; kind: readings or hj212."""
        if site_id is None:
            return f"topic is not <prefix>/sites/<site_id>/{kind}"
        if site_id not in self.config.site_by_id:
            return f"unknown site {site_id!r}"
        return None

    def item(
        self,
        item: Any,
        site_id: str | None,
        now: float,
        readings: list[ReadingRow],
        rejections: list[Rejection],
        topic: str = "",
        index: int | None = None,
    ) -> None:
        """One reading object; appends what it yields to `readings` and `rejections`."""
        done = len(readings)
        try:
            self._item(item, site_id, now, readings, rejections, topic, index)
        except Exception as exc:  # noqa: BLE001 — as in message(): this item only
            del readings[done:]
            rejections.append(self.undecodable("item", exc, _compact(item), topic, site_id, index))

    def undecodable(self, what: str, exc: Exception, text: str, topic: str, site_id, index=None) -> Rejection:
        """The record of a decoder bug: logged with its traceback, one rejection instead."""
        log.exception("decoding an %s on %s failed", what, printable(topic))
        return Rejection(
            self.source,
            f"{what} could not be decoded ({exc.__class__.__name__})",
            text,
            topic=topic,
            site_id=site_id if isinstance(site_id, str) else "",
            item=index,
            kind="decoder",
        )

    def _item(
        self,
        item: Any,
        site_id: str | None,
        now: float,
        readings: list[ReadingRow],
        rejections: list[Rejection],
        topic: str,
        index: int | None,
    ) -> None:
        def reject(reason: str, metric: str = "", site: str | None = site_id, kind: str = "payload") -> None:
            rejections.append(
                Rejection(
                    self.source,
                    reason,
                    _compact(item),
                    topic=topic,
                    site_id=site or "",
                    item=index,
                    metric=metric,
                    kind=kind,
                )
            )

        if not isinstance(item, dict):
            return reject("item must be a JSON object with ts and values")
        named = item.get("site")
        if named is not None:
            if site_id is not None and named != site_id:
                return reject(
                    f"site {named!r} in the payload does not match site {site_id!r} of the topic", kind="site"
                )
            site_id = named
        if not isinstance(site_id, str) or not site_id:
            return reject(
                "item has no site" if site_id in (None, "") else "site must be a string",
                site="" if not isinstance(site_id, str) else site_id,
                kind="site",
            )
        site = self.config.site_by_id.get(site_id)
        if site is None:
            return reject(f"unknown site {site_id!r}", site=site_id, kind="site")
        ts = self.timestamp(item.get("ts"), now, site_id)
        if isinstance(ts, str):
            return reject(ts, site=site_id, kind="time")
        values, flags = item.get("values"), item.get("flags", {})
        if not isinstance(values, dict) or not values:
            return reject("values must be a non-empty object of metric: number", site=site_id)
        if not isinstance(flags, dict):
            return reject("flags must be an object of metric: flag", site=site_id)
        configured = site.metrics
        for metric, value in values.items():
            flag = flags.get(metric, "N") if flags else "N"
            kind = type(value)
            # The common case in one test; the reasons are worked out only for a failure.
            # Plain tuples, not Reading(...): this runs for every value and Reading's
            # constructor costs more than the rest of the checks together. A float is tested
            # with isfinite, an int by size (isfinite of a huge int overflows).
            if (
                metric in configured
                and type(flag) is str
                and flag in FLAGS
                and (math.isfinite(value) if kind is float else kind is int and -_BIG < value < _BIG)
            ):
                readings.append((site_id, metric, ts, float(value), flag))
            else:
                reject(
                    self._value_problem(site, metric, value, flag), metric=metric, site=site_id, kind="value"
                )

    def timestamp(self, value: Any, now: float, site_id: str = "") -> int | str:
        """Seconds since the epoch, or the reason the value is not a usable timestamp."""
        if not isinstance(value, str):
            return "ts must be an ISO 8601 string such as 2026-10-01T08:00:00+08:00"
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return f"ts {value!r} is not an ISO 8601 time"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        try:
            ts = int(moment.timestamp())
        except (ValueError, OverflowError):
            ts = -(2**62)  # year 1 with an offset that leaves the calendar: before any horizon
        problem = self.time_problem(ts, value, now, site_id)
        return ts if problem is None else problem

    def time_problem(self, ts: int, shown: str, now: float, site_id: str = "") -> str | None:
        """Why a reading's time cannot be right (future, before the earliest date or the site's
        commissioning, past the backfill horizon), or None."""
        if ts > now + self.future_s:
            return f"ts {shown} is more than {self.future_s} s in the future"
        if ts < self.earliest:
            return (
                f"ts {shown} is before {self.config.ingest.earliest_date.isoformat()} "
                "(the earliest date accepted): a logger clock fault"
            )
        if ts < self.commissioned.get(site_id, ts):
            return (
                f"ts {shown} is before site {site_id!r} was commissioned "
                f"({self.config.site_by_id[site_id].commissioned}): a logger clock fault"
            )
        if self.backfill_s is not None and ts < now - self.backfill_s:
            return (
                f"ts {shown} is more than {self.config.ingest.max_backfill_days} days in the past "
                "(max_backfill_days): a logger clock fault"
            )
        return None

    @staticmethod
    def _value_problem(site, metric: str, value: Any, flag: Any) -> str:
        if metric not in METRICS:
            return f"unknown metric {metric!r}"
        if metric not in site.metrics:
            return f"metric {metric!r} is not configured for site {site.id!r}"
        kind = type(value)
        if not (kind is float and math.isfinite(value) or kind is int and -_BIG < value < _BIG):
            return f"value of {metric!r} is not a finite number: {_compact(value, 200)}"
        if type(flag) is not str or flag not in FLAGS:
            return f"flag of {metric!r} must be one of {', '.join(sorted(FLAGS))}, not {_compact(flag, 200)}"
        raise AssertionError(f"no problem with {metric}={value!r}")


def _compact(value: Any, limit: int = 4096) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):  # an integer past Python's digit limit, deep nesting
        text = f"<{type(value).__name__} that cannot be shown>"
    return text if len(text) <= limit else text[:limit] + "…"


def excerpt(payload: bytes, limit: int = 4096) -> str:
    """Raw bytes kept readable: text where it decodes, escapes where it does not."""
    text = payload[:limit].decode("utf-8", errors="backslashreplace")
    return text if len(payload) <= limit else text + f"… ({len(payload)} bytes)"
