"""The FastAPI application factory: builds the app for a Settings, with nothing done at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import openapi_docs, problems
from api.body import BodyLimit
from api.fast_paths import FastPaths
from api.responses import JSONBody
from api.url_guard import RefuseNul
from api.routes import audit, checkpoints, events, feed, health, negotiations, state, tokens, web, writes
from api.services import Services
from api.settings import Settings

DESCRIPTION = """An event-sourced, bitemporal, tamper-evident log of negotiations.

Every development is an immutable event; state endpoints answer for any valid time (`as_of`)
and any recorded time (`known_at`). Send `Authorization: Bearer <token>`; errors are RFC 9457
`application/problem+json`."""


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if services is None:
            app.state.services.close()

    # Swagger UI and ReDoc assets are served from the package, never from a CDN.
    app = FastAPIOffline(title="negotiation-log", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                         default_response_class=JSONBody)
    app.state.services = services or Services.open(settings)
    # Created on first start, so the public key can be handed out before any checkpoint is.
    app.state.services.checkpoints.private_key()
    problems.install(app)
    openapi_docs.install(app)
    # feed before events: /events/stream must not be taken for /events/{event_id}.
    for module in (health, writes, negotiations, state, feed, events, audit, checkpoints, tokens):
        app.include_router(module.router)
    # The web page at / (and its files under /web/): a client of the routes above, no token needed.
    app.include_router(web.router)
    app.add_middleware(FastPaths, services=app.state.services)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, timeout=settings.body_timeout)
    app.add_middleware(RefuseNul)
    return app
