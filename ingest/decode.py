"""Payloads and import lines → readings, and a rejection record for everything else.

A batch is accepted item by item and metric by metric: one bad value never costs the good
readings beside it. Nothing here raises on bad input; it all becomes a `Rejection`.
"""

import json
import math
from datetime import datetime, tzinfo
from typing import Any

from config import Config
from config.metrics import FLAGS, METRICS
from store import Reading, Rejection

_NUMBER = (int, float)


class Decoder:
    def __init__(self, config: Config, source: str = "mqtt"):
        self.config = config
        self.source = source
        self.tz: tzinfo = config.tz
        self.max_bytes = config.ingest.max_payload_bytes
        self.future_s = config.ingest.future_tolerance_s

    def message(self, topic: str, site_id: str | None, payload: bytes, now: float
                ) -> tuple[list[Reading], list[Rejection]]:
        """One MQTT message: an object or an array of objects, for the site its topic names.

        Readings come back as plain (site_id, metric, ts, value, flag) tuples, Reading's fields.
        """
        def reject(reason: str, text: str) -> tuple[list, list]:
            return [], [Rejection(self.source, reason, text, topic=topic, site_id=site_id or "")]

        if len(payload) > self.max_bytes:
            return reject(f"payload of {len(payload)} bytes is over the {self.max_bytes}-byte limit",
                          _excerpt(payload))
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            return reject("payload is not UTF-8 text", _excerpt(payload))
        if site_id is None:
            return reject("topic is not <prefix>/sites/<site_id>/readings", text)
        if site_id not in self.config.site_by_id:
            return reject(f"unknown site {site_id!r}", text)
        try:
            body = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            return reject(f"payload is not JSON ({exc})", text)
        if isinstance(body, dict):
            items = [body]
        elif isinstance(body, list) and body:
            items = body
        else:
            return reject("payload must be a JSON object or a non-empty array of objects", text)

        readings: list[Reading] = []
        rejections: list[Rejection] = []
        for index, item in enumerate(items):
            self.item(item, site_id, now, readings, rejections, topic=topic,
                      index=index if isinstance(body, list) else None)
        return readings, rejections

    def item(self, item: Any, site_id: str | None, now: float, readings: list[Reading],
             rejections: list[Rejection], topic: str = "", index: int | None = None) -> None:
        """One reading object; appends what it yields to `readings` and `rejections`."""
        def reject(reason: str, metric: str = "", site: str | None = site_id) -> None:
            rejections.append(Rejection(self.source, reason, _compact(item), topic=topic,
                                        site_id=site or "", item=index, metric=metric))

        if not isinstance(item, dict):
            return reject("item must be a JSON object with ts and values")
        named = item.get("site")
        if named is not None:
            if site_id is not None and named != site_id:
                return reject(f"site {named!r} in the payload does not match site {site_id!r} of the topic")
            site_id = named
        if not isinstance(site_id, str) or not site_id:
            return reject("item has no site")
        site = self.config.site_by_id.get(site_id)
        if site is None:
            return reject(f"unknown site {site_id!r}", site=site_id)
        ts = self.timestamp(item.get("ts"), now)
        if isinstance(ts, str):
            return reject(ts, site=site_id)
        values, flags = item.get("values"), item.get("flags", {})
        if not isinstance(values, dict) or not values:
            return reject("values must be a non-empty object of metric: number", site=site_id)
        if not isinstance(flags, dict):
            return reject("flags must be an object of metric: flag", site=site_id)
        configured = site.metrics
        for metric, value in values.items():
            flag = flags.get(metric, "N") if flags else "N"
            # The common case in one test; the reasons are worked out only for a failure.
            # Plain tuples, not Reading(...): this runs for every value and Reading's
            # constructor costs more than the rest of the checks together.
            if (metric in configured and type(value) in _NUMBER and math.isfinite(value)
                    and flag in FLAGS):
                readings.append((site_id, metric, ts, float(value), flag))
            else:
                reject(self._value_problem(site, metric, value, flag), metric=metric, site=site_id)

    def timestamp(self, value: Any, now: float) -> int | str:
        """Seconds since the epoch, or the reason the value is not a usable timestamp."""
        if not isinstance(value, str):
            return "ts must be an ISO 8601 string such as 2026-10-01T08:00:00+08:00"
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return f"ts {value!r} is not an ISO 8601 time"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        ts = int(moment.timestamp())
        if ts > now + self.future_s:
            return f"ts {value} is more than {self.future_s} s in the future"
        return ts

    @staticmethod
    def _value_problem(site, metric: str, value: Any, flag: Any) -> str:
        if metric not in METRICS:
            return f"unknown metric {metric!r}"
        if metric not in site.metrics:
            return f"metric {metric!r} is not configured for site {site.id!r}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"value of {metric!r} is not a finite number: {_compact(value)}"
        if flag not in FLAGS:
            return f"flag of {metric!r} must be one of {', '.join(sorted(FLAGS))}, not {_compact(flag)}"
        raise AssertionError(f"no problem with {metric}={value!r}")


def _compact(value: Any, limit: int = 4096) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "…"


def _excerpt(payload: bytes, limit: int = 4096) -> str:
    """Raw bytes kept readable: text where it decodes, escapes where it does not."""
    text = payload[:limit].decode("utf-8", errors="backslashreplace")
    return text if len(payload) <= limit else text + f"… ({len(payload)} bytes)"
