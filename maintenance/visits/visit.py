"""A work order's visit as the operator sees it: the check-in its report carries and the flags
on it, read from the check-ins, the plates and the order's photos."""

from wastewatch.store.state import State

from .. import work_orders
from . import checkins, checks, plates
from .checks import Visit


def of_order(db: State, config, order) -> Visit:
    """The visit of one order (its page, its timeline)."""
    return _judged(db, config, order, checkins.of_order(db, order["id"]))


def of_orders(db: State, config, orders: list) -> dict[str, Visit]:
    """The visits of many orders (the scorecards): check-ins read at once."""
    found = checkins.of_orders(db, [o["id"] for o in orders])
    return {o["id"]: _judged(db, config, o, found[o["id"]]) for o in orders}


def _judged(db: State, config, order, made: list) -> Visit:
    checkin = checkins.carried(made, order["resolved_at"])
    if checkin is None:
        return Visit(None)
    plate = plates.by_id(db, checkin.plate_id) if checkin.plate_id is not None else None
    plate_site = config.site_by_id.get(plate.site_id) if plate else None
    # The report's own photos: those sent with it (an earlier round's, before a reopening, are
    # another visit's).
    photos = [
        checks.Photo(row["uploaded_at"], row["taken_at"])
        for row in work_orders.attachments(db, order["id"])
        if order["resolved_at"] is not None and row["uploaded_at"] == order["resolved_at"]
    ]
    return checks.judge(
        checkin,
        plate,
        plate_site.name if plate_site else None,
        order["resolved_at"],
        photos,
        config.visits,
    )
