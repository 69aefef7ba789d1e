"""One's own account: the console's language, and its API tokens, each with its name, its
first characters, when it ends and when it was last used; a form that makes one (shown once,
on the page that answers the form, never again) and a button that revokes one — the same
calls as `wastewatch users token`."""

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse

from wastewatch.access import accounts, audit, tokens
from wastewatch.store.state import transaction

from .guard import Denied, address, page
from .text import words

if TYPE_CHECKING:  # the console imports this module
    from .pages import Console

LANGUAGES = (
    ("zh-CN", "中文"),
    ("en", "English"),
)  # each named in itself


def rows(console: "Console", user) -> list[dict]:
    """The account's tokens, newest first, with their state in its words."""
    t, local, now = words(user.locale), console.ctx.local, int(console.ctx.now())
    found = []
    for token in tokens.listing(console.ctx.db, user.username):
        state = token.state(now)
        if state == "revoked":
            said = t["token_revoked"].format(at=local(token.revoked_at))
        else:
            said = (
                t["token_expired"]
                if state == "expired"
                else t["token_until"].format(at=local(token.expires_at))
            )
        found.append(
            {
                "id": token.id,
                "name": token.name,
                "prefix": token.prefix,
                "created": local(token.created_at),
                "state": said,
                "live": state == "live",
                "used": local(token.last_used_at) if token.last_used_at else t["token_unused"],
            }
        )
    return found


@page("account")
async def token_create(console: "Console", request: Request):
    user, db, now = request.state.session.user, console.ctx.db, int(console.ctx.now())
    form = request.state.form
    longest = console.config.api.token_days
    try:
        days = int(str(form.get("days", longest)))
    except ValueError:
        days = 0
    if not 1 <= days <= longest:
        problem = words(user.locale)["token_days_range"].format(n=longest)
        return await account_page(console, request, problem=problem, status=400)
    try:
        with transaction(db):
            secret, made = tokens.create(db, user, str(form.get("name", "")), days, now, user.actor)
            audit.record(
                db, user.username, "api.token.create", now, target=f"{user.username} #{made.id}",
                address=address(request),
            )  # fmt: skip
    except accounts.AccountError as exc:
        return await account_page(console, request, problem=exc.text(user.locale), status=400)
    return await account_page(console, request, made=secret)


@page("account")
async def token_revoke(console: "Console", request: Request):
    user, db, now = request.state.session.user, console.ctx.db, int(console.ctx.now())
    token_id = request.path_params["token_id"]
    found = tokens.get(db, int(token_id)) if token_id.isdigit() else None
    if found is None or found.user_id != user.id:  # another account's token is not there to see
        raise Denied(404, "missing")
    with transaction(db):
        tokens.revoke(db, found.id, user.actor, now)
        audit.record(
            db, user.username, "api.token.revoke", now, target=f"{user.username} #{found.id}",
            address=address(request),
        )  # fmt: skip
    return RedirectResponse("/account?revoked=1", status_code=303)


@page("account")
async def account(console: "Console", request: Request):
    """One's own account: the language of the console (zh-CN or English), and its API tokens."""
    me, db, now = request.state.session.user, console.ctx.db, console.ctx.now()
    if request.method == "POST":
        locale = str(request.state.form.get("locale", ""))
        try:
            with transaction(db):
                accounts.set_locale(db, me.username, locale)
                audit.record(db, me.username, "account.locale", now, target=locale, address=address(request))
        except accounts.AccountError as exc:
            return await account_page(console, request, problem=exc.text(me.locale), status=400)
        return RedirectResponse("/account?saved=1", status_code=303)
    return await account_page(console, request)


async def account_page(
    console: "Console", request: Request, problem: str = "", made: str = "", status: int = 200
):
    """The account page; `made`: a token just made, shown this once."""
    query = request.query_params
    return console.render(
        request,
        "console/account.html",
        {
            "saved": query.get("saved") == "1",
            "revoked": query.get("revoked") == "1",
            "problem": problem,
            "made": made,
            "languages": LANGUAGES,
            "tokens": rows(console, request.state.session.user),
            "token_days": console.config.api.token_days,
        },
        status=status,
    )
