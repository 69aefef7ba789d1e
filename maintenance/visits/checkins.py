"""The `checkins` table's owner: a contractor's 到场签到 on a work order.

A check-in records what the phone sent — the plate its camera read, its position with the
accuracy it claims or why it had none, its own clock — beside the server's clock when it
arrived. The site's position and the distance are judged here once, when it is recorded, and
kept with it: a later correction of the inventory changes later judgements only. Checks on it
(checks.py) are flags for the operator, not a verdict.

A phone that retries (a lost answer, a queue sent again) sends the same key: the second
arrival is the first check-in, not another.
"""

import math
import secrets
from dataclasses import dataclass

from wastewatch.config.i18n import N_
from wastewatch.store.state import State

from .. import work_orders
from . import geo, plates
from .plates import VisitError

LOCATION_ERRORS = ("denied", "unavailable", "timeout", "unsupported")
KEY_CHARS = 64


@dataclass(frozen=True)
class Checkin:
    id: int
    key: str
    work_order_id: str
    site_id: str
    actor: str
    plate_text: str | None
    plate_id: int | None
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    location_error: str | None
    site_lon: float | None
    site_lat: float | None
    distance_m: float | None
    phone_at: int | None
    received_at: int
    offline: bool


@dataclass(frozen=True)
class Position:
    """What the phone's Geolocation API gave: a WGS-84 point with its accuracy, or an error."""

    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    error: str | None = None

    def __post_init__(self):
        if self.error is None:
            if self.lon is None or self.lat is None or self.accuracy_m is None:
                raise VisitError(N_("a position needs its longitude, latitude and accuracy"))
            if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90) or not math.isfinite(self.accuracy_m):
                raise VisitError(N_("a position must be a longitude and latitude in degrees"))
            if self.accuracy_m < 0:
                raise VisitError(N_("a position's accuracy cannot be negative"))
        elif self.error not in LOCATION_ERRORS:
            raise VisitError(N_("unknown position error '{error}'"), error=self.error)


def _checkin(row) -> Checkin:
    values = {name: row[name] for name in Checkin.__dataclass_fields__}
    values["offline"] = bool(values["offline"])
    return Checkin(**values)


def site_position(config, site) -> tuple[float, float] | None:
    """The site's WGS-84 (longitude, latitude), taken back from GCJ-02 when the inventory's
    coordinates were picked on a Chinese map app; None when the inventory has none."""
    if site.location is None:
        return None
    lon, lat = site.location
    if config.visits.site_coordinates == "gcj02":
        return geo.gcj02_to_wgs84(lon, lat)
    return lon, lat


def record(
    db: State,
    config,
    order,
    actor: str,
    plate_text: str,
    position: Position,
    phone_at: int | None,
    now: int,
    key: str = "",
    offline: bool = False,
) -> tuple[Checkin, bool]:
    """Record a check-in on the order (the caller's transaction): (the check-in, whether it is
    new). A key already recorded on this order returns that check-in; on another order it is
    refused."""
    key = key or secrets.token_urlsafe(24)
    if len(key) > KEY_CHARS or not key.isascii() or not key.isprintable():
        raise VisitError(N_("a check-in's key must be at most {n} printable ASCII characters"), n=KEY_CHARS)
    found = by_key(db, key)
    if found is not None:
        if found.work_order_id != order["id"]:
            raise VisitError(N_("this check-in was already recorded on another work order"))
        return found, False
    if order["state"] not in work_orders.ACTIVE:
        raise VisitError(N_("work order {order} is no longer waiting for a visit"), order=order["id"])
    code = plates.code_in(plate_text)
    plate = plates.by_code(db, code) if code else None
    site = config.site_by_id[order["site_id"]]
    where = site_position(config, site)
    distance = None
    if where is not None and position.error is None:
        distance = round(geo.distance_m(position.lon, position.lat, *where), 1)
    db.execute(
        "INSERT INTO checkins (key, work_order_id, site_id, actor, plate_text, plate_id, lon, lat, "
        "accuracy_m, location_error, site_lon, site_lat, distance_m, phone_at, received_at, offline) "
        "VALUES (:key, :order, :site, :actor, :text, :plate, :lon, :lat, :accuracy, :error, :site_lon, "
        ":site_lat, :distance, :phone_at, :now, :offline)",
        {
            "key": key,
            "order": order["id"],
            "site": order["site_id"],
            "actor": actor,
            "text": plate_text[:200] or None,
            "plate": plate.id if plate else None,
            "lon": position.lon,
            "lat": position.lat,
            "accuracy": position.accuracy_m,
            "error": position.error,
            "site_lon": where[0] if where else None,
            "site_lat": where[1] if where else None,
            "distance": distance,
            "phone_at": phone_at,
            "now": now,
            "offline": offline,
        },
    )
    return by_key(db, key), True  # type: ignore[return-value]


def by_key(db: State, key: str) -> Checkin | None:
    row = db.execute("SELECT * FROM checkins WHERE key = :key", {"key": key}).fetchone()
    return _checkin(row) if row else None


def of_order(db: State, order_id: str) -> list[Checkin]:
    """An order's check-ins, oldest first."""
    rows = db.execute(
        "SELECT * FROM checkins WHERE work_order_id = :order ORDER BY received_at, id", {"order": order_id}
    )
    return [_checkin(r) for r in rows]


def of_orders(db: State, order_ids: list[str]) -> dict[str, list[Checkin]]:
    """Check-ins of many orders at once (the scorecards), oldest first each."""
    found: dict[str, list[Checkin]] = {o: [] for o in order_ids}
    if not order_ids:
        return found
    rows = db.execute(
        "SELECT * FROM checkins WHERE work_order_id IN :orders ORDER BY received_at, id",
        {"orders": order_ids},
    )
    for row in rows:
        found[row["work_order_id"]].append(_checkin(row))
    return found


def carried(checkins: list[Checkin], resolved_at: int | None) -> Checkin | None:
    """The check-in a visit's report carries: the last made before the report (the last so far
    while the order waits for it)."""
    before = [c for c in checkins if resolved_at is None or c.received_at <= resolved_at]
    return before[-1] if before else None


def began(c: Checkin) -> int:
    """When the visit began, by its check-in: the phone's time for one made without signal (it
    reached the server later), the server's otherwise."""
    if c.offline and c.phone_at is not None:
        return min(c.phone_at, c.received_at)
    return c.received_at
