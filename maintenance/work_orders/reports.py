"""What a contractor's report brings with it: its photos (`work_order_attachments`) and the key
a phone sent it with (`work_order_submissions`), read one order at a time for its pages and
many at once for the month's scorecards."""

from wastewatch.store.state import State


def attachments(db: State, order_id: str) -> list:
    """An order's photos, in the order sent."""
    return attachments_of(db, [order_id])[order_id]


def attach_photo(
    db: State,
    order_id: str,
    path: str,
    name: str,
    content_type: str,
    size: int,
    sha256: str,
    actor: str,
    now: int,
    taken_at: int | None = None,
) -> None:
    """A photo already written under the data folder, recorded on its order (caller's
    transaction); `taken_at` when its own EXIF says it was taken, where the phone kept it."""
    db.execute(
        "INSERT INTO work_order_attachments (work_order_id, path, original_name, content_type, bytes, "
        "sha256, uploaded_by, uploaded_at, taken_at) "
        "VALUES (:order, :path, :name, :content_type, :size, :sha256, :actor, :now, :taken_at)",
        {
            "taken_at": taken_at,
            "order": order_id,
            "path": path,
            "name": name,
            "content_type": content_type,
            "size": size,
            "sha256": sha256,
            "actor": actor,
            "now": now,
        },
    )


def submission(db: State, key: str):
    """The report a phone sent with this key, if one was recorded (a repeat changes nothing)."""
    return db.execute("SELECT * FROM work_order_submissions WHERE key = :key", {"key": key}).fetchone()


def submitted(db: State, key: str, order_id: str, action: str, made_at: int | None, now: int) -> None:
    """Record a report's key (in the transaction that records the report)."""
    db.execute(
        "INSERT INTO work_order_submissions (key, work_order_id, action, made_at, received_at) "
        "VALUES (:key, :order, :action, :made_at, :now)",
        {"key": key, "order": order_id, "action": action, "made_at": made_at, "now": now},
    )


def report_made_at(db: State, order_id: str, received_at: int | None) -> int | None:
    """The phone's time of a report made offline and received at `received_at`, else None."""
    if received_at is None:  # not reported: nothing to read
        return None
    return reports_made_at(db, [order_id]).get((order_id, received_at))


def attachments_of(db: State, order_ids: list[str]) -> dict[str, list]:
    """The photos of many orders at once (the scorecards), each order's in the order sent."""
    found: dict[str, list] = {o: [] for o in order_ids}
    if not order_ids:
        return found
    rows = db.execute(
        "SELECT * FROM work_order_attachments WHERE work_order_id IN :orders ORDER BY id",
        {"orders": order_ids},
    )
    for row in rows:
        found[row["work_order_id"]].append(row)
    return found


def reports_made_at(db: State, order_ids: list[str]) -> dict[tuple[str, int], int]:
    """{(order, received at): the phone's time} of the reports of these orders made offline."""
    if not order_ids:
        return {}
    rows = db.execute(
        "SELECT work_order_id, received_at, made_at FROM work_order_submissions "
        "WHERE work_order_id IN :orders AND action = 'done' AND made_at IS NOT NULL",
        {"orders": order_ids},
    )
    return {(r["work_order_id"], r["received_at"]): r["made_at"] for r in rows}
