"""What only the service's own process knows — its running parts (the ingestor's counters, the
scheduler, the forwarders' connections) and the problems its parts reported — asked for by the
worker processes that serve the pages ([web] workers, web/workers.py).

The service's process answers on a loopback port of its own, to requests bearing a secret made
at each start and handed to the workers; nothing else listens there. A worker then shows
/metrics, /readyz, /healthz and the forwarding page's connections exactly as the service's
process would, whichever worker a request reaches."""

import hmac

import httpx
from prometheus_client import generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from wastewatch.store.health import HEALTH


class Ops:
    """A worker's way to the service's process: `url` of its ops answers, `secret` to show."""

    def __init__(self, url: str, secret: str):
        self.url, self.secret = url, secret
        self._client: httpx.AsyncClient | None = None

    async def get(self, path: str) -> httpx.Response:
        """The answer at `path`; httpx.HTTPError when the service's process does not give one."""
        if self._client is None:  # made on the worker's own event loop, at its first use
            self._client = httpx.AsyncClient(
                base_url=self.url, headers={"authorization": f"Bearer {self.secret}"}, timeout=10
            )
        answer = await self._client.get(path)
        answer.raise_for_status()
        return answer


def ops_app(endpoints, probes, secret: str) -> Starlette:
    """The service's process's answers to its workers: `endpoints` (web/metrics.Endpoints) for
    the figures and checks, `probes` for the forwarders' connections."""

    def guarded(answer):
        async def endpoint(request: Request):
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
                return PlainTextResponse("forbidden\n", status_code=403)
            return answer()

        return endpoint

    return Starlette(
        routes=[
            Route("/metrics", guarded(lambda: Response(generate_latest(endpoints.registry)))),
            Route("/checks", guarded(lambda: JSONResponse(endpoints.checks()))),
            Route("/problems", guarded(lambda: JSONResponse(HEALTH.problems()))),
            Route("/forwarding", guarded(lambda: JSONResponse(probes.forwarding()))),
        ]
    )
