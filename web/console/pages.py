"""The console's pages: sign in and out, the overview, the audit log and the users.

Handlers call the owners of the state (access/, alerts/lifecycle.py, maintenance/...) and
hold no SQL. Every change is recorded in the audit log with who, what, on what and from where.
"""

import logging
import secrets
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import markdown
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from wastewatch import __version__
from wastewatch.access import accounts, audit, sessions
from wastewatch.access.roles import ROLE_LABELS, ROLES, allowed
from wastewatch.config.i18n import LOCALES, N_, gettext
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.notices import STATES, subject
from wastewatch.store.state import transaction

from .. import templating
from ..metrics import Probes
from . import account as account_pages
from . import (
    alerts,
    board,
    bulletin,
    channels,
    fieldwork,
    forward,
    lab,
    orders,
    plates,
    queue,
    reports,
    reviews,
    sites,
)
from . import windows as windows_pages
from .actions import audit_word
from .guard import COOKIE, address, current, page
from .text import words

log = logging.getLogger("wastewatch.web")
HELP = Path(__file__).resolve().parent.parent / "help"
LOGIN_COOKIE = "ww_login"  # the sign-in form's own CSRF token, before there is a session


class Console:
    def __init__(self, config, ctx, session_clock=None, probes=None, ops=None):
        self.config, self.ctx = config, ctx
        # The running parts this process holds (web/metrics.py Probes): the forwarders' connections;
        # in a worker process, `ops` asks the service's process for them (web/ops.py).
        self.probes, self.ops = probes or Probes(), ops
        # Sessions and sign-in throttling run on this clock: the service's, or the real one
        # where the service's is simulated (the demo).
        self.session_clock = session_clock or ctx.now
        self.templates = templating.templates()
        self.cache: dict = {}  # figures a page may show up to a minute old (board.py)

    def routes(self) -> list[Route]:
        def bound(handler):
            async def endpoint(request):
                return await handler(self, request)

            endpoint.action = getattr(handler, "action", None)
            return endpoint

        return [
            Route("/login", bound(Console.login), methods=["GET", "POST"]),
            Route("/logout", bound(Console.logout), methods=["POST"]),
            Route("/", bound(board.overview), methods=["GET"]),
            Route("/queue", bound(queue.queue), methods=["GET"]),
            Route("/sites/{site_id}", bound(sites.site_page), methods=["GET"]),
            Route("/sites/{site_id}/readings.csv", bound(sites.readings_csv), methods=["GET"]),
            Route("/sites/{site_id}/plate", bound(plates.plate_issue), methods=["POST"]),
            Route("/sites/{site_id}/plate.pdf", bound(plates.plate_pdf), methods=["GET"]),
            Route("/reports", bound(reports.report_list), methods=["GET"]),
            Route("/bulletin", bound(bulletin.bulletin_page), methods=["GET"]),
            Route("/bulletin.xlsx", bound(bulletin.bulletin_xlsx), methods=["GET"]),
            Route("/reports/draft", bound(reports.report_draft), methods=["POST"]),
            Route("/reports/{month}/{version}/{name}", bound(reports.report_file), methods=["GET"]),
            Route("/audit", bound(Console.audit_log), methods=["GET"]),
            Route("/account", bound(account_pages.account), methods=["GET", "POST"]),
            Route("/account/tokens", bound(account_pages.token_create), methods=["POST"]),
            Route("/account/tokens/{token_id}/revoke", bound(account_pages.token_revoke), methods=["POST"]),
            Route("/help", bound(Console.guide), methods=["GET"]),
            Route("/users", bound(Console.users), methods=["GET", "POST"]),
            Route("/my", bound(Console.my_orders), methods=["GET"]),
            Route("/my/orders/{order_id}", bound(fieldwork.own_order), methods=["GET"]),
            Route("/my/orders/{order_id}/{action}", bound(fieldwork.own_order_act), methods=["POST"]),
            Route("/alerts", bound(alerts.alert_list), methods=["GET"]),
            Route("/alerts/{alert_id}", bound(alerts.alert_detail), methods=["GET"]),
            Route("/alerts/{alert_id}/{action}", bound(alerts.alert_act), methods=["POST"]),
            Route("/orders", bound(orders.order_list), methods=["GET"]),
            Route("/orders/new", bound(orders.order_new), methods=["POST"]),
            Route("/orders/{order_id}", bound(orders.order_detail), methods=["GET"]),
            Route("/orders/{order_id}/photos/{n}", bound(orders.order_photo), methods=["GET"]),
            Route("/orders/{order_id}/{action}", bound(orders.order_act), methods=["POST"]),
            Route("/channels", bound(channels.channel_list), methods=["GET"]),
            Route("/forward", bound(forward.forward_list), methods=["GET"]),
            Route("/channels/{channel_id}/test", bound(channels.channel_test), methods=["POST"]),
            Route("/lab", bound(lab.sample_list), methods=["GET"]),
            Route("/lab/import", bound(lab.sample_import), methods=["POST"]),
            Route("/lab/samples", bound(lab.sample_new), methods=["POST"]),
            Route("/lab/samples/{sample_id}", bound(lab.sample_page), methods=["GET"]),
            Route("/lab/samples/{sample_id}/results", bound(lab.sample_enter), methods=["POST"]),
            Route("/lab/samples/{sample_id}/report", bound(lab.sample_file), methods=["GET"]),
            Route("/reviews", bound(reviews.review_list), methods=["GET"]),
            Route("/reviews/add", bound(reviews.review_add), methods=["POST"]),
            Route("/reviews/propose", bound(reviews.review_propose), methods=["POST"]),
            Route("/reviews/{review_id}/{action}", bound(reviews.review_act), methods=["POST"]),
            Route("/windows", bound(windows_pages.window_list), methods=["GET"]),
            Route("/windows/add", bound(windows_pages.window_add), methods=["POST"]),
            Route("/windows/{window_id}/end", bound(windows_pages.window_end), methods=["POST"]),
        ]

    def render(self, request: Request, template: str, context: dict, status: int = 200):
        session = getattr(request.state, "session", None)
        locale = session.user.locale if session else self.config.service.locale
        locale = locale if locale in LOCALES else LOCALES[0]
        base = {
            "version": __version__,
            "t": words(locale),
            "locale": locale,
            "user": session.user if session else None,
            "csrf": session.csrf if session else "",
            "can": (lambda action: allowed(session.user.role, action)) if session else (lambda action: False),
            "role_label": lambda role: gettext(locale, ROLE_LABELS[role]),
            "forwarding": bool(self.config.file.forward),
            # What waits for the account, beside "my queue" in the navigation.
            "queue_count": queue.count(self, session.user, self.ctx.now())
            if session and allowed(session.user.role, "alert.act")
            else 0,
        }
        return self.templates.TemplateResponse(request, template, {**base, **context}, status_code=status)

    # Signing in and out.

    async def login(self, request: Request):
        web, db, now = self.config.web, self.ctx.db, int(self.session_clock())
        target = _safe_next(request.query_params.get("next", "/"))
        if request.method == "GET":
            return self._login_form(request, target)
        form = await request.form()
        username = str(form.get("username", "")).strip().lower()[:64]
        who = address(request)
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not sessions.same_token(expected, str(form.get("csrf", ""))):
            return self._login_form(request, target, "login_expired", status=403)
        password = str(form.get("password", ""))
        window = web.login_window_min * 60
        # The attempt counts as failed from before its password is checked until it succeeds,
        # in the same locked transaction as the throttle check: however many attempts arrive at
        # once, in however many worker processes, at most `login_failures` passwords are tried
        # per account and window (access/sessions.attempt). The check itself runs off the event
        # loop (a burst of sign-ins must not stall every page).
        with transaction(db):
            if sessions.throttled(db, username, who, now, web.login_failures, window):
                audit.record(
                    db, username or "-", "login", now, address=who, outcome="denied", detail="throttled"
                )
                return self._login_form(request, target, "login_throttled", status=429)
            row = accounts.credentials(db, username)
            attempt = sessions.attempt(db, username, now)
        matches = await run_in_threadpool(accounts.password_matches, row, password)
        with transaction(db):
            user = accounts.signed_in(db, row, password) if matches else None
            if user is None:
                sessions.failed_login(db, attempt, who)
                audit.record(db, username or "-", "login", now, address=who, outcome="failed")
                return self._login_form(request, target, "login_failed", status=401)
            sessions.forget_failures(db, username, now, window)
            # A new token at every login: a token planted before it signs nobody in.
            sessions.end(db, request.cookies.get(COOKIE))
            token, _ = sessions.start(db, user, who, now)
            audit.record(db, user.username, "login", now, address=who)
        log.info("console: %s signed in from %s", user.username, who)
        # A contractor's place is its orders, an operator's its queue; the others start at the
        # overview.
        home = {"contractor": "/my", "operator": "/queue"}.get(user.role, "/")
        landing = home if target == "/" else target
        response = RedirectResponse(landing, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=web.secure,
            path="/",
            max_age=web.session_max_h * 3600,
        )
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    def _login_form(self, request: Request, target: str, problem: str = "", status: int = 200):
        token = secrets.token_urlsafe(24)
        t = words(self.config.service.locale)
        message = t[problem].format(minutes=self.config.web.login_window_min) if problem else ""
        response = self.render(
            request, "console/login.html", {"next": target, "login_csrf": token, "problem": message}, status
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=self.config.web.secure,
            path="/login",
        )
        return response

    async def logout(self, request: Request):
        session = current(self, request)
        form = await request.form()
        if session is not None and sessions.csrf_ok(session, str(form.get("csrf", ""))):
            with transaction(self.ctx.db):
                sessions.end(self.ctx.db, request.cookies.get(COOKIE))
                audit.record(
                    self.ctx.db, session.user.username, "logout", self.ctx.now(), address=address(request)
                )
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # Pages.

    @page("order.own")
    async def my_orders(self, request: Request):
        """A contractor's orders in play: what it owes (overdue first, then by deadline), then
        what it reported done and an operator has yet to verify."""
        user, now = request.state.session.user, self.ctx.now()
        orders = work_orders.listing(
            self.ctx.db, now, work_orders.IN_PLAY, contractor=user.contractor, limit=500
        )
        rows = []
        for o in orders:
            site = self.config.site_by_id.get(o["site_id"])
            if site is not None and not user.sees_town(site.town):
                continue
            rows.append(
                {
                    "id": o["id"],
                    "site": site.name if site else o["site_id"],
                    "summary": subject(self.ctx, o, user.locale),
                    "state": gettext(user.locale, STATES.get(o["state"], o["state"])),
                    "repair_by": self.ctx.local(o["repair_by"]),
                    "late": work_orders.late_text(o, now, user.locale),
                    "owed": o["state"] in work_orders.ACTIVE,
                }
            )
        return self.render(
            request,
            "console/my.html",
            {"owed": [r for r in rows if r["owed"]], "reported": [r for r in rows if not r["owed"]]},
        )

    @page("help")
    async def guide(self, request: Request):
        """The operators' guide in the account's language: web/help/<locale>.md, the same text the
        documentation site shows (docs/operators/guide.md includes it)."""
        return self.render(request, "console/help.html", {"guide": guide(request.state.session.user.locale)})

    @page("audit.view")
    async def audit_log(self, request: Request):
        """What people did, newest first; the read API's calls apart (`?show=api`): a system
        polling every minute would push people's actions off the page."""
        api = request.query_params.get("show") == "api"
        entries = audit.listing(self.ctx.db, limit=500, api_reads=api)
        locale = request.state.session.user.locale
        return self.render(
            request,
            "console/audit.html",
            {
                "entries": entries,
                "api": api,
                "local": self.ctx.local,
                "word": lambda code: audit_word(locale, code),
            },
        )

    @page("users.manage")
    async def users(self, request: Request):
        db, now, me = self.ctx.db, self.ctx.now(), request.state.session.user
        locale = me.locale if me.locale in LOCALES else LOCALES[0]
        notice, problem = "", ""
        if request.method == "POST":
            form = request.state.form
            username = str(form.get("username", "")).strip()
            try:
                with transaction(db):
                    notice = self._change_user(db, me, form, username, now, words(locale))
                    audit.record(
                        db,
                        me.username,
                        f"user.{'set-role' if form.get('do') == 'role' else form.get('do', '')}",
                        now,
                        target=username,
                        address=address(request),
                    )
            except accounts.AccountError as exc:
                problem = exc.text(locale)
        # A town-limited administrator sees, and may change, only the accounts of its towns.
        listed = [u for u in accounts.listing(db) if u.username == me.username or accounts.may_change(me, u)]
        return self.render(
            request,
            "console/users.html",
            {
                "users": listed,
                "roles": ROLES,
                "contractors": self.config.contractors,
                "company": {c.id: c.name for c in self.config.contractors},
                "towns": [town for town in self.config.towns if me.sees_town(town)],
                "notice": notice,
                "problem": problem,
            },
            status=400 if problem else 200,
        )

    def _change_user(self, db, me, form, username: str, now: int, t: dict) -> str:
        do = str(form.get("do", ""))
        towns = tuple(
            dict.fromkeys(x.strip() for v in form.getlist("towns") for x in str(v).split(",") if x.strip())
        )
        if do == "add":
            accounts.check_grant(me, None, towns)
            password = accounts.new_password()
            accounts.add(
                db,
                self.config,
                username,
                str(form.get("name", "")),
                str(form.get("role", "")),
                password,
                now,
                contractor=str(form.get("contractor", "")) or None,
                towns=towns,
            )
            return t["new_password"].format(user=username, password=password)
        if do not in ("role", "disable", "enable", "reset"):
            raise accounts.AccountError(N_("choose what to change from the page's buttons"))
        accounts.check_grant(me, accounts.get(db, username), towns if do == "role" else None)
        if do == "role":
            accounts.set_role(
                db,
                self.config,
                username,
                str(form.get("role", "")),
                str(form.get("contractor", "")) or None,
                towns,
            )
            return t["changed"].format(user=username)
        if do in ("disable", "enable"):
            accounts.set_disabled(db, username, do == "disable")
            if do == "disable":
                sessions.end_all(db, accounts.get(db, username).id)
            return t["changed"].format(user=username)
        password = accounts.new_password()
        accounts.set_password(db, username, password, now)
        sessions.end_all(db, accounts.get(db, username).id)
        return t["new_password"].format(user=username, password=password)


def _safe_next(target: str) -> str:
    """Only a path on this console: never another site (an open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@cache
def guide(locale: str) -> str:
    """The guide as HTML: written in Markdown by people, rendered once per language."""
    source = HELP / f"{locale if locale in LOCALES else LOCALES[0]}.md"
    return markdown.markdown(source.read_text(encoding="utf-8"), extensions=["tables"])
