"""The console's page of upper platforms (数据转发): for each `[[forward]]` target, whether this
instance is connected to it, and for each of its sites and kinds up to when the data has gone,
how many periods wait, when it last answered, and the last error in words. Read from
`forward_progress` (durable, so any instance shows it) and, for the connection, from the
forwarder running in this process (the leader's)."""

from typing import TYPE_CHECKING

import httpx
from starlette.requests import Request

from wastewatch.config.forward import KIND_CN, KIND_LABELS, VERSION_LABELS
from wastewatch.config.i18n import gettext
from wastewatch.config.text import duration
from wastewatch.jobs import forward_state
from wastewatch.notify import forward_progress

from .guard import page, sites
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console


async def _running(console: "Console") -> dict[str, dict]:
    """{target: its forwarder's connection} in this instance (web/metrics.Probes.forwarding);
    from a worker process, as the service's process has it (nothing when it does not answer)."""
    if console.ops is None:
        states = console.probes.forwarding()
    else:
        try:
            states = (await console.ops.get("/forwarding")).json()
        except httpx.HTTPError:
            states = []
    return {state["target"]: state for state in states}


def _connection(running: dict | None, answered: int | None, console: "Console", locale: str):
    """(state class, words, detail) of the platform as this instance sees it."""
    t, local = words(locale), console.ctx.local
    last = t["forward_last_answer"].format(at=local(answered)) if answered else t["forward_never_answered"]
    if running is None or not running["leads"]:
        return "no_data", t["forward_elsewhere"], last
    if running["connected"]:
        return "ok", t["forward_connected"], last
    if running["last_error"]:
        return "alarm", forward_state.error_words(running["last_error"], locale), last
    return "no_data", t["forward_idle"], last


def _rows(console: "Console", target, user, progress: dict, now: float, locale: str) -> list[dict]:
    t, local, zone = words(locale), console.ctx.local, console.config.tz
    rows = []
    for site in sites(console, user):
        if target.id not in site.forward:
            continue
        for kind in target.kinds:
            row = progress.get((site.id, kind))
            label = f"{gettext(locale, KIND_LABELS[kind])}（CN {KIND_CN[kind]}）"
            if row is None:
                rows.append({"site": site, "kind": label, "started": False})
                continue
            through = row["through"]
            waiting = forward_state.waiting(target, kind, through, now, zone)
            behind = forward_state.behind(target, kind, through, now, zone)
            resting = row["resting_until"] and row["resting_until"] > now
            rows.append(
                {
                    "site": site,
                    "kind": label,
                    "started": True,
                    "until": local(forward_state.delivered_until(target, kind, through, zone)),
                    "waiting": t["forward_periods"].format(n=waiting) if waiting is not None else "",
                    "behind": duration(behind, locale) if behind >= forward_state.NOTABLE_S else "",
                    "answered": local(row["answered_at"])
                    if row["answered_at"]
                    else t["forward_never_answered"],
                    "frames": row["frames"],
                    "resent": row["resent"],
                    "error": forward_state.error_words(row["last_error"], locale)
                    if row["last_error"]
                    else "",
                    "error_at": local(row["error_at"]) if row["error_at"] else "",
                    "resting": t["forward_resting"].format(at=local(row["resting_until"])) if resting else "",
                    "late": bool(row["last_error"]) or behind >= forward_state.LATE_S,
                }
            )
    return rows


@page("forward.view")
async def forward_list(console: "Console", request: Request):
    user = request.state.session.user
    locale, now = user.locale, console.ctx.now()
    progress: dict[str, dict] = {}
    for row in forward_progress.status(console.ctx.db):
        progress.setdefault(row["target"], {})[(row["site_id"], row["kind"])] = row
    targets, running = [], await _running(console)
    for target in console.config.file.forward:
        mine = progress.get(target.id, {})
        rows = _rows(console, target, user, mine, now, locale)
        answered = max((r["answered_at"] or 0 for r in mine.values()), default=0) or None
        state, said, last = _connection(running.get(target.id), answered, console, locale)
        targets.append(
            {
                "id": target.id,
                "address": f"{target.host}:{target.port}",
                "version": VERSION_LABELS[target.version],
                "state": state,
                "said": said,
                "last": last,
                "rows": rows,
            }
        )
    return console.render(request, "console/forward.html", {"targets": targets})
