"""The contractors' pages (Starlette): a signed link from a work-order email opens a small form
to acknowledge the order or report it done, with a note and photos.

No accounts: the link is the credential. It is checked on every request (signature, order,
action, expiry, not yet used) and spent in the same transaction as the action, so a second
submit, another order's link or a changed character gets an error page instead. Database
work runs on the event loop thread: SQLite calls here take milliseconds, and one thread
means one connection used by one thread at a time.
"""

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from wastewatch.alerts.context import Context
from wastewatch.alerts.mail import WORK_ORDER_KINDS
from wastewatch.config import Config
from wastewatch.config.i18n import LOCALES, gettext
from wastewatch.config.text import printable
from wastewatch.maintenance import links as signed
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.notices import STATES
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.visits import plates
from wastewatch.maintenance.visits.plates import VisitError

from . import checkin, fieldwork, templating
from .api import create_api
from .console.pages import Console
from .fieldwork import ALLOWED, Problem
from .headers import SecurityHeaders
from .metrics import Endpoints, Probes
from .ops import Ops
from .text import words

log = logging.getLogger("wastewatch.web")
STATIC = Path(__file__).resolve().parent / "static"
STATUS = {
    "missing": 400,
    "tampered": 400,
    "unknown": 400,
    "wrong_order": 400,
    "wrong_action": 400,
    "expired": 410,
    "used": 409,
    "state": 409,
    "no_order": 404,
}


def create_app(
    config: Config, ctx: Context, session_clock=None, probes: Probes | None = None, ops: Ops | None = None
) -> Starlette:
    """The app on a context of its own (the caller closes it): its database connection is used
    only by the server's event loop. Console sessions expire by `session_clock` (ctx's clock
    when None); /metrics and /readyz look at the running parts in `probes`, or, in a worker
    process, ask the service's process through `ops`."""
    pages = Pages(config, ctx)
    probes = probes or Probes()
    console = Console(config, ctx, session_clock, probes, ops)
    endpoints = Endpoints(config, ctx, probes, ops)
    return Starlette(
        routes=[
            Route("/wo/{order_id}/checkin", pages.checkin, methods=["POST"]),
            # The contractors' pages without signal: a service worker's scope is its own path's
            # folder, so it is served from the root to reach /wo/ and /my/.
            Route("/sw.js", service_worker),
            Route("/p/{code}", pages.plate),
            Route("/wo/{order_id}/{action:str}", pages.order, methods=["GET", "POST"]),
            Route("/healthz", endpoints.healthz),
            Route("/readyz", endpoints.readyz),
            Route("/metrics", endpoints.metrics),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            *([Mount("/api/v1", app=create_api(config, ctx))] if config.api.enabled else []),
            *console.routes(),
        ],
        # Compressed: the board of a thousand sites is 0.9 MB of HTML and 25 KB gzipped, which
        # matters on a township's line to the bureau. Level 3: half level 5's time (the board
        # 2 ms against 4, a site's page 3 against 5) for files 4-9 % larger.
        middleware=[
            Middleware(GZipMiddleware, minimum_size=2048, compresslevel=3),
            Middleware(SecurityHeaders),
        ],
    )


class Pages:
    def __init__(self, config: Config, ctx: Context):
        self.config, self.ctx = config, ctx
        self.links = signed.Links(config)
        self.templates = templating.templates()

    async def order(self, request: Request):
        locale = self._locale(request)
        t = words(locale)
        order_id, action = request.path_params["order_id"], request.path_params["action"]
        try:
            if action not in signed.ACTIONS:
                raise Problem("no_order", 404)
            if request.method == "POST":
                return await self._submit(request, order_id, action, locale)
            token = request.query_params.get("t", "")
            order = self._check(order_id, action, token, locale)
            return self._form(request, order, action, token, locale)
        except Problem as problem:
            message = t[f"err_{problem.key}"].format(**problem.values)
            log.info("work-order page %s %s refused: %s", order_id, action, problem.key)
            return self.templates.TemplateResponse(
                request,
                "error.html",
                {"t": t, "locale": locale, "message": message},
                status_code=problem.status,
            )

    def _locale(self, request: Request) -> str:
        """?lang= where it names a language the pages have, else the service's."""
        locale = request.query_params.get("lang") or self.config.service.locale
        return locale if locale in LOCALES else LOCALES[0]

    async def plate(self, request: Request):
        """A plate's own page, where a phone's camera app opens its QR code: whose plate it is
        and whether it is in use. Open to anyone who reads the plate, as the plate itself is."""
        locale = self._locale(request)
        found = plates.by_code(self.ctx.db, request.path_params["code"])
        site = self.config.site_by_id.get(found.site_id) if found else None
        context = {
            "t": words(locale),
            "locale": locale,
            "site": site,
            "serial": found.serial if found else None,
            "retired": self.ctx.local(found.retired_at) if found and found.retired_at else None,
        }
        return self.templates.TemplateResponse(
            request, "plate.html", context, status_code=200 if site else 404
        )

    async def checkin(self, request: Request):
        """到场签到 on the page of a "done" link: the link's token guards it and is not spent (the
        report that follows spends it); the answer is JSON for the page's script."""
        locale = self._locale(request)
        order_id = request.path_params["order_id"]
        async with request.form(max_files=0, max_fields=20) as form:
            try:
                order = self._check(order_id, "done", str(form.get("t", "")), locale)
            except Problem as problem:
                message = words(locale)[f"err_{problem.key}"].format(**problem.values)
                return JSONResponse({"recorded": False, "error": message}, status_code=problem.status)
            name = fieldwork.one_line(str(form.get("name", "")))[:40]
            actor = order["contractor"] + (f"/{name}" if name else "")
            try:
                _, new = checkin.record(self.ctx, order, form, actor)
            except VisitError as exc:
                return checkin.refusal(exc, locale)
        log.info("work order %s: check-in by %s through its link", order_id, printable(actor))
        return checkin.answer(self.ctx, work_orders.get(self.ctx.db, order_id), locale, new)

    def _check(self, order_id: str, action: str, token: str, locale: str):
        if not token:
            raise Problem("missing")
        db = self.ctx.db
        try:
            self.links.check(db, order_id, action, token, self.ctx.now())
        except signed.LinkError as exc:
            # A genuine link of this order, spent or expired: say what became of the order.
            honest = exc.reason in ("used", "expired") and self._moved_on(order_id, action)
            raise (honest or Problem(exc.reason, STATUS[exc.reason])) from None
        order = work_orders.get(db, order_id)
        if order["state"] not in ALLOWED[action]:
            raise fieldwork.moved_on(order, action, self.ctx.local) or Problem(
                "state", 409, state=_state_label(order, locale)
            )
        return order

    def _moved_on(self, order_id: str, action: str):
        order = work_orders.get(self.ctx.db, order_id)
        return fieldwork.moved_on(order, action, self.ctx.local) if order is not None else None

    def _context(self, order, action: str, locale: str) -> dict:
        local = self.ctx.local
        marks = work_orders.late_by_deadline(order, self.ctx.now(), locale)
        return {
            "t": words(locale),
            "locale": locale,
            "action": action,
            "order": order,
            "site": self.config.site_by_id[order["site_id"]],
            "kind_label": gettext(locale, WORK_ORDER_KINDS[order["kind"]]),
            "state_label": _state_label(order, locale),
            "acknowledge_by": local(order["acknowledge_by"]),
            "repair_by": local(order["repair_by"]),
            "ack_late": marks["acknowledge"],
            "repair_late": marks["repair"],
        }

    def _form(
        self, request, order, action, token, locale, problem: str = "", form: dict | None = None, status=200
    ):
        t = words(locale)
        context = self._context(order, action, locale)
        context.update(
            token=token,
            problem=problem,
            routine=order["kind"] in work_orders.ROUTINE,
            checklist=self.ctx.rules.inspections.checklist,
            visit=checkin.shown(self.ctx, order, locale) if action == "done" else None,
            checkin_url=f"/wo/{order['id']}/checkin?lang={locale}",
            max_photos=self.config.web.max_photos,
            photos_hint=t["photos_hint"].format(
                n=self.config.web.max_photos, mb=f"{self.config.web.max_photo_mb:g}"
            ),
            form=form or {"name": "", "note": "", "visited": checkin.visited(self.ctx, order), "answers": {}},
        )
        return self.templates.TemplateResponse(request, "order.html", context, status_code=status)

    async def _submit(self, request: Request, order_id: str, action: str, locale: str):
        t, web = words(locale), self.config.web
        fieldwork.check_length(request, web)
        async with request.form(max_files=web.max_photos + 1, max_fields=100) as form:
            token = str(form.get("t", ""))
            repeat = fieldwork.received_before(self.ctx, order_id, form)
            if repeat is not None:  # a phone's queue sending it again: received, nothing changes
                return self._received(request, order_id, action, locale, repeat)
            order = self._check(order_id, action, token, locale)
            try:
                report = await fieldwork.read(form, order, action, self.ctx, web)
            except Problem as problem:  # the form again, with what was typed and why it was refused
                return self._form(
                    request,
                    order,
                    action,
                    token,
                    locale,
                    t[f"err_{problem.key}"].format(**problem.values),
                    problem.fields,
                    problem.status,
                )
        try:
            order = self._act(order, action, token, report)
        except signed.LinkError as exc:  # spent or expired between the form and the submit
            raise (self._moved_on(order_id, action) or Problem(exc.reason, STATUS[exc.reason])) from None
        except work_orders.WorkOrderError:
            raise (
                self._moved_on(order_id, action)
                or Problem("state", 409, state=_state_label(work_orders.get(self.ctx.db, order_id), locale))
            ) from None
        message = t["acknowledged"] if action == "acknowledge" else t["reported"]
        if report.photos:
            message += " " + t["photos_saved"].format(n=len(report.photos))
        context = self._context(order, action, locale)
        context["message"] = message
        return self.templates.TemplateResponse(request, "result.html", context)

    def _received(self, request, order_id: str, action: str, locale: str, repeat):
        order = work_orders.get(self.ctx.db, order_id)
        context = self._context(order, action, locale)
        context["message"] = words(locale)["received_already"].format(
            at=self.ctx.local(repeat["received_at"])
        )
        return self.templates.TemplateResponse(request, "result.html", context)

    def _act(self, order, action: str, token: str, report):
        ctx, now = self.ctx, self.ctx.now()
        actor = order["contractor"] + (f"/{report.fields['name']}" if report.fields["name"] else "")
        # Files first: a crash after writing them leaves a stray file, never a row without its file.
        paths = fieldwork.store_photos(self.config, order, report)
        with changing(ctx):
            db = ctx.db
            link = self.links.check(db, order["id"], action, token, now)
            signed.use(db, link["nonce"], now)
            order = fieldwork.record(ctx, order, action, actor, report, paths, now)
        log.info(
            "work order %s: %s by %s through its link (%d photos)",
            order["id"],
            action,
            printable(actor),
            len(report.photos),
        )
        return order


async def service_worker(request: Request) -> FileResponse:
    return FileResponse(STATIC / "sw.js", media_type="text/javascript")


def _state_label(order, locale: str) -> str:
    return gettext(locale, STATES[order["state"]])
