"""How far each site's data has gone to each upper platform (table forward_progress, owned
here): per platform, site and kind, the start of the last period the platform answered, and
its state for the site — frames answered and sent again, when it last answered, the last
error and until when the site rests after one."""

from wastewatch.store.state import State, transaction


def through(db: State, target: str, site_id: str, kind: str, first: int) -> int:
    """The last period done (periods starting at or before it are); `first - 1` the first time,
    recorded so that a platform added later does not receive what came before."""
    row = db.execute(
        "SELECT through FROM forward_progress WHERE target = :t AND site_id = :s AND kind = :k",
        {"t": target, "s": site_id, "k": kind},
    ).fetchone()
    if row is not None:
        return row["through"]
    with transaction(db):
        db.execute(
            "INSERT INTO forward_progress (target, site_id, kind, through) VALUES (:t, :s, :k, :through) "
            "ON CONFLICT DO NOTHING",
            {"t": target, "s": site_id, "k": kind, "through": first - 1},
        )
    return through(db, target, site_id, kind, first)


def answered(db: State, target: str, site_id: str, kind: str, period: int, now: int) -> None:
    """The platform took the period's frame: it is done, and the site's last error with it."""
    with transaction(db):
        db.execute(
            "UPDATE forward_progress SET through = :period, frames = frames + 1, answered_at = :now, "
            "last_error = NULL, error_at = NULL, resting_until = NULL "
            "WHERE target = :t AND site_id = :s AND kind = :k AND through < :period",
            {"t": target, "s": site_id, "k": kind, "period": period, "now": now},
        )


def skipped(db: State, target: str, site_id: str, kind: str, until: int) -> None:
    """Nothing to send up to `until` (no readings then): done without a frame."""
    with transaction(db):
        db.execute(
            "UPDATE forward_progress SET through = :until "
            "WHERE target = :t AND site_id = :s AND kind = :k AND through < :until",
            {"t": target, "s": site_id, "k": kind, "until": until},
        )


def failed(db: State, target: str, site_id: str, kind: str, error: str, now: int, rest_until: int) -> None:
    """The site's frame was not answered: said, and the frame sent again after `rest_until`."""
    with transaction(db):
        db.execute(
            "UPDATE forward_progress SET last_error = :error, error_at = :now, resting_until = :rest, "
            "resent = resent + 1 WHERE target = :t AND site_id = :s AND kind = :k",
            {"t": target, "s": site_id, "k": kind, "error": error, "now": now, "rest": rest_until},
        )


def resting(db: State, target: str, now: int) -> set[str]:
    """Sites of the platform resting after an error."""
    rows = db.execute(
        "SELECT DISTINCT site_id FROM forward_progress WHERE target = :t AND resting_until > :now",
        {"t": target, "now": now},
    )
    return {row["site_id"] for row in rows}


def status(db: State) -> list:
    """Every platform, site and kind, for the console and /metrics."""
    return db.execute("SELECT * FROM forward_progress ORDER BY target, site_id, kind").fetchall()


def oldest(db: State) -> dict[tuple[str, str], int]:
    """{(platform, kind): the earliest `through` of its sites}: how far behind it is."""
    rows = db.execute(
        "SELECT target, kind, MIN(through) AS through FROM forward_progress GROUP BY target, kind"
    )
    return {(row["target"], row["kind"]): row["through"] for row in rows}
