"""The `audit` table's owner: every action taken through the console or the `users` command —
who, what, on what, when, from where, and whether it was allowed."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    id: int
    at: int
    actor: str
    action: str
    target: str
    address: str
    outcome: str
    detail: str


def record(
    db,
    actor: str,
    action: str,
    now: int,
    target: str = "",
    address: str = "",
    outcome: str = "ok",
    detail: str = "",
) -> None:
    db.execute(
        "INSERT INTO audit (at, actor, action, target, address, outcome, detail) "
        "VALUES (:at, :actor, :action, :target, :address, :outcome, :detail)",
        {
            "at": now,
            "actor": actor,
            "action": action,
            "target": target,
            "address": address,
            "outcome": outcome,
            "detail": detail[:500],
        },
    )


API_READ = "api.read"  # every read API call is one: kept apart from what people did


def token_detail(prefix: str, name: str) -> str:
    """The detail of an API call's row: which token made it."""
    return f"token {prefix}… ({name})"


def token_calls(db, prefix: str, since: int) -> list[int]:
    """When the token with `prefix` made the calls let through after `since`, oldest first: its
    rate, counted from the log every process writes to (so several worker processes count
    alike). The caller holds the writer lock, so no call slips in between."""
    head = token_detail(prefix, "")[: -len(" ()")]
    return [
        row["at"]
        for row in db.execute(
            "SELECT at FROM audit WHERE at > :since AND action = :action AND outcome != 'throttled' "
            "AND substr(detail, 1, :n) = :head ORDER BY at",
            {"since": since, "action": API_READ, "n": len(head), "head": head},
        )
    ]


def listing(db, limit: int = 200, actor: str | None = None, api_reads: bool | None = None) -> list[Entry]:
    """The newest entries first; `api_reads`: only the read API's calls (True), all but them
    (False), or everything (None)."""
    where = (["actor = :actor"] if actor else []) + (
        [] if api_reads is None else ["action = :api" if api_reads else "action != :api"]
    )
    sql = (
        "SELECT * FROM audit"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY id DESC LIMIT :n"
    )
    return [Entry(**dict(row)) for row in db.execute(sql, {"actor": actor, "api": API_READ, "n": limit})]
