"""The `plates` table's owner: each site's QR plate, fixed at the plant.

A plate's code is a random secret (96 bits), printed in its QR code as the address of its page
(`<base_url>/p/<code>`) so any phone's camera opens something useful, and read by the check-in
page's scanner. A site has one plate in use at a time; reissuing one (lost, faded, or its code
copied) numbers a new plate and retires the old, whose code then counts as a retired plate's at
every check-in after. The code is kept as printed, not hashed: a plate must be printable again
from the console, and the code only shows presence at the plant, it opens nothing.
"""

import re
import secrets
from dataclasses import dataclass

from wastewatch.config.i18n import N_, Said
from wastewatch.store.state import State

CODE = re.compile(r"[A-Za-z0-9_-]{16}")
# What a QR code may hold: the plate's page address, or the bare code.
_IN_TEXT = re.compile(r"(?:^|/p/)([A-Za-z0-9_-]{16})(?:[/?#]|$)")


class VisitError(Said):
    """A plate or a check-in that cannot be made, in one sentence."""


@dataclass(frozen=True)
class Plate:
    id: int
    site_id: str
    serial: int
    code: str
    issued_at: int
    issued_by: str
    retired_at: int | None
    retired_by: str | None

    def in_use_at(self, ts: int) -> bool:
        """Issued by then and not yet retired: a check-in made before a reissue still counts."""
        return self.issued_at <= ts and (self.retired_at is None or ts < self.retired_at)


def _plate(row) -> Plate:
    return Plate(**{name: row[name] for name in Plate.__dataclass_fields__})


def code_in(text: str) -> str | None:
    """The plate code a scanned QR holds (its page address or the bare code), or None."""
    match = _IN_TEXT.search(text.strip())
    return match[1] if match else None


def current(db: State, site_ids: list[str] | None = None) -> dict[str, Plate]:
    """Each site's plate in use (sites without one are left out)."""
    rows = db.execute("SELECT * FROM plates WHERE retired_at IS NULL ORDER BY site_id")
    plates = {r["site_id"]: _plate(r) for r in rows}
    return plates if site_ids is None else {s: plates[s] for s in site_ids if s in plates}


def by_code(db: State, code: str) -> Plate | None:
    row = db.execute("SELECT * FROM plates WHERE code = :code", {"code": code}).fetchone()
    return _plate(row) if row else None


def by_id(db: State, plate_id: int) -> Plate | None:
    row = db.execute("SELECT * FROM plates WHERE id = :id", {"id": plate_id}).fetchone()
    return _plate(row) if row else None


def by_ids(db: State, plate_ids) -> dict[int, Plate]:
    """Many plates at once (the scorecards' check-ins), by id."""
    if not plate_ids:
        return {}
    rows = db.execute("SELECT * FROM plates WHERE id IN :ids", {"ids": sorted(plate_ids)})
    return {r["id"]: _plate(r) for r in rows}


def history(db: State, site_id: str) -> list[Plate]:
    """A site's plates, newest first."""
    rows = db.execute("SELECT * FROM plates WHERE site_id = :site ORDER BY serial DESC", {"site": site_id})
    return [_plate(r) for r in rows]


def issue(db: State, site_ids: list[str], by: str, now: int, reissue: bool = False) -> list[Plate]:
    """The plates to print for these sites, in the caller's transaction: a site's plate in use
    as it is, or a first one; with `reissue`, a new plate for each site, its old one retired."""
    if not by.strip():
        raise VisitError(N_("issuing a plate needs who issues it"))
    plates = []
    in_use = current(db, site_ids)
    for site_id in site_ids:
        old = in_use.get(site_id)
        if old is not None and not reissue:
            plates.append(old)
            continue
        if old is not None:
            db.execute(
                "UPDATE plates SET retired_at = :now, retired_by = :by WHERE id = :id",
                {"now": now, "by": by, "id": old.id},
            )
        serial = (old.serial if old else _last_serial(db, site_id)) + 1
        db.execute(
            "INSERT INTO plates (site_id, serial, code, issued_at, issued_by) "
            "VALUES (:site, :serial, :code, :now, :by)",
            {"site": site_id, "serial": serial, "code": secrets.token_urlsafe(12), "now": now, "by": by},
        )
        plates.append(current(db, [site_id])[site_id])
    return plates


def _last_serial(db: State, site_id: str) -> int:
    return db.execute("SELECT MAX(serial) FROM plates WHERE site_id = :site", {"site": site_id}).scalar() or 0
