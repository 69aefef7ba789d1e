"""Data review (数据审核): an operator marks a span of one series invalid — a calibration, an
analyser fault, maintenance, a confirmed outlier, a sampling error — with a note, or restores
it. The readings are never rewritten: the review is a row (who, when, why, the span), and
the rules, the day close and the report leave the span's readings out while it is accepted.

A contractor may propose a review; it counts only once an operator accepts it. Accepting or
restoring a review has the closed days it touches judged again by the next day close, and a
month already reported gets an amended version (maintenance/report/monthly.py counts the
reviews among its inputs).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wastewatch.config.i18n import N_, Said
from wastewatch.store.state import State, paged, transaction

REASONS = ("calibration", "analyser_fault", "maintenance", "outlier", "sampling_error")
LABELS = {
    "calibration": N_("calibration"),
    "analyser_fault": N_("analyser fault"),
    "maintenance": N_("maintenance"),
    "outlier": N_("confirmed outlier"),
    "sampling_error": N_("sampling error"),
}
STATES = {
    "proposed": N_("proposed, to accept"),
    "accepted": N_("in force"),
    "rejected": N_("rejected"),
    "restored": N_("restored"),
}


class ReviewError(Said, ValueError):
    """A review that cannot be made or changed as asked, in one sentence."""


@dataclass(frozen=True)
class Review:
    id: int
    site_id: str
    metric: str
    starts_at: int
    ends_at: int


class Reviews:
    """The reviews in force, by series, loaded once per run of a job or a report."""

    def __init__(self, db: State):
        self.by_series: dict[tuple[str, str], list[Review]] = {}
        for row in db.execute(
            "SELECT id, site_id, metric, starts_at, ends_at FROM data_reviews WHERE state = 'accepted' "
            "ORDER BY starts_at"
        ):
            self.by_series.setdefault((row["site_id"], row["metric"]), []).append(Review(**row))

    def spans(self, site_id: str, metric: str, start: int, end: int) -> list[tuple[int, int]]:
        """[from, until) of each review of the series overlapping [start, end)."""
        return [
            (r.starts_at, r.ends_at)
            for r in self.by_series.get((site_id, metric), ())
            if r.starts_at < end and r.ends_at > start
        ]


def propose(
    db: State,
    site_id: str,
    metric: str,
    starts_at: int,
    ends_at: int,
    reason: str,
    note: str,
    actor: str,
    now: int,
    accept: bool,
) -> int:
    """A new review; `accept` (an operator's) puts it in force at once, otherwise it waits
    for an operator (a contractor's proposal)."""
    if reason not in REASONS:
        raise ReviewError(
            N_("unknown review reason '{reason}'; allowed: {allowed}"),
            reason=reason,
            allowed=", ".join(REASONS),
        )
    if ends_at <= starts_at:
        raise ReviewError(N_("a review's span must end after it starts"))
    if ends_at > now:
        raise ReviewError(N_("a review marks readings already received: its span cannot end in the future"))
    with transaction(db):
        review_id = db.execute(
            "INSERT INTO data_reviews (site_id, metric, starts_at, ends_at, reason, note, state, "
            "proposed_by, proposed_at, decided_by, decided_at) VALUES (:site, :metric, :starts_at, "
            ":ends_at, :reason, :note, :state, :actor, :now, :decided_by, :decided_at) RETURNING id",
            {
                "site": site_id,
                "metric": metric,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "reason": reason,
                "note": note.strip(),
                "state": "accepted" if accept else "proposed",
                "actor": actor,
                "now": now,
                "decided_by": actor if accept else None,
                "decided_at": now if accept else None,
            },
        ).scalar()
        if accept:
            rejudge(db, site_id, starts_at, ends_at)
    return review_id


def decide(db: State, review_id: int, accept: bool, actor: str, now: int) -> None:
    """An operator accepts a contractor's proposal (in force from now) or rejects it."""
    with transaction(db):
        row = get_or_fail(db, review_id)
        if row["state"] != "proposed":
            raise ReviewError(N_("review {review} is not waiting for a decision"), review=review_id)
        db.execute(
            "UPDATE data_reviews SET state = :state, decided_by = :actor, decided_at = :now WHERE id = :id",
            {"state": "accepted" if accept else "rejected", "actor": actor, "now": now, "id": review_id},
        )
        if accept:
            rejudge(db, row["site_id"], row["starts_at"], row["ends_at"])


def restore(db: State, review_id: int, note: str, actor: str, now: int) -> None:
    """The span's readings count again; the review stays in the table, restored."""
    if not note.strip():
        raise ReviewError(N_("restoring a review needs a note saying why"))
    with transaction(db):
        row = get_or_fail(db, review_id)
        if row["state"] != "accepted":
            raise ReviewError(N_("review {review} is not in force"), review=review_id)
        db.execute(
            "UPDATE data_reviews SET state = 'restored', restored_by = :actor, restored_at = :now, "
            "restore_note = :note WHERE id = :id",
            {"actor": actor, "now": now, "note": note.strip(), "id": review_id},
        )
        rejudge(db, row["site_id"], row["starts_at"], row["ends_at"])


def get(db: State, review_id: int):
    return db.execute("SELECT * FROM data_reviews WHERE id = :id", {"id": review_id}).fetchone()


def get_or_fail(db: State, review_id: int):
    row = get(db, review_id)
    if row is None:
        raise ReviewError(N_("no data review {review}"), review=review_id)
    return row


def listing(db: State, site_id: str | None = None, states: tuple[str, ...] | None = None, limit: int = 200):
    where: list[str] = []
    params: dict[str, object] = {"limit": limit}
    if site_id:
        where.append("site_id = :site")
        params["site"] = site_id
    if states:
        where.append("state IN :states")
        params["states"] = list(states)
    sql = "SELECT * FROM data_reviews" + (" WHERE " + " AND ".join(where) if where else "")
    return db.execute(sql + " ORDER BY proposed_at DESC, id DESC LIMIT :limit", params).fetchall()


def touching(db: State, start: int, end: int, site_ids: list[str] | None = None) -> list:
    """Reviews accepted or restored whose span overlaps [start, end): a month's reviews, as the
    report lists them (a restored one still says what was done and undone)."""
    rows = db.execute(
        "SELECT * FROM data_reviews WHERE state IN ('accepted', 'restored') AND starts_at < :end "
        "AND ends_at > :start ORDER BY site_id, metric, starts_at, id",
        {"start": start, "end": end},
    ).fetchall()
    return [r for r in rows if site_ids is None or r["site_id"] in site_ids]


def decisions(db: State, start: int, end: int) -> dict[str, int]:
    """{site: number of review decisions (accept, restore) on spans in [start, end)}: part of
    what a month's report was built from, so a review made later amends it."""
    counts: dict[str, int] = {}
    for r in touching(db, start, end):
        counts[r["site_id"]] = counts.get(r["site_id"], 0) + (2 if r["state"] == "restored" else 1)
    return counts


def rejudge(db: State, site_id: str, starts_at: int, ends_at: int | None) -> None:
    """Closed days a window or a review touches are judged again by the next day close:
    their valid samples changed. (Day keys are local dates; a day either side covers any time zone.)"""

    def day(ts: int, shift: int) -> str:
        return (datetime.fromtimestamp(ts, UTC).date() + timedelta(days=shift)).isoformat()

    db.execute(
        "DELETE FROM day_checks WHERE site_id = :site AND day >= :first"
        + ("" if ends_at is None else " AND day <= :last"),
        {"site": site_id, "first": day(starts_at, -1), "last": None if ends_at is None else day(ends_at, 1)},
    )


def page(
    db: State, site_ids, after: int | None, limit: int, state: str | None = None, since=None, until=None
) -> list:
    """Reviews of `site_ids` by id after the cursor (the read API): in one state; their span
    overlapping [since, until) where given."""
    params = {"sites": list(site_ids), "state": state, "since": since, "until": until}
    where = ["site_id IN :sites"] + (["state = :state"] if state else [])
    where += [c for c, v in (("ends_at > :since", since), ("starts_at < :until", until)) if v is not None]
    return paged(db, "data_reviews", where, params, "id", after, limit)
