"""What every API call passes: its bearer token, the token's rate, the account's role, and the
audit log; and how an error is said (`application/problem+json`, RFC 9457).

A token acts as its account as the account is now (access/tokens.py): its role decides the
routes, its towns (and a contractor's company) the sites. Every call is recorded in the audit
log — who, which token, what was asked, from where, and how it ended.
"""

import time
from collections import deque
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


class Rate:
    """Calls per token in the last minute, in this process: a sliding window."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute, self.clock = per_minute, clock
        self.calls: dict[int, deque] = {}

    def take(self, token_id: int) -> float:
        """0 when the call may go; else the seconds until it may."""
        now = self.clock()
        calls = self.calls.setdefault(token_id, deque())
        while calls and now - calls[0] >= 60:
            calls.popleft()
        if len(calls) >= self.per_minute:
            return 60 - (now - calls[0])
        calls.append(now)
        return 0.0


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
    else:
        token, user = found
        actor, outcome, detail = user.username, "ok", f"token {token.prefix}… ({token.name})"
        wait = state.rate.take(token.id)
        if wait:
            outcome = "throttled"
            refused = Problem(
                429,
                f"more than {state.rate.per_minute} calls a minute with this token; "
                f"try again in {int(wait) + 1} s",
                {"Retry-After": str(int(wait) + 1)},
            )
        elif not allowed(user.role, action):
            outcome = "denied"
            refused = Problem(403, f"a {user.role}'s token may not read this")
    with transaction(state.ctx.db):
        audit.record(state.ctx.db, actor, audit.API_READ, now, target, address, outcome, detail)
    if refused is not None:
        raise refused
    return Caller(user, token, tuple(s for s in state.config.sites if user.sees_site(s)))
