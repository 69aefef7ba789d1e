"""到场签到 from a contractor's phone: the plate its camera read, its position and its clock,
posted by web/static/checkin.js from an order's page (the signed link's or the console's), and
the visit's flags sent back to show at once.

Both pages call `record()`; they differ in who the person is (the link, or the session) and how
the form is guarded (the link's token, or the session's CSRF token).
"""

import math
from datetime import datetime

from starlette.responses import JSONResponse

from wastewatch.access import audit
from wastewatch.alerts.said import actor
from wastewatch.config.i18n import N_, gettext
from wastewatch.maintenance.visits import checkins, checks, visit
from wastewatch.maintenance.visits.checkins import Position
from wastewatch.maintenance.visits.plates import VisitError
from wastewatch.store.state import transaction

BAD = N_("'{name}' is not a number")
CHECKED_IN = N_("checked in")


def _number(form, name: str) -> float | None:
    text = str(form.get(name, "")).strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise VisitError(BAD, name=name) from None
    if not math.isfinite(value):
        raise VisitError(BAD, name=name)
    return value


def position(form) -> Position:
    error = str(form.get("error", "")).strip() or None
    if error:
        return Position(error=error)
    return Position(_number(form, "lon"), _number(form, "lat"), _number(form, "accuracy"))


def record(ctx, order, form, actor: str, address: str = ""):
    """The check-in the form describes, recorded with the server's time and audited: (the
    check-in, whether it is new). VisitError for a form that does not describe one."""
    phone = _number(form, "phone_at")
    now = ctx.now()
    with transaction(ctx.db):
        made, new = checkins.record(
            ctx.db,
            ctx.config,
            order,
            actor,
            str(form.get("plate", ""))[:400],
            position(form),
            int(phone) if phone is not None else None,
            now,
            key=str(form.get("key", "")),
            offline=str(form.get("offline", "")) == "1",
        )
        if new:
            audit.record(ctx.db, actor, "visit.checkin", now, target=order["id"], address=address)
    return made, new


def shown(ctx, order, locale: str) -> dict | None:
    """The order's visit as its pages show it: the verdict and each flag in words; None without
    a check-in."""
    judged = visit.of_order(ctx.db, ctx.config, order)
    if judged.checkin is None:
        return None
    return {
        "at": ctx.local(judged.checkin.received_at),
        "verdict": judged.verdict,
        "verdict_text": gettext(locale, checks.VERDICTS[judged.verdict]),
        "flags": [
            {"name": gettext(locale, checks.NAMES[f.name]), "state": f.state, "text": f.why.text(locale)}
            for f in judged.flags
        ],
    }


def visited(ctx, order) -> str:
    """The visit time a routine order's report form starts with, as its field takes it: when
    the check-in the report will carry was made, now without one. The person may correct it;
    the visit's checks read the check-in's own times, not this field."""
    made = checkins.carried(checkins.of_order(ctx.db, order["id"]), order["resolved_at"])
    at = ctx.now() if made is None else min(checkins.began(made), ctx.now())
    return datetime.fromtimestamp(at, ctx.config.tz).strftime("%Y-%m-%dT%H:%M")


def answer(ctx, order, locale: str, new: bool) -> JSONResponse:
    """What the page shows once a check-in is recorded (or found recorded: a phone's retry)."""
    return JSONResponse({"recorded": True, "repeated": not new, **(shown(ctx, order, locale) or {})})


def refusal(exc: VisitError, locale: str, status: int = 400) -> JSONResponse:
    """A check-in that cannot be recorded, said in one sentence the page shows."""
    return JSONResponse({"recorded": False, "error": exc.text(locale)}, status_code=status)


def timeline(ctx, order, locale: str, companies: dict, transitions: list[dict]) -> list[dict]:
    """The order's timeline, oldest first: its transitions' rows (each with its time as "ts")
    and a row per check-in: who checked in, and what the checks found, doubts first. The
    operator's page and the contractor's own show the same."""
    rows = []
    for judged in visit.every(ctx.db, ctx.config, order):
        made = judged.checkin
        doubts = [f for f in judged.flags if f.state != checks.PASSED]
        note = "；".join(
            f"{gettext(locale, checks.NAMES[f.name])}：{f.why.text(locale)}" for f in doubts
        ) or gettext(locale, checks.VERDICTS["passed"])
        rows.append(
            {
                "ts": made.received_at,
                "at": ctx.local(made.received_at),
                "old": "—",
                "new": gettext(locale, CHECKED_IN),
                "actor": actor(made.actor, locale, companies),
                "note": note,
            }
        )
    return sorted(transitions + rows, key=lambda row: row["ts"])
