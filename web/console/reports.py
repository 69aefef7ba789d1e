"""The console's reports: every month with its versions (and what an amended one changed),
their files to download, and the month in course built on demand."""

import re
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse

from wastewatch.access import audit
from wastewatch.maintenance.report import monthly
from wastewatch.store.state import transaction

from .guard import Denied, address, page
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
VERSION = re.compile(r"v([0-9]{1,4})|draft")
TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
}


FORMATS = {".csv": "CSV", ".xlsx": "Excel", ".html": "HTML", ".pdf": "PDF", ".txt": "TXT"}
# The file's part of the report, by the start of its name: compliance-2026-10.csv …
PARTS = ("compliance", "operations", "report", "changes")
ORDER = {".pdf": 0, ".xlsx": 1, ".html": 2, ".csv": 3, ".txt": 4}


def _files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in TYPES) if folder.is_dir() else []


def _shown(names: list[str], t: dict) -> list[tuple[str, str]]:
    """(name, what a person reads: 报告（PDF）, 达标明细（CSV）…), the printable report first."""
    found = []
    for name in names:
        suffix = name[name.rfind(".") :]
        part = next((p for p in PARTS if name.startswith(p)), "report")
        found.append(
            (ORDER.get(suffix, 9), PARTS.index(part), name, t["file_" + part].format(format=FORMATS[suffix]))
        )
    return [(name, label) for *_, name, label in sorted(found)]


@page("view")
async def report_list(console: "Console", request: Request):
    config, now = console.config, console.ctx.now()
    t = words(request.state.session.user.locale)
    months: dict[str, list] = {}
    for row in monthly.versions(console.ctx.db):
        folder = config.data_dir / row["folder"]
        changes = folder / "changes.txt"
        months.setdefault(row["month"], []).append(
            {
                "version": row["version"],
                "path": lambda name, row=row: monthly.file_path(row["month"], row["version"], name),
                "generated": console.ctx.local(row["generated_at"]),
                "files": _shown(_files(folder), t),
                "changes": changes.read_text(encoding="utf-8").splitlines() if changes.exists() else [],
            }
        )
    current = datetime.fromtimestamp(now, config.tz).strftime("%Y-%m")
    folder = monthly.draft_folder(config, current)
    built = max((p.stat().st_mtime for p in folder.iterdir()), default=None) if folder.is_dir() else None
    upcoming = monthly.next_report(config, now)
    return console.render(
        request,
        "console/reports.html",
        {
            "next": upcoming
            and t["next_report"].format(month=upcoming[0], at=f"{upcoming[1]:%Y-%m-%d %H:%M}"),
            "recipients": len(config.report.recipients),
            "months": months,
            "current": current,
            "draft": _shown(_files(folder), t),
            "draft_at": console.ctx.local(int(built)) if built else "",
        },
    )


@page("report.build")
async def report_draft(console: "Console", request: Request):
    """The month in course so far: built off the event loop, on connections of its own."""
    user, now = request.state.session.user, console.ctx.now()
    month, _ = await run_in_threadpool(monthly.draft, console.config, now, user.locale)
    with transaction(console.ctx.db):
        audit.record(
            console.ctx.db, user.username, "report.draft", now, target=month, address=address(request)
        )
    return RedirectResponse("/reports#draft", status_code=303)


@page("view")
async def report_file(console: "Console", request: Request):
    """One file of a version's folder (or of the draft), by a name the folder holds: never a
    path from the request."""
    month, version, name = (request.path_params[k] for k in ("month", "version", "name"))
    if not MONTH.fullmatch(month) or not (found := VERSION.fullmatch(version)):
        raise Denied(404, "missing")
    if version == "draft":
        folder = monthly.draft_folder(console.config, month)
    else:
        row = monthly.version(console.ctx.db, month, int(found[1]))
        if row is None:
            raise Denied(404, "missing")
        folder = console.config.data_dir / row["folder"]
    if name not in _files(folder):
        raise Denied(404, "missing")
    path = folder / name
    # The page and the PDF open in the browser (to read, to print); the tables download.
    shown = path.suffix in (".html", ".pdf") and request.query_params.get("download") != "1"
    return FileResponse(
        path,
        media_type=TYPES[path.suffix],
        filename=name,
        content_disposition_type="inline" if shown else "attachment",
    )
