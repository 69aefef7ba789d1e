"""The laboratory's records: samples, their results by version, the online-against-laboratory
comparisons and the sheets imported. Nothing else touches these tables; every function runs
in the caller's transaction.

A result is never overwritten: a correction is a new version with who and why, and every
reading of "the result" takes the newest version. A result below detection keeps its text
("ND", "<4") and its detection limit, and no value.
"""

from dataclasses import dataclass

from wastewatch.config.i18n import N_, Said, gettext
from wastewatch.store.state import State, paged

KINDS = ("routine", "spot_check", "self_check")
LABELS = {
    "routine": N_("routine sampling"),
    "spot_check": N_("bureau spot check"),
    "self_check": N_("self-check"),
}


class LabError(Said, ValueError):
    """A sample or result that cannot be recorded as asked, in one sentence."""


@dataclass(frozen=True)
class Entry:
    """A result as entered: the laboratory's text and what it says."""

    item: str
    shown: str
    value: float | None  # None: below detection
    detection_limit: float | None
    unit: str
    method: str = ""


def result_text(row, locale: str, unit: bool = False) -> str:
    """A result as every page, email, export and report says it: "23.5", or "未检出（检出限 4）"
    for one below detection — never 0."""
    if row["value"] is None:
        if row["detection_limit"] is None:
            return gettext(locale, N_("not detected"))
        return gettext(locale, N_("not detected (detection limit {limit})")).format(
            limit=f"{row['detection_limit']:g}"
        )
    text = row["shown"] or f"{row['value']:g}"
    return f"{text} {row['unit']}".rstrip() if unit else text


def add_sample(
    db: State,
    site_id: str,
    sampled_at: int,
    kind: str,
    actor: str,
    now: int,
    *,
    sampled_by: str = "",
    laboratory: str = "",
    lab_cma: str = "",
    report_no: str = "",
    report_date: str = "",
    bottles: str = "",
    work_order_id: str | None = None,
    results_due_at: int | None = None,
) -> int:
    if kind not in KINDS:
        raise LabError(
            N_("unknown sample kind '{kind}'; allowed: {allowed}"), kind=kind, allowed=", ".join(KINDS)
        )
    if sampled_at > now:
        raise LabError(N_("the sampling time is in the future"))
    return db.execute(
        "INSERT INTO samples (site_id, sampled_at, sampled_by, kind, laboratory, lab_cma, report_no, "
        "report_date, bottles, work_order_id, results_due_at, created_by, created_at) VALUES (:site, "
        ":sampled_at, :sampled_by, :kind, :laboratory, :lab_cma, :report_no, :report_date, :bottles, "
        ":order, :due, :actor, :now) RETURNING id",
        {
            "site": site_id,
            "sampled_at": sampled_at,
            "sampled_by": sampled_by,
            "kind": kind,
            "laboratory": laboratory,
            "lab_cma": lab_cma,
            "report_no": report_no,
            "report_date": report_date,
            "bottles": bottles,
            "order": work_order_id,
            "due": results_due_at,
            "actor": actor,
            "now": now,
        },
    ).scalar()


def set_report(
    db: State, sample_id: int, laboratory: str, lab_cma: str, report_no: str, report_date: str
) -> None:
    """The laboratory and its report, as the results arrive (kept where a field is left empty)."""
    db.execute(
        "UPDATE samples SET laboratory = COALESCE(NULLIF(:laboratory, ''), laboratory), "
        "lab_cma = COALESCE(NULLIF(:cma, ''), lab_cma), report_no = COALESCE(NULLIF(:no, ''), report_no), "
        "report_date = COALESCE(NULLIF(:date, ''), report_date) WHERE id = :id",
        {"laboratory": laboratory, "cma": lab_cma, "no": report_no, "date": report_date, "id": sample_id},
    )


def attach_file(db: State, sample_id: int, path: str, name: str, content_type: str, sha256: str) -> None:
    db.execute(
        "UPDATE samples SET file_path = :path, file_name = :name, file_type = :type, file_sha256 = :sha "
        "WHERE id = :id",
        {"path": path, "name": name, "type": content_type, "sha": sha256, "id": sample_id},
    )


def find_sample(db: State, site_id: str, sampled_at: int, laboratory: str, report_no: str):
    """The sample a laboratory's row is about: the same site and time, and the same report —
    or a sample still waiting for its report (a sampling order's), taken at that time."""
    return db.execute(
        "SELECT * FROM samples WHERE site_id = :site AND sampled_at = :at AND "
        "((laboratory = :laboratory AND report_no = :no) OR report_no = '') "
        "ORDER BY report_no DESC, id LIMIT 1",
        {"site": site_id, "at": sampled_at, "laboratory": laboratory, "no": report_no},
    ).fetchone()


def get(db: State, sample_id: int):
    return db.execute("SELECT * FROM samples WHERE id = :id", {"id": sample_id}).fetchone()


def get_or_fail(db: State, sample_id: int):
    row = get(db, sample_id)
    if row is None:
        raise LabError(N_("no sample {sample}"), sample=sample_id)
    return row


def current(db: State, sample_id: int) -> dict:
    """{item: the newest version of its result}."""
    return current_of(db, [sample_id]).get(sample_id, {})


def current_of(db: State, sample_ids: list[int]) -> dict[int, dict]:
    """{sample: {item: newest result row}} for many samples at once."""
    if not sample_ids:
        return {}
    found: dict[int, dict] = {}
    for row in db.execute(
        "SELECT r.* FROM sample_results AS r WHERE r.sample_id IN :ids AND r.version = "
        "(SELECT MAX(version) FROM sample_results WHERE sample_id = r.sample_id AND item = r.item) "
        "ORDER BY r.sample_id, r.item",
        {"ids": list(sample_ids)},
    ):
        found.setdefault(row["sample_id"], {})[row["item"]] = row
    return found


def history(db: State, sample_id: int) -> list:
    """Every version of every result, oldest first: what a correction changed, and who."""
    return db.execute(
        "SELECT * FROM sample_results WHERE sample_id = :id ORDER BY item, version", {"id": sample_id}
    ).fetchall()


def add_result(
    db: State, sample_id: int, entry: Entry, actor: str, now: int, source: str, reason: str = ""
) -> int | None:
    """Record `entry` as the item's next version; None when it says what the newest version
    already says (an import read twice, a correction that changes nothing). A second version
    needs a reason."""
    before = db.execute(
        "SELECT shown, detection_limit, unit, version FROM sample_results WHERE sample_id = :sample "
        "AND item = :item ORDER BY version DESC LIMIT 1",
        {"sample": sample_id, "item": entry.item},
    ).fetchone()
    if before is not None:
        if (
            before["shown"] == entry.shown
            and before["detection_limit"] == entry.detection_limit
            and before["unit"] == entry.unit
        ):
            return None
        if not reason.strip():
            raise LabError(
                N_("{item} of sample {sample} already has a result: a correction needs a reason"),
                item=entry.item,
                sample=sample_id,
            )
    version = 1 if before is None else before["version"] + 1
    db.execute(
        "INSERT INTO sample_results (sample_id, item, version, shown, value, detection_limit, unit, method, "
        "entered_by, entered_at, reason, source) VALUES (:sample, :item, :version, :shown, :value, :limit, "
        ":unit, :method, :actor, :now, :reason, :source)",
        {
            "sample": sample_id,
            "item": entry.item,
            "version": version,
            "shown": entry.shown,
            "value": entry.value,
            "limit": entry.detection_limit,
            "unit": entry.unit,
            "method": entry.method,
            "actor": actor,
            "now": now,
            "reason": reason.strip(),
            "source": source,
        },
    )
    return version


def linked(db: State, sample_id: int, item: str, version: int, alert_id: int) -> None:
    """The exceedance alert a result's version opened or joined."""
    db.execute(
        "UPDATE sample_results SET alert_id = :alert WHERE sample_id = :sample AND item = :item "
        "AND version = :version",
        {"alert": alert_id, "sample": sample_id, "item": item, "version": version},
    )


def for_order(db: State, order_id: str) -> list:
    return db.execute(
        "SELECT * FROM samples WHERE work_order_id = :order ORDER BY sampled_at", {"order": order_id}
    ).fetchall()


def listing(
    db: State,
    site_ids: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    pending_only: bool = False,
    limit: int = 200,
) -> list:
    """Samples newest first; pending_only: those whose results are not in."""
    where, params = ["1 = 1"], {"limit": limit}
    if site_ids is not None:
        where.append("site_id IN :sites")
        params["sites"] = list(site_ids) or [""]
    if start is not None:
        where.append("sampled_at >= :start")
        params["start"] = start
    if end is not None:
        where.append("sampled_at < :end")
        params["end"] = end
    if pending_only:
        where.append("NOT EXISTS (SELECT 1 FROM sample_results AS r WHERE r.sample_id = samples.id)")
    return db.execute(
        f"SELECT * FROM samples WHERE {' AND '.join(where)} ORDER BY sampled_at DESC, id DESC LIMIT :limit",
        params,
    ).fetchall()


def between(db: State, start: int, end: int) -> list:
    """Every sample taken in [start, end), oldest first: a month's, for the report."""
    return db.execute(
        "SELECT * FROM samples WHERE sampled_at >= :start AND sampled_at < :end "
        "ORDER BY site_id, sampled_at, id",
        {"start": start, "end": end},
    ).fetchall()


def overdue(db: State, now: int) -> list:
    """Samples of sampling orders whose results were due and have not arrived, not yet escalated."""
    return db.execute(
        "SELECT * FROM samples WHERE results_due_at IS NOT NULL AND results_due_at <= :now "
        "AND results_escalated_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM sample_results AS r WHERE r.sample_id = samples.id) ORDER BY results_due_at",
        {"now": now},
    ).fetchall()


def escalated(db: State, sample_id: int, now: int) -> None:
    db.execute("UPDATE samples SET results_escalated_at = :now WHERE id = :id", {"now": now, "id": sample_id})


def results_late(sample, has_results: bool, now: int) -> bool:
    """The one test of "results overdue": owed by a date that has passed, and not in."""
    return not has_results and sample["results_due_at"] is not None and sample["results_due_at"] <= now


def month_inputs(db: State, start: int, end: int) -> dict[str, int]:
    """{site: result versions recorded for samples taken in [start, end)}: part of what a
    month's report was built from, so results arriving later amend it."""
    return {
        row["site_id"]: row["n"]
        for row in db.execute(
            "SELECT s.site_id, COUNT(*) AS n FROM sample_results AS r "
            "JOIN samples AS s ON s.id = r.sample_id "
            "WHERE s.sampled_at >= :start AND s.sampled_at < :end GROUP BY s.site_id",
            {"start": start, "end": end},
        )
    }


def record_comparison(db: State, sample_id: int, item: str, version: int, facts: dict, now: int) -> None:
    db.execute(
        "INSERT INTO lab_comparisons (sample_id, item, result_version, lab_value, online_value, online_at, "
        "difference, tolerance, at) VALUES (:sample, :item, :version, :lab, :online, :online_at, "
        ":difference, "
        ":tolerance, :now) ON CONFLICT (sample_id, item, result_version) DO NOTHING",
        {"sample": sample_id, "item": item, "version": version, "now": now, **facts},
    )


def comparisons(db: State, start: int, end: int, sample_id: int | None = None) -> list:
    """The comparisons of the newest result versions of samples taken in [start, end)."""
    return db.execute(
        "SELECT c.*, s.site_id, s.sampled_at FROM lab_comparisons AS c "
        "JOIN samples AS s ON s.id = c.sample_id "
        "WHERE s.sampled_at >= :start AND s.sampled_at < :end"
        + (" AND s.id = :sample" if sample_id is not None else "")
        + " AND c.result_version = (SELECT MAX(version) FROM sample_results WHERE sample_id = c.sample_id "
        "AND item = c.item) ORDER BY s.site_id, s.sampled_at, c.item",
        {"start": start, "end": end, "sample": sample_id},
    ).fetchall()


def import_seen(db: State, sha256: str):
    return db.execute("SELECT * FROM lab_imports WHERE sha256 = :sha", {"sha": sha256}).fetchone()


def record_import(
    db: State, sha256: str, name: str, rows: int, stored: int, rejected: int, actor: str, now: int
) -> None:
    db.execute(
        "INSERT INTO lab_imports (sha256, name, rows, stored, rejected, imported_by, imported_at) "
        "VALUES (:sha, :name, :rows, :stored, :rejected, :actor, :now)",
        {
            "sha": sha256,
            "name": name,
            "rows": rows,
            "stored": stored,
            "rejected": rejected,
            "actor": actor,
            "now": now,
        },
    )


def page(db: State, site_ids, after: int | None, limit: int, since=None, until=None) -> list:
    """Samples of `site_ids` by id after the cursor (the read API), taken within [since, until)
    where given."""
    params = {"sites": list(site_ids), "since": since, "until": until}
    where = ["site_id IN :sites"]
    where += [
        c for c, v in (("sampled_at >= :since", since), ("sampled_at < :until", until)) if v is not None
    ]
    return paged(db, "samples", where, params, "id", after, limit)
