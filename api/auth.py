"""Bearer-token authentication and role checks, as dependencies applied per router."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request

from domain.principals import Principal

from api.problems import Problem
from api.services import Services

ANONYMOUS = Principal("anonymous", "reader")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


# Dependencies are `async def` and take only the request: FastAPI then runs them on the event
# loop with no thread-pool hop and no nested dependency solving, which profiling showed to cost
# more than the rest of an append's HTTP handling. Token lookups are remembered for a moment
# (domain.principals) and answered inline; the rest query the database in a thread, a few at a
# time (Services.token_lookups), so a flood of unknown tokens or a slow database never stalls
# the event loop. The bearer scheme is declared for the OpenAPI document in api.openapi_docs.
async def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(services)]


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


async def authenticate(svc: Services, authorization: str | None, action: str) -> Principal:
    """The principal behind an Authorization header value, if it may do `action`; else the
    401 or 403 Problem. Called again by a live stream to learn whether it may go on."""
    token = bearer_token(authorization)
    if token is None:
        if action == "read" and svc.settings.public_read:
            return ANONYMOUS
        raise Problem(401, "an Authorization: Bearer <token> header is required", rule="auth", headers=CHALLENGE)
    settled, principal = svc.principals.remembered(token)
    if not settled:
        principal = await to_thread.run_sync(svc.principals.authenticate, token, limiter=svc.token_lookups)
    if principal is None:
        raise Problem(401, "the bearer token is unknown or revoked", rule="auth", headers=CHALLENGE)
    if not principal.may(action):
        raise Problem(403, f"role '{principal.role}' may not {action}", rule="role")
    return principal


def require(action: str):  # noqa: ANN201 - returns a FastAPI dependency
    async def dependency(request: Request) -> Principal:
        return await authenticate(request.app.state.services, request.headers.get("authorization"), action)

    dependency.__name__ = f"require_{action}"
    return dependency


Reader = Annotated[Principal, Depends(require("read"))]
Recorder = Annotated[Principal, Depends(require("append"))]
Auditor = Annotated[Principal, Depends(require("audit"))]
Admin = Annotated[Principal, Depends(require("admin"))]
