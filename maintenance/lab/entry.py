"""The ways results come in: a sampling order's visit (the sample taken, results pending),
results typed in the console or the command line, and a laboratory's sheet imported.

Each runs in the caller's transaction — `maintenance.reaction.changing`, so the alerts and
orders the results cause are reacted to and commit with them.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from wastewatch.alerts.context import Context
from wastewatch.config.i18n import N_, Said
from wastewatch.config.lab import load_methods
from wastewatch.ingest import labsheet

from . import judging, records
from .records import Entry, LabError

MATCH_PENDING_S = 3 * 3600  # a sheet's row finds a sample waiting for results this close in time


def _unit(text: str) -> str:
    return text.strip().replace("ｍｇ", "mg").replace("／", "/").lower().replace("mg/l", "mg/L")


def parse_entry(item: str, text: str, unit: str = "", detection_limit: str = "") -> Entry:
    """A result as typed ("23.5", "ND", "<4", "4L", "未检出") for an item, in its unit (the
    method's when left empty)."""
    method = load_methods().of(item)
    if method is None:
        raise LabError(N_("'{item}' is not an item a laboratory reports"), item=item)
    limit = None
    if detection_limit.strip():
        try:
            limit = float(detection_limit)
        except ValueError:
            raise LabError(N_("detection limit '{limit}' is not a number"), limit=detection_limit) from None
    try:
        reading = labsheet.parse_result(text, limit if limit is not None else method.detection_limit)
    except ValueError:
        raise LabError(
            N_("result '{result}' is neither a number nor a below-detection mark (ND, 未检出, <4, 4L)"),
            result=text.strip(),
        ) from None
    given = _unit(unit) if unit.strip() else method.unit
    if given != _unit(method.unit) and given != method.unit:
        raise LabError(
            N_("unit '{unit}' for {item}; results are recorded in {expected}"),
            unit=unit,
            item=item,
            expected=method.unit,
        )
    return Entry(item, reading.shown, reading.value, reading.detection_limit, method.unit, method.method)


def taken(ctx: Context, order, sampled_at: int, bottles: str, actor: str, now: int) -> int:
    """A sampling order's visit: the sample was taken, its results pending. They are owed
    [inspections] results_within_days after the visit's period ends (or the sample, if later)."""
    days = ctx.rules.inspections.results_within_days
    due = max(order["due_at"] or order["repair_by"], sampled_at) + days * 86400
    return records.add_sample(
        ctx.db,
        order["site_id"],
        sampled_at,
        "routine",
        actor,
        now,
        sampled_by=actor.partition("/")[2] or actor,
        bottles=bottles.strip(),
        work_order_id=order["id"],
        results_due_at=due,
    )


def enter(
    ctx: Context,
    sample_id: int,
    entries: list[Entry],
    actor: str,
    now: int,
    source: str,
    reason: str = "",
    report: dict | None = None,
) -> int:
    """Results for a sample (and its laboratory report's facts); returns the versions added.
    A result an item already has is a correction: it needs `reason`."""
    sample = records.get_or_fail(ctx.db, sample_id)
    site = ctx.config.site_by_id.get(sample["site_id"])
    if site is None:
        raise LabError(N_("sample {sample} is of a site no longer configured"), sample=sample_id)
    if report:
        records.set_report(
            ctx.db,
            sample_id,
            report.get("laboratory", ""),
            report.get("lab_cma", ""),
            report.get("report_no", ""),
            report.get("report_date", ""),
        )
    added = sum(
        1 for e in entries if records.add_result(ctx.db, sample_id, e, actor, now, source, reason) is not None
    )
    if added:
        judging.judge(ctx, sample_id, now)
    return added


@dataclass
class Imported:
    """What an import did: results stored, rows that said what was already recorded, rows
    refused with their number and reason, and when the same file was imported before."""

    name: str
    stored: int = 0
    unchanged: int = 0
    samples: set = field(default_factory=set)
    rejected: list[tuple[int, Said]] = field(default_factory=list)
    before: int | None = None  # when this very file was imported, if it was


def import_sheet(
    ctx: Context,
    name: str,
    data: bytes,
    actor: str,
    now: int,
    kind: str = "self_check",
    site_ids: set[str] | None = None,
) -> Imported:
    """A laboratory's sheet: good rows stored (a sample per site, time and report), every bad
    row refused with its row number and reason. The same file a second time changes nothing
    (a file none of whose rows could be stored is not remembered: fixed, it may come again).
    `kind`: what a sample the sheet brings is, where no sample was waiting for it. `site_ids`:
    the sites the importer may reach (a town-limited account's); others are unknown to it."""
    sha = hashlib.sha256(data).hexdigest()
    outcome = Imported(name)
    seen = records.import_seen(ctx.db, sha)
    if seen is not None:
        outcome.before = seen["imported_at"]
        return outcome
    try:
        sheet = labsheet.read(name, data, load_methods())
    except labsheet.SheetError as exc:
        raise LabError(N_("{file}: {problem}"), file=name, problem=exc.sentence) from None
    outcome.rejected = list(sheet.rejected)
    tz = ctx.config.tz
    grouped: dict[int, list[tuple[int, Entry]]] = {}
    # A sample's rows (one per item) find or make it once: (site, time, laboratory, report) → id.
    samples: dict[tuple, int] = {}
    for row in sheet.rows:
        try:
            if site_ids is not None and row.site not in site_ids:
                raise LabError(N_("no site '{site}'"), site=row.site)
            sample_id, entry = _row(ctx, row, tz, actor, now, kind, samples)
        except LabError as exc:
            outcome.rejected.append((row.row, exc))
            continue
        grouped.setdefault(sample_id, []).append((row.row, entry))
    for sample_id, entries in grouped.items():
        added = 0
        for number, entry in entries:
            try:
                version = records.add_result(ctx.db, sample_id, entry, actor, now, f"import:{sha[:12]}")
            except LabError as exc:  # a different result for an item already recorded: a correction
                outcome.rejected.append((number, exc))
                continue
            if version is None:
                outcome.unchanged += 1
            else:
                added += 1
        outcome.stored += added
        if added:
            outcome.samples.add(sample_id)
            judging.judge(ctx, sample_id, now)
    outcome.rejected.sort(key=lambda pair: pair[0])
    if outcome.stored or outcome.unchanged:
        records.record_import(
            ctx.db, sha, name, sheet.total, outcome.stored, len(outcome.rejected), actor, now
        )
    return outcome


def _row(
    ctx: Context, row: labsheet.LabRow, tz, actor: str, now: int, kind: str, samples: dict[tuple, int]
) -> tuple[int, Entry]:
    site = ctx.config.site_by_id.get(row.site)
    if site is None:
        raise LabError(N_("no site '{site}'"), site=row.site)
    at = int(row.sampled_at.replace(tzinfo=tz).timestamp())
    if at > now:
        raise LabError(N_("the sampling time is in the future"))
    if row.report_date:
        try:
            datetime.strptime(row.report_date, "%Y-%m-%d")
        except ValueError:
            raise LabError(N_("report date '{date}' is not YYYY-MM-DD"), date=row.report_date) from None
    text = row.result.shown
    limit = "" if row.result.detection_limit is None else f"{row.result.detection_limit:g}"
    entry = parse_entry(row.item, text, row.unit, limit)
    key = (site.id, at, row.laboratory, row.report_no)
    if key in samples:
        return samples[key], entry
    found = records.find_sample(ctx.db, site.id, at, row.laboratory, row.report_no)
    if found is None:
        found = _waiting(ctx, site.id, at)
    if found is None:
        sample_id = records.add_sample(
            ctx.db,
            site.id,
            at,
            kind,
            actor,
            now,
            sampled_by=row.sampled_by,
            laboratory=row.laboratory,
            lab_cma=row.lab_cma,
            report_no=row.report_no,
            report_date=row.report_date,
        )
    else:
        sample_id = found["id"]
        if not found["report_no"]:
            records.set_report(ctx.db, sample_id, row.laboratory, row.lab_cma, row.report_no, row.report_date)
    samples[key] = sample_id
    return sample_id, entry


def _waiting(ctx: Context, site_id: str, at: int):
    """A sample of the site still waiting for its report, taken within MATCH_PENDING_S of `at`."""
    near = [
        s
        for s in records.listing(ctx.db, [site_id], at - MATCH_PENDING_S, at + MATCH_PENDING_S + 1)
        if not s["report_no"]
    ]
    return min(near, key=lambda s: abs(s["sampled_at"] - at)) if near else None
