"""The console's data review: the reviews of the account's sites, a form to mark a span of one
series invalid (an operator's is in force at once; a contractor's is a proposal an operator
accepts or rejects), and restoring one — the same calls as `wastewatch review`."""

from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse

from wastewatch.access import audit
from wastewatch.alerts import reviews
from wastewatch.config.i18n import N_, gettext
from wastewatch.config.metrics import metric_label
from wastewatch.store.state import transaction

from .guard import Denied, address, page, site
from .lab import visible
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

ACTIONS = ("accept", "reject", "restore")


def rows(console: "Console", user, site_ids: list[str], locale: str) -> list[dict]:
    ctx, found = console.ctx, []
    for r in reviews.listing(ctx.db):
        if r["site_id"] not in site_ids:
            continue
        where = console.config.site_by_id[r["site_id"]]
        found.append(
            {
                "id": r["id"],
                "site": where,
                "metric": metric_label(r["metric"], locale),
                "from": ctx.local(r["starts_at"]),
                "until": ctx.local(r["ends_at"]),
                "reason": gettext(locale, reviews.LABELS.get(r["reason"], r["reason"])),
                "note": r["note"],
                "state": r["state"],
                "state_text": gettext(locale, reviews.STATES[r["state"]]),
                "by": r["proposed_by"],
                "decided": f"{r['decided_by']} {ctx.local(r['decided_at'])}" if r["decided_by"] else "",
                "restored": f"{r['restored_by']} {ctx.local(r['restored_at'])}：{r['restore_note']}"
                if r["restored_by"]
                else "",
            }
        )
    return found


@page("review.view")
async def review_list(console: "Console", request: Request, problem: str = "", status: int = 200):
    user = request.state.session.user
    mine = visible(console, user)
    chosen = request.query_params.get("site", "")
    ids = [chosen] if chosen in {s.id for s in mine} else [s.id for s in mine]
    metrics = sorted({m for s in mine for m in s.metrics if not m.endswith("_state")})
    return console.render(
        request,
        "console/reviews.html",
        {
            "reviews": rows(console, user, ids, user.locale),
            "sites": mine,
            "chosen": chosen,
            "metrics": [(m, metric_label(m, user.locale)) for m in metrics],
            "reasons": [(k, gettext(user.locale, reviews.LABELS[k])) for k in reviews.REASONS],
            "problem": problem,
        },
        status=status,
    )


def _moment(console: "Console", text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=console.config.tz).timestamp())


async def _add(console: "Console", request: Request, accept: bool):
    user, form, ctx = request.state.session.user, request.state.form, console.ctx
    chosen = site(console, user, str(form.get("site", "")))
    if chosen is None or chosen.id not in {s.id for s in visible(console, user)}:
        raise Denied(404, "missing")
    metric = str(form.get("metric", ""))
    now = ctx.now()
    try:
        if metric not in chosen.metrics:
            raise reviews.ReviewError(N_("the site has no series '{metric}'"), metric=metric)
        start, until = (
            _moment(console, str(form.get("from", ""))),
            _moment(console, str(form.get("until", ""))),
        )
        with transaction(ctx.db):
            review_id = reviews.propose(
                ctx.db,
                chosen.id,
                metric,
                start,
                until,
                str(form.get("reason", "")),
                str(form.get("note", ""))[:1000],
                user.actor,
                now,
                accept,
            )
            audit.record(
                ctx.db,
                user.username,
                "review.add" if accept else "review.propose",
                now,
                target=str(review_id),
                address=address(request),
            )
    except reviews.ReviewError as exc:
        return await review_list.__wrapped__(console, request, problem=exc.text(user.locale), status=400)
    except ValueError:
        return await review_list.__wrapped__(
            console, request, problem=words(user.locale)["bad_moment"], status=400
        )
    return RedirectResponse(f"/reviews?site={chosen.id}", status_code=303)


@page("review.act")
async def review_add(console: "Console", request: Request):
    return await _add(console, request, accept=True)


@page("review.propose")
async def review_propose(console: "Console", request: Request):
    return await _add(console, request, accept=False)


@page("review.act")
async def review_act(console: "Console", request: Request):
    user, form, ctx = request.state.session.user, request.state.form, console.ctx
    action = request.path_params["action"]
    try:
        review_id = int(request.path_params["review_id"])
    except ValueError:
        raise Denied(404, "missing") from None
    found = reviews.get(ctx.db, review_id)
    if (
        action not in ACTIONS
        or found is None
        or found["site_id"] not in {s.id for s in visible(console, user)}
    ):
        raise Denied(404, "missing")
    now = ctx.now()
    try:
        with transaction(ctx.db):
            if action == "restore":
                reviews.restore(ctx.db, review_id, str(form.get("note", "")), user.actor, now)
            else:
                reviews.decide(ctx.db, review_id, action == "accept", user.actor, now)
            audit.record(
                ctx.db,
                user.username,
                f"review.{action}",
                now,
                target=str(review_id),
                address=address(request),
            )
    except reviews.ReviewError as exc:
        return await review_list.__wrapped__(console, request, problem=exc.text(user.locale), status=409)
    return RedirectResponse(f"/reviews?site={found['site_id']}", status_code=303)
