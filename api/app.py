"""The FastAPI application factory: builds the app for a Settings, with nothing done at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Receive, Scope, Send

from api import openapi_docs, problems
from api.body import BodyLimit
from api.fast_paths import FastPaths
from api.responses import JSONBody
from api.url_guard import RefuseNul
from api.routes import (
    audit, erasures, events, export, feed, health, log, metrics, negotiations, state, tokens, web, writes,
)
from api.services import Services
from api.settings import Settings

DESCRIPTION = """An event-sourced, bitemporal, tamper-evident log of negotiations.

Every development is an immutable event; state endpoints answer for any valid time (`as_of`)
and any recorded time (`known_at`). Send `Authorization: Bearer <token>`; errors are RFC 9457
`application/problem+json`."""


TAGS = [
    {"name": "recording", "description": "Opening negotiations, appending events, erasing fields"},
    {"name": "reading", "description": "State on both time axes, the timeline, changes, exports, the global log"},
    {"name": "verifiable log", "description": "Checkpoints, proofs, receipts and tiles a third party can check"},
    {"name": "audit", "description": "Who recorded what, and the log's own check"},
    {"name": "admin", "description": "Tokens and metrics"},
    {"name": "health", "description": "Liveness"},
]


def operation_id(route: APIRoute) -> str:
    """The route's name (its function's, or the `name=` it was given): short and stable, where
    FastAPI's default spells out the path and method (`get_round_negotiations__...__get`), which
    generated clients then use as function names. tests/http/test_openapi_operations.py pins them."""
    return route.name


class Service(FastAPI):
    """The FastAPI application behind a plain-ASGI front: the URL and body guards, then the
    two busiest routes (api.fast_paths), then FastAPI's own stack for everything else. The
    front comes before FastAPI's middleware (error, telemetry, body-size wrappers), which
    profiling showed to cost a noticeable share of a small request."""

    front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.front or self.stack)(scope, receive, send)

    async def stack(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, services: Services | None = None, *,
               close_services: bool = False) -> FastAPI:
    """The app closes the services it opens itself when it shuts down, and those it is given
    if `close_services`."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if services is None or close_services:
            app.state.services.close()

    # Swagger UI and ReDoc assets are served from the package, never from a CDN.
    # The document's version is the package's: one number for what a client was generated from.
    app = FastAPIOffline(title="negotiation-log", version=metadata.version("negotiation-log"),
                         description=DESCRIPTION, lifespan=lifespan, default_response_class=JSONBody,
                         openapi_tags=TAGS, generate_unique_id_function=operation_id)
    # FastAPIOffline is a function that builds a plain FastAPI; ours is that plus the front.
    app.__class__ = Service
    assert isinstance(app, Service)
    app.state.services = services or Services.open(settings)
    # Loaded (created on a new log) before the first request: a key that is missing for a log
    # that already signed checkpoints refuses the start rather than a request.
    app.state.services.signer.private_key()
    problems.install(app)
    openapi_docs.install(app)
    # feed before events: /events/stream must not be taken for /events/{event_id}.
    for module in (health, writes, erasures, negotiations, state, export, feed, events, audit, log, tokens, metrics):
        app.include_router(module.router)
    # The web page at / (and its files under /web/): a client of the routes above, no token needed.
    app.include_router(web.router)
    app.front = problems.CatchAll(RefuseNul(BodyLimit(FastPaths(app.stack, app.state.services),
                                                      limit=settings.max_body_bytes, timeout=settings.body_timeout)))
    return app
