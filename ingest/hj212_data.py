"""HJ 212 data segments → readings, logger values and rejection records, and the reply each
frame has earned.

Which site a frame is for is proved, not trusted: its MN must be a site's registered
`hj212_mn`, its PW that site's `hj212_pw`, and on MQTT the site must be the topic's. Only then
is a reply earned (a logger that cannot prove its site learns nothing, and keeps resending
until someone registers it). The data kind the site names as its series (`hj212_series`)
becomes readings; the other kinds are kept as logger values beside them, not judged. Values
are converted by the code table (config/hj212_codes.toml): `w00000` in L/s becomes `flow` in
m³/h. A code we cannot map is recorded once per logger and code, not once per frame: a logger
sends it every 30 s, and one record says all there is to say.
"""

import math
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from wastewatch.config import Config
from wastewatch.config.hj212 import EQUIPMENT, KINDS, codes, default_equipment
from wastewatch.config.metrics import FLAGS
from wastewatch.store import LoggerValue, Rejection
from wastewatch.store.base import ReadingRow

from .decode import Decoder, excerpt
from .hj212 import Framer, Garbage, ParseError, parse, reply

STATS = ("Rtd", "Avg", "Min", "Max")
ENCRYPTION = (
    "HJ 212-2025 encryption is not specified in Wastewatch's sources, so only plain frames are "
    "accepted: switch the logger's encryption off for this platform"
)
_FLAG_FIELD = re.compile(r"(?:^|;)Flag=(\d+)")


@dataclass
class Decoded:
    """What a batch of frames yields; `notes` are the (logger, code) pairs recorded in it."""

    readings: list[ReadingRow] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    values: list[LoggerValue] = field(default_factory=list)
    notes: set[tuple[str, str]] = field(default_factory=set)


class LoggerDecoder:
    def __init__(self, config: Config, source: str = "hj212"):
        self.config = config
        self.source = source
        self.times = Decoder(config, source)
        self.codes = codes()
        # (MN, code) already recorded: kept for the life of the process (a restart records
        # each once more), and updated only once a batch's records are committed.
        self.noted: set[tuple[str, str]] = set()
        default = default_equipment()
        self.equipment = {s.id: s.hj212_equipment or default for s in config.sites}
        self.zones = {s.id: zoneinfo.ZoneInfo(s.timezone) if s.timezone else config.tz for s in config.sites}

    def committed(self, out: Decoded) -> None:
        self.noted |= out.notes

    def message(self, topic: str, site_id: str | None, payload: bytes, now: float, out: Decoded) -> None:
        """An MQTT message: one or more whole frames for the site the topic names."""
        size = self.times.size_problem(payload)
        problem = size or self.times.site_problem(site_id, "hj212")
        if problem:
            named = (site_id or "") if size else ""
            out.rejections.append(
                Rejection(self.source, problem, excerpt(payload), topic=topic, site_id=named)
            )
            return
        framer = Framer()
        for item in framer.feed(payload):
            self.item(item, topic, site_id, now, out)
        rest = framer.rest()
        if rest:
            out.rejections.append(
                Rejection(
                    self.source, "message ends inside a frame", excerpt(rest), topic=topic, site_id=site_id
                )
            )

    def item(
        self, item: str | Garbage, origin: str, site_id: str | None, now: float, out: Decoded
    ) -> bytes | None:
        """A data segment (or the Framer's garbage) from `origin`; the reply it earned, if it
        asked for one. `site_id`: the site the channel belongs to (an MQTT topic's), or None."""
        if isinstance(item, Garbage):
            out.rejections.append(
                Rejection(self.source, item.reason, excerpt(item.raw), topic=origin, site_id=site_id or "")
            )
            return None
        try:
            return self._segment(item, origin, site_id, now, out)
        except Exception as exc:  # noqa: BLE001 — a decoder bug costs one frame, not the connection
            out.rejections.append(self.times.undecodable("HJ 212 frame", exc, item, origin, site_id or ""))
            return None

    def _segment(
        self, data: str, origin: str, channel_site: str | None, now: float, out: Decoded
    ) -> bytes | None:
        def reject(
            reason: str, site: str = channel_site or "", metric: str = "", kind: str = "payload"
        ) -> None:
            out.rejections.append(
                Rejection(self.source, reason, data, topic=origin, site_id=site, metric=metric, kind=kind)
            )

        try:
            packet = parse(data)
        except ParseError as exc:
            flag = _FLAG_FIELD.search(data)
            if "QN=" not in data and "MN=" not in data:
                return reject(f"data segment has no readable fields (encrypted?); {ENCRYPTION}")
            if flag and int(flag.group(1)) >> 2 == 2:
                return reject(f"{exc}: an encrypted HJ 212-2025 frame? {ENCRYPTION}")
            return reject(str(exc))
        fields = packet.fields
        if packet.version not in (0, 1, 2):
            return reject(
                f"Flag {fields.get('Flag')} has version bits {packet.version:06b}; known: 000000 "
                "HJ/T 212-2005, 000001 HJ 212-2017, 000010 HJ 212-2025"
            )
        mn = fields.get("MN", "")
        if not mn:
            return reject("frame has no MN (the logger's identity)", kind="site")
        site = self.config.site_by_mn.get(mn)
        if site is None:
            return reject(f"MN {mn} is not registered to any site (hj212_mn in the inventory)", kind="site")
        if channel_site is not None and site.id != channel_site:
            return reject(
                f"MN {mn} is the logger of site {site.id!r}, not of site {channel_site!r} named by the topic",
                kind="site",
            )
        if fields.get("PW") != site.hj212_pw:
            return reject(
                f"PW does not match the one registered for site {site.id!r} (hj212_pw)",
                site=site.id,
                kind="site",
            )
        answer = reply(packet) if packet.asks_reply else None
        cn = fields.get("CN", "")
        kind = KINDS.get(cn)
        if kind is None:
            self._note(
                out,
                site.id,
                mn,
                f"CN {cn}",
                data,
                f"CN {cn or '(none)'} is not a data upload Wastewatch stores (2011 real-time, 2051 minute, "
                "2061 hourly, 2031 daily): acknowledged, and recorded once per logger and command",
            )
            return answer
        self._values(packet.cp, site, mn, kind, data, now, out, reject)
        return answer

    def _values(self, cp, site, mn: str, kind: str, data: str, now: float, out: Decoded, reject) -> None:
        stamp: str | None = None
        found: dict[str, dict[str, str]] = {}
        for group in cp:
            for name, value in group.items():
                if name == "DataTime":
                    stamp = value
                    continue
                code, _, stat = name.rpartition("-")
                found.setdefault(code or name, {})[stat if code else ""] = value
        if stamp is None:
            return reject("CP has no DataTime", site=site.id, kind="time")
        try:
            local = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=self.zones[site.id])
        except ValueError:
            return reject(f"DataTime {stamp!r} is not YYYYMMDDhhmmss", site=site.id, kind="time")
        ts = int(local.timestamp())
        problem = self.times.time_problem(ts, local.isoformat(), now, site.id)
        if problem:
            return reject(problem, site=site.id, kind="time")
        series = kind == site.hj212_series
        main = "Rtd" if kind == "realtime" else "Avg"
        configured = site.metrics

        def note(key: str, reason: str) -> None:
            self._note(out, site.id, mn, key, data, reason)

        for code, stats in found.items():
            flag = stats.get("Flag", "N")
            if EQUIPMENT.match(code) and "RS" in stats:
                # A machine's state is a state at DataTime whatever the upload: always a reading.
                metric = self.equipment[site.id].get(code)
                if metric is None:
                    note(code, f"equipment {code} is not named in the site's hj212_equipment")
                    continue
                entries = [(metric, "RS", 1.0, True)]
            else:
                entry = self.codes.get(code)
                if entry is None:
                    note(code, f"unknown HJ 212 code {code!r} (not in config/hj212_codes.toml)")
                    continue
                entries = [(entry.metric, s, entry.factor, series and s == main) for s in STATS if s in stats]
                if "Cou" in stats:
                    # A total the code table names (the flow total) is a metric of its own; a
                    # pollutant's -Cou (discharged mass) is kept as a logger value.
                    entries.append(
                        (entry.total or entry.metric, "Cou", 1.0, series and entry.total is not None)
                    )
            if flag not in FLAGS:
                reject(
                    f"flag of {code} must be one of {', '.join(sorted(FLAGS))}, not {flag!r}",
                    site=site.id,
                    metric=code,
                    kind="value",
                )
                continue
            for metric, stat, factor, reading in entries:
                text = stats[stat]
                try:
                    value = float(text)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    reject(
                        f"value of {code}-{stat} is not a finite number: {text!r}",
                        site=site.id,
                        metric=code,
                        kind="value",
                    )
                    continue
                if factor != 1.0:
                    value = round(value * factor, 6)
                if not reading:
                    out.values.append(LoggerValue(site.id, kind, metric, ts, stat, value, flag))
                elif metric not in configured:
                    note(code, f"{code} ({metric}) is not among site {site.id!r}'s metrics")
                else:
                    out.readings.append((site.id, metric, ts, value, flag))

    def _note(self, out: Decoded, site_id: str, mn: str, key: str, data: str, reason: str) -> None:
        if (mn, key) in self.noted or (mn, key) in out.notes:
            return
        out.notes.add((mn, key))
        out.rejections.append(
            Rejection(
                self.source,
                reason + " (recorded once per logger)",
                data,
                site_id=site_id,
                metric=key,
                kind="value",
            )
        )
