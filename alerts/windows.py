"""Planned stops and maintenance windows (计划停运、检修窗口) per site.

Readings inside a window count as flag M: they are kept as received (the raw flag is never
rewritten, docs/domain.md §5) and read as M by the rules and reports, so a window registered after
the fact still applies. Alerts whose condition falls inside a window are recorded but not
emailed, and open no work order. Every window stays in the table; ending one sets its end.
"""

from dataclasses import dataclass

from wastewatch.config.i18n import N_, Said
from wastewatch.store.state import State, paged, transaction

from .reviews import Reviews, rejudge

KINDS = ("planned_stop", "maintenance", "calibration")
LABELS = {
    "planned_stop": N_("planned stop"),
    "maintenance": N_("maintenance"),
    "calibration": N_("calibration"),
}


class WindowError(Said, ValueError):
    """A window that cannot be registered or ended as asked, in one sentence."""


class NoWindow(WindowError, LookupError):
    """No window of that number."""


@dataclass(frozen=True)
class Window:
    id: int
    site_id: str
    kind: str
    starts_at: int
    ends_at: int | None
    reason: str

    def covers(self, ts: int) -> bool:
        return self.starts_at <= ts and (self.ends_at is None or ts < self.ends_at)


class Windows:
    """The windows of every site, loaded once per scheduler run (they change rarely)."""

    def __init__(self, db: State):
        self.reviews = Reviews(db)  # spans of one series marked invalid (alerts/reviews.py)
        self.by_site: dict[str, list[Window]] = {}
        for row in db.execute(
            "SELECT id, site_id, kind, starts_at, ends_at, reason FROM maintenance_windows ORDER BY starts_at"
        ):
            self.by_site.setdefault(row["site_id"], []).append(Window(**row))

    def covering(self, site_id: str, ts: int) -> Window | None:
        for window in self.by_site.get(site_id, ()):
            if window.covers(ts):
                return window
        return None

    def spans(self, site_id: str, start: int, end: int) -> list[tuple[int, int]]:
        """[from, until) of each window overlapping [start, end)."""
        far = 2**62
        return [
            (w.starts_at, w.ends_at or far)
            for w in self.by_site.get(site_id, ())
            if w.starts_at < end and (w.ends_at is None or w.ends_at > start)
        ]

    def excluded(self, site_id: str, metric: str, start: int, end: int) -> list[tuple[int, int]]:
        """Spans of the series whose readings count for nobody: the site's windows and the
        series' reviews in force."""
        return self.spans(site_id, start, end) + self.reviews.spans(site_id, metric, start, end)


def add(
    db: State, site_id: str, kind: str, starts_at: int, ends_at: int | None, reason: str, actor: str, now: int
) -> int:
    if kind not in KINDS:
        raise WindowError(
            N_("unknown window kind '{kind}'; allowed: {allowed}"), kind=kind, allowed=", ".join(KINDS)
        )
    if ends_at is not None and ends_at <= starts_at:
        raise WindowError(N_("a window must end after it starts"))
    if not reason.strip():
        raise WindowError(N_("a window needs a reason"))
    with transaction(db):
        window_id = db.execute(
            "INSERT INTO maintenance_windows (site_id, kind, starts_at, ends_at, reason, created_by, "
            "created_at) "
            "VALUES (:site, :kind, :starts_at, :ends_at, :reason, :actor, :now) RETURNING id",
            {
                "site": site_id,
                "kind": kind,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "reason": reason,
                "actor": actor,
                "now": now,
            },
        ).scalar()
        rejudge(db, site_id, starts_at, ends_at)
    return window_id


def end(db: State, window_id: int, actor: str, now: int) -> int:
    """End a window now (or keep its earlier end); returns the end time."""
    with transaction(db):
        row = get(db, window_id)
        if row is None:
            raise NoWindow(N_("no maintenance window {window}"), window=window_id)
        if row["ends_at"] is not None and row["ends_at"] <= now:
            raise WindowError(N_("maintenance window {window} already ended"), window=window_id)
        ends_at = max(now, row["starts_at"] + 1)
        db.execute(
            "UPDATE maintenance_windows SET ends_at = :ends_at, ended_by = :actor WHERE id = :id",
            {"ends_at": ends_at, "actor": actor, "id": window_id},
        )
        rejudge(db, row["site_id"], row["starts_at"], row["ends_at"])
    return ends_at


def get(db: State, window_id: int):
    return db.execute("SELECT * FROM maintenance_windows WHERE id = :id", {"id": window_id}).fetchone()


def listing(db: State, site_id: str | None = None, active_at: int | None = None):
    where = []
    if site_id:
        where.append("site_id = :site")
    if active_at is not None:
        where.append("starts_at <= :at AND (ends_at IS NULL OR ends_at > :at)")
    sql = "SELECT * FROM maintenance_windows" + (" WHERE " + " AND ".join(where) if where else "")
    return db.execute(
        sql + " ORDER BY starts_at DESC, id DESC", {"site": site_id, "at": active_at}
    ).fetchall()


def page(db: State, site_ids, after: int | None, limit: int, since=None, until=None) -> list:
    """Windows of `site_ids` by id after the cursor (the read API), those in force at some time
    of [since, until) where given (an open-ended window is in force until it is ended)."""
    params = {"sites": list(site_ids), "since": since, "until": until}
    where = ["site_id IN :sites"]
    if until is not None:
        where.append("starts_at < :until")
    if since is not None:
        where.append("(ends_at IS NULL OR ends_at > :since)")
    return paged(db, "maintenance_windows", where, params, "id", after, limit)
