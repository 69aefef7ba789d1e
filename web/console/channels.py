"""The console's chat groups (administrators): each channel of the config with what its routes
send it, its last delivery and last error, what waits for it, and a button that sends a test
message through the outbox like any other — so a wrong key shows here, not in a silent group."""

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse

from wastewatch.access import audit
from wastewatch.config.channels import NOTICES, receives
from wastewatch.config.i18n import gettext
from wastewatch.notify import channels, outbox, test_message
from wastewatch.store.state import transaction

from .guard import Denied, address, page
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console


def _rows(console: "Console", locale: str) -> list[dict]:
    config, db, local = console.config, console.ctx.db, console.ctx.local
    t = words(locale)
    states, counts, now = channels.states(db), outbox.by_channel(db), console.ctx.now()
    rows = []
    for channel in config.file.channels:
        state, count = states.get(channel.id, {}), counts.get(channel.id, {})
        gets = [gettext(locale, NOTICES[notice]) for notice in receives(config.routes, channel.id)]
        success, error_at = state.get("last_success_at"), state.get("last_error_at")
        paused = state.get("paused_until")
        rows.append(
            {
                "id": channel.id,
                "kind": t[f"channel_kind_{channel.kind}"],
                "gets": "、".join(gets) if locale == "zh-CN" else ", ".join(gets),
                "rate": t["channel_rate"].format(n=channel.per_minute),
                "last_success": local(success) if success else t["never"],
                "last_error": channels.error_words(state.get("last_error") or "", locale),
                "last_error_raw": state.get("last_error") or "",
                "last_error_at": local(error_at) if error_at else "",
                # Failing: the last attempt went wrong and nothing has got through since.
                "failing": bool(error_at and (success is None or error_at > success)),
                "waiting": count.get("pending", 0),
                "failed": count.get("failed", 0),
                "folded": count.get("folded", 0),
                "paused": t["paused_until"].format(at=local(paused)) if paused and paused > now else "",
            }
        )
    return rows


def _county_wide(user) -> None:
    # The groups are the county's: an account limited to some towns neither reads their state
    # nor sends to them.
    if user.towns:
        raise Denied(403, "forbidden")


@page("channels.manage")
async def channel_list(console: "Console", request: Request):
    user = request.state.session.user
    _county_wide(user)
    sent = request.query_params.get("sent", "")
    return console.render(
        request,
        "console/channels.html",
        {
            "channels": _rows(console, user.locale),
            "sent": words(user.locale)["test_queued"].format(channel=sent)
            if sent in console.config.channel_by_id
            else "",
        },
    )


@page("channels.manage")
async def channel_test(console: "Console", request: Request):
    user, now = request.state.session.user, console.ctx.now()
    _county_wide(user)
    channel_id = request.path_params["channel_id"]
    if channel_id not in console.config.channel_by_id:
        raise Denied(404, "missing")
    with transaction(console.ctx.db):
        test_message(console.ctx.db, console.config, channel_id, user.actor, now)
        audit.record(
            console.ctx.db, user.username, "channel.test", now, target=channel_id, address=address(request)
        )
    return RedirectResponse(f"/channels?sent={channel_id}", status_code=303)
