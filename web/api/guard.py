"""What every API call passes: its bearer token, the token's rate, the account's role, and the
audit log; and how an error is said (`application/problem+json`, RFC 9457).

A token acts as its account as the account is now (access/tokens.py): its role decides the
routes, its towns (and a contractor's company) the sites. Every call is recorded in the audit
log — who, which token, what was asked, from where, and how it ended.
"""

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse

from wastewatch.access import audit, tokens
from wastewatch.access.accounts import User
from wastewatch.access.roles import allowed
from wastewatch.store.state import transaction

PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    422: "Unprocessable request",
    429: "Too many requests",
}


class Problem(Exception):
    """An error the caller can act on: its status and one sentence."""

    def __init__(self, status: int, detail: str, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


def problem_response(request: Request, status: int, detail: str, headers: dict | None = None):
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


@dataclass(frozen=True)
class Caller:
    user: User
    token: tokens.Token
    sites: tuple  # the config's sites the account may see, in config order

    def site(self, site_id: str):
        """The site if the caller may see it; else 404, as for a site that does not exist (a
        town-limited token learns nothing of another town's sites)."""
        for site in self.sites:
            if site.id == site_id:
                return site
        raise Problem(404, f"no site {site_id!r}")


def authenticate(state, request: Request, action: str) -> Caller:
    """The caller of a request, or a Problem: 401 without a live token, 429 over its rate,
    403 when the account's role may not do `action`. Recorded in the audit log either way."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    now = int(state.ctx.now())
    address = request.client.host if request.client else ""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    found = tokens.find(state.ctx.db, secret.strip(), now) if scheme.lower() == "bearer" else None
    refused: Problem | None = None
    if found is None:
        actor, outcome, detail = "api", "denied", "no live token"
        refused = Problem(
            401,
            "a live API token is required: Authorization: Bearer ww_… "
            "(made with `wastewatch users token create`)",
            {"WWW-Authenticate": 'Bearer realm="wastewatch"'},
        )
    with transaction(state.ctx.db):
        if found is not None:
            token, user = found
            actor, outcome, detail = user.username, "ok", audit.token_detail(token.prefix, token.name)
            limit = state.config.api.rate_per_minute
            calls = audit.token_calls(state.ctx.db, token.prefix, now - 60)
            if len(calls) >= limit:
                outcome, wait = "throttled", max(1, calls[-limit] + 60 - now)
                refused = Problem(
                    429,
                    f"more than {limit} calls a minute with this token; try again in {wait} s",
                    {"Retry-After": str(wait)},
                )
            elif not allowed(user.role, action):
                outcome = "denied"
                refused = Problem(403, f"a {user.role}'s token may not read this")
        audit.record(state.ctx.db, actor, audit.API_READ, now, target, address, outcome, detail)
    if refused is not None:
        raise refused
    return Caller(user, token, tuple(s for s in state.config.sites if user.sees_site(s)))
