"""The console's laboratory pages: the samples (filtered by site, pending results first), a
laboratory's sheet uploaded, a spot check recorded, and one sample's page where its results are
entered or corrected from a phone, its report attached, and every version shown.

Operators and administrators see every site of their towns; a contractor's account the sites
its company looks after, and it may enter results (its laboratory's report) but not import
sheets or record the bureau's spot checks. The same calls as `wastewatch lab`.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse

from wastewatch.access import audit
from wastewatch.config.i18n import gettext
from wastewatch.config.lab import load_methods
from wastewatch.config.metrics import metric_label
from wastewatch.maintenance import lab
from wastewatch.maintenance.lab import judging, records
from wastewatch.maintenance.reaction import changing
from wastewatch.web.uploads import UploadError, read_report, store_report

from .guard import Denied, address, page, site
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

SHEET_MAX_BYTES = 20 * 1024 * 1024


def visible(console: "Console", user) -> list:
    """The sites whose samples the account sees: its towns', and a contractor's own company's."""
    return [s for s in console.config.sites if user.sees_site(s)]


def _sample(console: "Console", request: Request):
    user = request.state.session.user
    try:
        found = records.get(console.ctx.db, int(request.path_params["sample_id"]))
    except ValueError:
        raise Denied(404, "missing") from None
    if found is None or found["site_id"] not in {s.id for s in visible(console, user)}:
        raise Denied(404, "missing")
    return found


def summary(console: "Console", sample, results: dict, locale: str, now: int) -> dict:
    """A sample as the lists show it: its site, kind, time, results in words, and whether its
    results are overdue."""
    ctx = console.ctx
    shown = []
    for item, row in sorted(results.items()):
        verdict = judging.verdict(judging.limit_for(ctx, sample["site_id"], item), row)
        shown.append(
            {
                "label": metric_label(item, locale),
                "text": lab.result_text(row, locale, unit=row["value"] is not None),
                "over": verdict == "over",
            }
        )
    where = console.config.site_by_id.get(sample["site_id"])
    return {
        "id": sample["id"],
        "site": where,
        "kind": gettext(locale, lab.LABELS.get(sample["kind"], sample["kind"])),
        "at": ctx.local(sample["sampled_at"]),
        "report_no": sample["report_no"],
        "laboratory": sample["laboratory"],
        "results": shown,
        "pending": not results,
        "late": records.results_late(sample, bool(results), now),
        "due": ctx.local(sample["results_due_at"]) if sample["results_due_at"] else "",
    }


def site_samples(console: "Console", site_id: str, locale: str, limit: int = 10) -> list[dict]:
    """The newest samples of one site, for its page."""
    now = console.ctx.now()
    rows = records.listing(console.ctx.db, [site_id], limit=limit)
    results = records.current_of(console.ctx.db, [r["id"] for r in rows])
    return [summary(console, r, results.get(r["id"], {}), locale, now) for r in rows]


@page("lab.view")
async def sample_list(
    console: "Console", request: Request, problem: str = "", outcome=None, status: int = 200
):
    user, ctx = request.state.session.user, console.ctx
    locale, now = user.locale, ctx.now()
    mine = visible(console, user)
    chosen = request.query_params.get("site", "")
    ids = [chosen] if chosen in {s.id for s in mine} else [s.id for s in mine]
    pending = request.query_params.get("pending") == "1"
    rows = records.listing(ctx.db, ids, pending_only=pending, limit=200)
    results = records.current_of(ctx.db, [r["id"] for r in rows])
    shown = [summary(console, r, results.get(r["id"], {}), locale, now) for r in rows]
    shown.sort(key=lambda s: (not s["late"], not s["pending"]))  # overdue, then waiting, first
    return console.render(
        request,
        "console/lab.html",
        {
            "samples": shown,
            "sites": mine,
            "chosen": chosen,
            "pending": pending,
            "kinds": [(k, gettext(locale, lab.LABELS[k])) for k in lab.KINDS],
            "now_local": datetime.fromtimestamp(now, console.config.tz).strftime("%Y-%m-%dT%H:%M"),
            "problem": problem,
            "outcome": outcome,
        },
        status=status,
    )


@page("lab.import")
async def sample_import(console: "Console", request: Request):
    user, form, ctx = request.state.session.user, request.state.form, console.ctx
    t = words(user.locale)
    upload = form.get("sheet")
    if upload is None or not getattr(upload, "filename", ""):
        return await sample_list.__wrapped__(console, request, problem=t["lab_choose_file"], status=400)
    data = await upload.read(SHEET_MAX_BYTES + 1)
    if len(data) > SHEET_MAX_BYTES:
        return await sample_list.__wrapped__(console, request, problem=t["lab_too_large"], status=413)
    kind = str(form.get("kind", "self_check"))
    kind = kind if kind in lab.KINDS else "self_check"
    now = ctx.now()
    try:
        with changing(ctx):
            reach = {s.id for s in visible(console, user)}
            outcome = lab.import_sheet(ctx, upload.filename, data, user.actor, now, kind, reach)
            audit.record(
                ctx.db, user.username, "lab.import", now, target=upload.filename, address=address(request)
            )
    except lab.LabError as exc:
        return await sample_list.__wrapped__(console, request, problem=exc.text(user.locale), status=400)
    said = {
        "name": outcome.name,
        "before": ctx.local(outcome.before) if outcome.before is not None else "",
        "stored": outcome.stored,
        "samples": len(outcome.samples),
        "unchanged": outcome.unchanged,
        "rejected": [(n, reason.text(user.locale)) for n, reason in outcome.rejected],
    }
    return await sample_list.__wrapped__(console, request, outcome=said)


def _moment(console: "Console", text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=console.config.tz).timestamp())


@page("lab.import")
async def sample_new(console: "Console", request: Request):
    user, form, ctx = request.state.session.user, request.state.form, console.ctx
    chosen = site(console, user, str(form.get("site", "")))
    now = ctx.now()
    try:
        if chosen is None:
            raise Denied(404, "missing")
        at = _moment(console, str(form.get("at", "")))
        with changing(ctx):
            sample_id = records.add_sample(
                ctx.db,
                chosen.id,
                at,
                str(form.get("kind", "spot_check")),
                user.actor,
                now,
                sampled_by=str(form.get("sampled_by", "")).strip()[:100],
                bottles=str(form.get("bottles", "")).strip()[:500],
            )
            audit.record(
                ctx.db, user.username, "lab.sample", now, target=str(sample_id), address=address(request)
            )
    except lab.LabError as exc:
        return await sample_list.__wrapped__(console, request, problem=exc.text(user.locale), status=400)
    except ValueError:
        problem = words(user.locale)["bad_moment"]
        return await sample_list.__wrapped__(console, request, problem=problem, status=400)
    return RedirectResponse(f"/lab/samples/{sample_id}", status_code=303)


@page("lab.view")
async def sample_page(console: "Console", request: Request, problem: str = "", status: int = 200):
    sample = _sample(console, request)
    user, ctx = request.state.session.user, console.ctx
    locale = user.locale
    where = console.config.site_by_id[sample["site_id"]]
    current = records.current(ctx.db, sample["id"])
    methods = load_methods()
    standard = ctx.standard(where.id)
    items = [m.item for m in methods.methods if m.item in standard.controlled() or m.item in current]
    rows = []
    for item in items:
        row = current.get(item)
        limit = judging.limit_for(ctx, where.id, item)
        method = methods.of(item)
        rows.append(
            {
                "item": item,
                "label": metric_label(item, locale),
                "unit": method.unit if method else "",
                "method": method.method if method else "",
                "result": lab.result_text(row, locale) if row else "",
                "typed": row["shown"] if row else "",
                "version": row["version"] if row else 0,
                "limit": f"{limit.text()} {method.unit if method else ''}".strip() if limit else "",
                "verdict": gettext(locale, judging.VERDICTS[judging.verdict(limit, row)]) if row else "",
                "over": bool(row) and judging.verdict(limit, row) == "over",
                "alert": row["alert_id"] if row else None,
            }
        )
    history = [
        {
            "item": metric_label(h["item"], locale),
            "version": h["version"],
            "result": lab.result_text(h, locale, unit=h["value"] is not None),
            "by": h["entered_by"],
            "at": ctx.local(h["entered_at"]),
            "reason": h["reason"],
            "source": h["source"],
        }
        for h in records.history(ctx.db, sample["id"])
    ]
    return console.render(
        request,
        "console/sample.html",
        {
            "s": summary(console, sample, current, locale, ctx.now()),
            "sample": sample,
            "site": where,
            "rows": rows,
            "history": history,
            "comparisons": records.comparisons(
                ctx.db, sample["sampled_at"], sample["sampled_at"] + 1, sample["id"]
            ),
            "problem": problem,
        },
        status=status,
    )


@page("lab.enter")
async def sample_enter(console: "Console", request: Request):
    sample = _sample(console, request)
    user, form, ctx = request.state.session.user, request.state.form, console.ctx
    entries = []
    try:
        for method in load_methods().methods:
            text = str(form.get(f"r_{method.item}", "")).strip()
            if text:
                entries.append(lab.parse_entry(method.item, text, "", str(form.get(f"dl_{method.item}", ""))))
        upload = form.get("report_file")
        stored = None
        if upload is not None and getattr(upload, "filename", ""):
            stored = await read_report(upload, int(console.config.web.max_photo_mb * 1024 * 1024))
        now = ctx.now()
        report = {
            k: str(form.get(k, "")).strip()[:200]
            for k in ("laboratory", "lab_cma", "report_no", "report_date")
        }
        if report["report_date"]:
            datetime.strptime(report["report_date"], "%Y-%m-%d")
        with changing(ctx):
            added = lab.enter(
                ctx, sample["id"], entries, user.actor, now, "console", str(form.get("reason", "")), report
            )
            if stored is not None:
                path = store_report(console.config.data_dir, sample["id"], stored)
                records.attach_file(
                    ctx.db, sample["id"], path, stored.name, stored.content_type, stored.sha256
                )
            audit.record(
                ctx.db,
                user.username,
                "lab.enter",
                now,
                target=str(sample["id"]),
                address=address(request),
                detail=f"{added} results",
            )
    except lab.LabError as exc:
        return await sample_page.__wrapped__(console, request, exc.text(user.locale), 400)
    except UploadError:
        return await sample_page.__wrapped__(console, request, words(user.locale)["lab_bad_file"], 400)
    except ValueError:
        return await sample_page.__wrapped__(console, request, words(user.locale)["lab_bad_date"], 400)
    return RedirectResponse(f"/lab/samples/{sample['id']}", status_code=303)


@page("lab.view")
async def sample_file(console: "Console", request: Request):
    sample = _sample(console, request)
    if not sample["file_path"]:
        raise Denied(404, "missing")
    return FileResponse(
        console.config.data_dir / sample["file_path"],
        media_type=sample["file_type"],
        filename=sample["file_name"],
        content_disposition_type="inline",
    )
