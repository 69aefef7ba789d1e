"""The read API, `/api/v1/` (docs/api.md): sites with their live state, readings, alerts, work
orders with their timelines, maintenance windows, laboratory samples, data reviews and the
monthly report's figures, for other systems, with a token per account.

FastAPI, mounted on the service's Starlette app: its OpenAPI document (served at
`/api/v1/openapi.json`) is generated from the same pydantic models that shape the answers
(models.py). Handlers call the owners of the state and hold no SQL; like the console's, they
run on the server's event loop and its one connection.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from . import lists, sites
from .guard import PROBLEM, Problem, problem_response
from .models import Problem as ProblemModel

ERRORS = (400, 401, 403, 404, 422, 429)


def create_api(config, ctx) -> FastAPI:
    api = FastAPI(
        title="Wastewatch read API",
        version="1",
        summary="农村生活污水处理设施运维监管：站点、数据、告警、工单、化验、审核与月度报告",
        description=(
            "Read-only. Each call carries `Authorization: Bearer ww_…`, a token of an account made "
            "with `wastewatch users token create`; it sees what the account sees. Errors are "
            "`application/problem+json` (RFC 9457). Guide: docs/api.md."
        ),
        docs_url=None,  # the console's CSP serves no third-party scripts; the document is the contract
        redoc_url=None,
        openapi_url="/openapi.json",
        responses={status: {"model": ProblemModel, "description": TITLE_OF[status]} for status in ERRORS},
    )
    api.state.config, api.state.ctx = config, ctx
    api.include_router(sites.router)
    api.include_router(lists.router)

    @api.exception_handler(Problem)
    async def said(request: Request, exc: Problem):
        return problem_response(request, exc.status, exc.detail, exc.headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
        return problem_response(request, 422, f"{where}: {first.get('msg', 'invalid')}")

    @api.exception_handler(HTTPException)
    async def plain(request: Request, exc: HTTPException):
        return problem_response(request, exc.status_code, str(exc.detail))

    def document() -> dict:
        if api.openapi_schema is None:
            schema = FastAPI.openapi(api)
            # Errors are problem+json: the same schema under its own media type.
            for path in schema["paths"].values():
                for operation in path.values():
                    for status, answer in operation.get("responses", {}).items():
                        if int(status) >= 400 and "application/json" in answer.get("content", {}):
                            answer["content"] = {PROBLEM: answer["content"]["application/json"]}
            schema["components"]["securitySchemes"] = {"token": {"type": "http", "scheme": "bearer"}}
            schema["security"] = [{"token": []}]
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = document  # type: ignore[method-assign]
    return api


TITLE_OF = {
    400: "The cursor or a parameter is not one this API gave or takes",
    401: "No live token",
    403: "The account's role may not read this",
    404: "No such object among those the account sees",
    422: "A parameter is malformed",
    429: "Over the token's calls a minute (Retry-After says when to try again)",
}
