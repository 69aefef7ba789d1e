"""A work order's visit as the operator sees it: the check-in its report carries and the flags
on it, read from the check-ins, the plates and the order's photos."""

from wastewatch.store.state import State

from .. import work_orders
from . import checkins, checks, plates
from .checkins import Checkin
from .checks import Visit


def of_order(db: State, config, order) -> Visit:
    """The visit of one order (its pages): the check-in its report carries, judged."""
    checkin = checkins.carried(checkins.of_order(db, order["id"]), order["resolved_at"])
    return Visit(None) if checkin is None else _judged(db, config, order, checkin, order["resolved_at"])


def of_orders(db: State, config, orders: list) -> dict[str, Visit]:
    """The visits of many orders (the scorecards), judged as `of_order` judges one, with their
    check-ins, plates, photos and report times read in a statement each for them all."""
    found = checkins.of_orders(db, [o["id"] for o in orders])
    carried = {o["id"]: checkins.carried(found[o["id"]], o["resolved_at"]) for o in orders}
    checked = [o["id"] for o in orders if carried[o["id"]] is not None]
    plate_of = plates.by_ids(db, {c.plate_id for c in carried.values() if c and c.plate_id is not None})
    photos = work_orders.attachments_of(db, checked)
    made = work_orders.reports_made_at(db, checked)
    visits = {}
    for order in orders:
        checkin, resolved_at = carried[order["id"]], order["resolved_at"]
        visits[order["id"]] = (
            Visit(None)
            if checkin is None
            else _judge(
                config,
                checkin,
                resolved_at,
                plate_of.get(checkin.plate_id),
                photos[order["id"]],
                made.get((order["id"], resolved_at)),
            )
        )
    return visits


def every(db: State, config, order) -> list[Visit]:
    """Each check-in of the order judged (its timeline), oldest first: only the one its report
    carries is judged against the report."""
    made = checkins.of_order(db, order["id"])
    carried = checkins.carried(made, order["resolved_at"])
    return [_judged(db, config, order, c, order["resolved_at"] if c is carried else None) for c in made]


def _judged(db: State, config, order, checkin: Checkin, resolved_at: int | None) -> Visit:
    plate = plates.by_id(db, checkin.plate_id) if checkin.plate_id is not None else None
    photos = work_orders.attachments(db, order["id"])
    return _judge(
        config, checkin, resolved_at, plate, photos, work_orders.report_made_at(db, order["id"], resolved_at)
    )


def _judge(
    config, checkin: Checkin, resolved_at: int | None, plate, attachments, made_at: int | None
) -> Visit:
    plate_site = config.site_by_id.get(plate.site_id) if plate else None
    # The report's own photos: those sent with it (an earlier round's, before a reopening, are
    # another visit's).
    photos = [
        checks.Photo(row["uploaded_at"], row["taken_at"])
        for row in attachments
        if resolved_at is not None and row["uploaded_at"] == resolved_at
    ]
    return checks.judge(
        checkin, plate, plate_site.name if plate_site else None, resolved_at, photos, config.visits, made_at
    )
