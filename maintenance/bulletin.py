"""The 通报 problem list for the bureau's regular progress meeting (调度、协调、通报; 问题销号):
every problem still open, by the party responsible for it (the contractor, then the town), with
its age and deadline; what was crossed off (销号) in the period; and the towns and contractors
ranked by the latest monthly report's scores.

A problem is a work order in play (open, acknowledged, reopened, or done and waiting to be
verified): every fault, exceedance and missed visit that needs someone to act has one.
Figures, each from one place:
- age: days from the order's opening to the list's moment;
- overdue: a deadline it still owes has passed (work_orders.late: the acknowledgement while
  unacknowledged, the repair), said as which one and by how long; overdue first, towns in the
  inventory's order;
- crossed off: closed (verified) within [from, to);
- a town's or contractor's score: the mean of its sites' scores in the newest monthly report
  version sent (operations CSV), so the ranking is the one the bureau already received.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from wastewatch.alerts.context import Context
from wastewatch.alerts.mail import WORK_ORDER_KINDS
from wastewatch.config.i18n import N_, gettext

from . import work_orders
from .notices import STATES
from .report import monthly

DAY = 86400
SHEETS = {
    "open": N_("Open problems"),
    "closed": N_("Crossed off in the period"),
    "towns": N_("Towns by score"),
    "contractors": N_("Contractors by score"),
}


@dataclass
class Bulletin:
    start: int  # crossed off within [start, end)
    end: int
    now: int  # the list's moment: what is open, and ages and overdue, as of now
    open: list = field(default_factory=list)  # dicts, by contractor, town, deadline
    closed: list = field(default_factory=list)
    month: str = ""  # the monthly report the ranking comes from, "" without one
    towns: list = field(default_factory=list)  # (rank, town, sites, mean score)
    contractors: list = field(default_factory=list)

    def by_party(self) -> list[tuple[str, list]]:
        """The open problems as (contractor name, problems), in the list's order."""
        groups: dict[str, list] = {}
        for problem in self.open:
            groups.setdefault(problem["contractor"], []).append(problem)
        return list(groups.items())


def build(ctx: Context, sites, start: int, end: int, now: int) -> Bulletin:
    """The list for the sites an account sees: open as of now, crossed off in [start, end)."""
    config = ctx.config
    ids = {s.id for s in sites}
    company = {c.id: c.name for c in config.contractors}
    found = Bulletin(start, end, now)
    for order in work_orders.listing(ctx.db, now, work_orders.IN_PLAY, limit=100_000):
        if order["site_id"] not in ids:
            continue
        passed = work_orders.late(order, now)
        found.open.append(
            _row(order, config, company)
            | {
                "age_days": (now - order["opened_at"]) / DAY,
                "overdue": bool(passed),
                "late": passed,  # which deadline passed, by how long: work_orders.late_words
                "overdue_days": max((x.by_s for x in passed), default=0) / DAY,
            }
        )
    # Contractors as the config lists them, towns as the inventory does (not by code point).
    party = {name: n for n, name in enumerate(company.values())}
    town = {name: n for n, name in enumerate(config.towns)}

    def rank(p) -> tuple:
        return party.get(p["contractor"], len(party)), p["contractor"], town.get(p["town"], len(town))

    found.open.sort(key=lambda p: (rank(p)[:2], not p["overdue"], rank(p)[2], p["repair_by"], p["id"]))
    for order in work_orders.closed_between(ctx.db, start, end):
        if order["site_id"] in ids:
            found.closed.append(
                _row(order, config, company) | {"took_days": (order["closed_at"] - order["opened_at"]) / DAY}
            )
    found.closed.sort(key=lambda p: (rank(p), p["closed_at"]))
    _rank(ctx, found, sites, company)
    return found


def subject(problem: dict, locale: str) -> str:
    """The kind and the subject, the kind said once: a routine order's subject already starts
    with it ("例行巡检（每 14 天）"), a fault's does not ("故障维修：提升泵跳闸")."""
    kind = gettext(locale, WORK_ORDER_KINDS.get(problem["kind"], problem["kind"]))
    summary = problem["summary"] or ""
    if summary.startswith(kind):
        return summary
    return f"{kind}{'：' if locale == 'zh-CN' else ': '}{summary}" if summary else kind


def _row(order, config, company) -> dict:
    site = config.site_by_id.get(order["site_id"])
    return {
        "id": order["id"],
        "site": site.name if site else order["site_id"],
        "town": site.town if site else "",
        "contractor": company.get(order["contractor"], order["contractor"]),
        "kind": order["kind"],
        "summary": order["summary"],
        "origin": order["origin"],
        "alert_id": order["alert_id"],
        "site_id": order["site_id"],
        "state": order["state"],
        "opened_at": order["opened_at"],
        "repair_by": order["repair_by"],
        "closed_at": order["closed_at"],
    }


def _rank(ctx: Context, found: Bulletin, sites, company) -> None:
    latest = next(iter(monthly.versions(ctx.db)), None)
    if latest is None:
        return
    path = ctx.config.data_dir / latest["folder"] / f"operations-{latest['month']}.csv"
    if not path.exists():
        return
    found.month = latest["month"]
    scores = {
        row["site_id"]: float(row["score"])
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        if row.get("score")
    }
    for attribute, target, name in (
        ("town", found.towns, str),
        ("contractor", found.contractors, company.get),
    ):
        groups: dict[str, list[float]] = {}
        for site in sites:
            if site.id in scores:
                groups.setdefault(getattr(site, attribute), []).append(scores[site.id])
        ranked = sorted(groups.items(), key=lambda kv: (-sum(kv[1]) / len(kv[1]), kv[0]))
        target.extend(
            (rank, name(key) or key, len(values), sum(values) / len(values))
            for rank, (key, values) in enumerate(ranked, start=1)
        )


# Each sheet's columns: (header, the row's field). Both lists start with who and what.
_ORDER = [
    (N_("Contractor"), "contractor"),
    (N_("Town"), "town"),
    (N_("Site"), "site"),
    (N_("Work order"), "id"),
    (N_("Kind"), "kind"),
    (N_("Subject"), "summary"),
]
COLUMNS = {
    "open": _ORDER
    + [
        (N_("State"), "state"),
        (N_("Opened"), "opened_at"),
        (N_("Age (days)"), "age_days"),
        (N_("Due by"), "repair_by"),
        (N_("Overdue (days)"), "overdue_days"),
        (N_("Overdue"), "late"),
    ],
    "closed": _ORDER
    + [(N_("Opened"), "opened_at"), (N_("Crossed off"), "closed_at"), (N_("Took (days)"), "took_days")],
}
RANK_COLUMNS = (N_("Rank"), N_("Name"), N_("Sites"), N_("Mean score"))


def write_xlsx(found: Bulletin, path, locale: str, tz) -> None:
    """The list as a workbook: a sheet each for the open problems, the crossed off and the two
    rankings; times as dates, days to one decimal, headers bold and frozen."""
    from openpyxl import Workbook  # only when a workbook is asked for: it imports slowly
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)

    def cell(key: str, value):
        if key in ("opened_at", "repair_by", "closed_at"):
            return datetime.fromtimestamp(value, tz).replace(tzinfo=None) if value else None
        if key in ("age_days", "took_days", "overdue_days"):
            return round(value, 1)
        if key == "late":
            return work_orders.late_words(value, locale)
        if key == "kind":
            return gettext(locale, WORK_ORDER_KINDS.get(value, value))
        if key == "state":
            return gettext(locale, STATES.get(value, value))
        return value

    def sheet(name: str, headers, rows) -> None:
        ws = book.create_sheet(gettext(locale, SHEETS[name])[:31])
        ws.append([gettext(locale, h) for h in headers])
        for c in ws[1]:
            c.font = bold
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for column in ws.columns:
            letter = column[0].column_letter
            ws.column_dimensions[letter].width = min(
                max(len(str(c.value or "")) * (2 if locale == "zh-CN" else 1.1) for c in column) + 2, 48
            )
            for c in column[1:]:
                if isinstance(c.value, datetime):
                    c.number_format = "yyyy-mm-dd hh:mm"

    for name in ("open", "closed"):
        columns = COLUMNS[name]
        sheet(
            name, [h for h, _ in columns], ([cell(k, p[k]) for _, k in columns] for p in getattr(found, name))
        )
    for name in ("towns", "contractors"):
        rows = [(rank, who, n, round(mean, 1)) for rank, who, n, mean in getattr(found, name)]
        sheet(name, RANK_COLUMNS, rows)
    book.save(path)
