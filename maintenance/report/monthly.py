"""The monthly report on schedule: the previous month's report on the 1st at `send_at`, and an
amended version when readings, laboratory results or data reviews for a month already sent
arrive later. A month is sent only if it
ended after the job first ran (`job_starts`): a new deployment starts with the month in course.

Each version is built, written to <data_dir>/reports/YYYY-MM/vN/ (CSV, XLSX, HTML), recorded in
`reports` and emailed through the outbox in one transaction, so a crash leaves either nothing
(the next run tries again) or a version that is recorded and queued. A version's fingerprint is
the readings received per site for the month, the laboratory results recorded for its samples
and the data reviews decided on its spans; a later run that counts differently builds the
month again and, if any figure changed, sends version N + 1 listing what changed (the data reviews
decided since first). Earlier versions stay in their folders.
"""

import csv
import io
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

from wastewatch.alerts import reviews
from wastewatch.alerts.context import Context
from wastewatch.notify import notify
from wastewatch.store.state import State, transaction

from . import cells, document, figures, lab_figures, output

log = logging.getLogger("wastewatch.reports")
# What names a row of each CSV table, for the list of what an amended version changed.
KEYS = {
    "compliance": ("site_id", "pollutant"),
    "operations": ("site_id",),
    "samples": ("site_id", "sample_id", "item"),
    "sample-sites": ("site_id",),
    "comparisons": ("site_id", "sample_id", "item"),
    "reviews": ("review_id",),
}
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def next_report(config, now: int) -> tuple[str, datetime] | None:
    """(month, local moment) of the next report the job sends: a month's goes out on the 1st
    of the month after at `send_at`; None when the report is disabled."""
    cfg = config.report
    if not cfg.enabled:
        return None
    local = datetime.fromtimestamp(now, config.tz)
    hour, minute = (int(x) for x in cfg.send_at.split(":"))
    first = local.replace(day=1, hour=hour, minute=minute, second=0, microsecond=0)
    if local < first:  # the 1st, before send_at: last month's is next
        return (first - timedelta(days=1)).strftime("%Y-%m"), first
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return local.strftime("%Y-%m"), following


class MonthlyReports:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def run(self, now: int) -> list[tuple[str, int]]:
        """Send what is due; returns the (month, version) pairs produced."""
        cfg = self.ctx.config.report
        if not cfg.enabled:
            return []
        produced = []
        db = self.ctx.db
        db.execute(
            "INSERT INTO job_starts (job, started_at) VALUES ('monthly-report', :now) ON CONFLICT DO NOTHING",
            {"now": now},
        )
        started = db.execute("SELECT started_at FROM job_starts WHERE job = 'monthly-report'").scalar()
        local = datetime.fromtimestamp(now, self.ctx.config.tz)
        this_month = local.date().replace(day=1)
        previous = (this_month - timedelta(days=1)).strftime("%Y-%m")
        # Due from send_at on the 1st (or at the first run after, after downtime), for a month
        # that ended after this job first ran.
        due = local.day > 1 or local.strftime("%H:%M") >= cfg.send_at
        if due and int(self.ctx.midnight(this_month).timestamp()) > started and self.latest(previous) is None:
            produced.append((previous, self.produce(previous, now)))
        for month, version, fingerprint in self._watched(local, cfg.amend_months):
            counted = self.fingerprint(month)
            if counted != json.loads(fingerprint):
                new = self.produce(month, now, counted)
                if new != version:
                    produced.append((month, new))
        return produced

    def latest(self, month: str):
        return self.ctx.db.execute(
            "SELECT * FROM reports WHERE month = :month ORDER BY version DESC LIMIT 1", {"month": month}
        ).fetchone()

    def _watched(self, local, months: int):
        first = local.date().replace(day=1)
        oldest = first
        for _ in range(months):
            oldest = (oldest - timedelta(days=1)).replace(day=1)
        # SQLite takes a bare column (fingerprint) from the row that holds the MAX().
        return [
            (r["month"], r["version"], r["fingerprint"])
            for r in self.ctx.db.execute(
                "SELECT month, version, fingerprint FROM reports AS r WHERE month >= :oldest "
                "AND month < :first AND version = (SELECT MAX(version) FROM reports WHERE month = r.month) "
                "ORDER BY month",
                {"oldest": oldest.strftime("%Y-%m"), "first": first.strftime("%Y-%m")},
            )
        ]

    def fingerprint(self, month: str) -> dict:
        """Readings received for the month, per site, and the laboratory results and data
        reviews its figures were built from: late data, a late result or a review changes it."""
        _, _, start, end = figures.month_bounds(self.ctx, month)
        return self.ctx.store.received_by_site(start, end) | lab_figures.fingerprint(self.ctx.db, start, end)

    def produce(self, month: str, now: int, fingerprint: dict | None = None) -> int:
        """Build the month; record and email it as the next version unless nothing changed.
        Returns the version now current. `fingerprint`: the month's counts, if just taken."""
        ctx = self.ctx
        fingerprint = self.fingerprint(month) if fingerprint is None else fingerprint
        report = figures.build(ctx, month)
        before = self.latest(month)
        changes = self._changes(before, report) if before is not None else []
        if changes:  # the reviews decided since are among the reasons, named first
            changes = self._reviewed(before, month) + changes
        if before is not None and not changes:
            # Readings arrived but no figure moved: remember the new count, send nothing.
            ctx.db.execute(
                "UPDATE reports SET fingerprint = :fingerprint WHERE month = :month AND version = :version",
                {
                    "fingerprint": json.dumps(fingerprint, sort_keys=True),
                    "month": month,
                    "version": before["version"],
                },
            )
            return before["version"]
        version = before["version"] + 1 if before is not None else 1
        folder = Path("reports") / month / f"v{version}"
        locale = ctx.config.service.locale
        files = output.write(
            report, ctx.config.data_dir / folder, locale=locale, version=version, changes=changes
        )
        if changes:
            (ctx.config.data_dir / folder / "changes.txt").write_text(
                "\n".join(changes) + "\n", encoding="utf-8"
            )
        with transaction(ctx.db):
            ctx.db.execute(
                "INSERT INTO reports (month, version, generated_at, folder, fingerprint, changes) "
                "VALUES (:month, :version, :now, :folder, :fingerprint, :changes)",
                {
                    "month": month,
                    "version": version,
                    "now": now,
                    "folder": str(folder),
                    "fingerprint": json.dumps(fingerprint, sort_keys=True),
                    "changes": len(changes),
                },
            )
            self._email(report, version, changes, files, now)
        log.info(
            "monthly report %s version %d: %d sites, %d changes",
            month,
            version,
            len(report.sites),
            len(changes),
        )
        return version

    def _reviewed(self, before, month: str) -> list[str]:
        """The data reviews of the month decided since the version before: the reasons of an
        amended version, listed first ("data review 3 accepted: helin cod …")."""
        _, _, start, end = figures.month_bounds(self.ctx, month)
        since, local = before["generated_at"], self.ctx.local
        lines = []
        for r in reviews.touching(self.ctx.db, start, end):
            for moment, what, who in (
                (r["decided_at"], "accepted", r["decided_by"]),
                (r["restored_at"], "restored", r["restored_by"]),
            ):
                if moment is not None and moment >= since:
                    lines.append(
                        f"data review {r['id']} {what}: {r['site_id']} {r['metric']} "
                        f"{local(r['starts_at'])} → {local(r['ends_at'])} {r['reason']} by {who}"
                        + (f" ({r['note']})" if r["note"] and what == "accepted" else "")
                    )
        return lines

    def _changes(self, before, report) -> list[str]:
        """Every figure that differs from the version before, as 'site pollutant column: old → new'."""
        lines = []
        for name, rows, columns in output.tables(report):
            key = KEYS[name]
            old = {tuple(r[k] for k in key): r for r in _table(self.ctx.config, before, name)}
            new = {
                tuple(r[k] for k in key): r
                for r in csv.DictReader(io.StringIO(cells.csv_text(rows, columns)))
            }
            for ident in sorted(set(old) | set(new)):
                a, b = old.get(ident, {}), new.get(ident, {})
                for column in columns:
                    if a.get(column, "") != b.get(column, ""):
                        lines.append(
                            f"{' '.join(ident)} {column}: {a.get(column, '') or '-'} → "
                            f"{b.get(column, '') or '-'}"
                        )
        return lines

    def _email(self, report, version: int, changes: list[str], files: list[Path], now: int) -> None:
        ctx = self.ctx
        cfg = ctx.config.report
        to = list(cfg.recipients) + (
            [a for s in report.sites for a in s.operators] if cfg.include_operators else []
        )
        if not to:
            log.warning(
                "monthly report %s v%d: no recipients ([report] recipients, include_operators)",
                report.month,
                version,
            )  # its chat groups still hear of it (notify)
        locale = ctx.config.service.locale
        xlsx = next(p for p in files if p.suffix == ".xlsx")
        attached = [(xlsx.name, xlsx.read_bytes(), *XLSX)]
        printed = next((p for p in files if p.suffix == ".pdf"), None)
        # The printable version rides along unless it would make the email too big to deliver
        # (a county of hundreds of sites): then the email links to it on the console.
        download = None
        if printed is not None:
            size = printed.stat().st_size
            if size <= cfg.attach_pdf_max_mb * 1e6:
                attached.append((printed.name, printed.read_bytes(), "application", "pdf"))
            else:
                url = ctx.config.web.url + file_path(report.month, version, printed.name)
                download = {"url": url, "mb": f"{size / 1e6:.1f}"}
        context = {
            "month": report.month,
            "version": version,
            "changes": changes,
            "county": {k: document.shown(k, v, locale) for k, v in report.county.items()},
            "bureau": ctx.config.bureau,
            "download": download,
            "report_html": document.html(report, locale, version, changes, charts=False, download=download),
        }
        notify(
            ctx.db,
            "monthly-report",
            locale,
            context,
            to=to,
            sender=ctx.config.smtp.sender,
            ref=f"report:{report.month}:v{version}",
            now=now,
            idstring=f"report.{report.month}.v{version}",
            attachments=attached,
            config=ctx.config,
        )


def file_path(month: str, version: int, name: str) -> str:
    """Where the console serves a version's file (web/console/reports.py): its list's links
    and an email's link to a PDF too large to attach."""
    return f"/reports/{month}/v{version}/{name}"


def versions(db: State) -> list:
    """Every report version sent, newest month first."""
    return db.execute("SELECT * FROM reports ORDER BY month DESC, version DESC").fetchall()


def tables_of(config, row, names: tuple[str, ...]) -> dict[str, list[dict]]:
    """The tables of a version sent, as its CSV files hold them: {name: rows}, each cell as its
    text (the read API answers the numbers the files do)."""
    return {
        name: [{key: cells.uncell(value) for key, value in r.items()} for r in _table(config, row, name)]
        for name in names
    }


def _table(config, row, name: str) -> list[dict]:
    """A table of a version sent, row by row as its CSV file writes it; none where the version
    was written before the table existed."""
    path = config.data_dir / row["folder"] / f"{name}-{row['month']}.csv"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return list(csv.DictReader(io.StringIO(text)))


def draft(config, now: int, locale: str) -> tuple[str, list[Path]]:
    """The month in course so far, built on demand (the console's button), in every format,
    to <data_dir>/reports/drafts/YYYY-MM/ (replacing the last draft). Not a version: nothing is
    recorded or sent. Opens its own connections, so it can run off the caller's thread."""
    month = datetime.fromtimestamp(now, config.tz).strftime("%Y-%m")
    ctx = Context.open(config, clock=lambda: now)
    try:
        report = figures.build(ctx, month, now=now)
    finally:
        ctx.close()
    return month, output.write(report, draft_folder(config, month), locale=locale)


def draft_folder(config, month: str) -> Path:
    return config.data_dir / "reports" / "drafts" / month


def version(db: State, month: str, number: int):
    return db.execute(
        "SELECT * FROM reports WHERE month = :month AND version = :version",
        {"month": month, "version": number},
    ).fetchone()
