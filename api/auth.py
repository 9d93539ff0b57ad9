"""Bearer-token authentication and role checks, as dependencies applied per router."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request

from domain.principals import Principal
from projections.reading import unknown_event, unknown_negotiation

from api.identity_tokens import TokenRefused, looks_like_jwt
from api.problems import Problem
from api.services import Services

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


async def authenticate(svc: Services, authorization: str | None, action: str,
                       target: Mapping[str, str] | None = None) -> Principal:
    """The principal behind an Authorization header value, if it may do `action`; else the
    401 or 403 Problem. Called again by a live stream to learn whether it may go on.

    `target` holds the request's `negotiation_id` or `event_id`, if it names one: a token
    limited to workspaces that may not do `action` gets the 404 an unknown id gets when the
    target is outside its workspaces (or does not exist), so a 403 never confirms that
    something exists (docs/api.md §7)."""
    token = bearer_token(authorization)
    if token is None:
        if action == "read" and svc.settings.public_read:
            return svc.anonymous
        raise Problem(401, "an Authorization: Bearer <token> header is required", rule="auth", headers=CHALLENGE)
    if svc.identity is not None and looks_like_jwt(token):
        principal = await _jwt_principal(svc, token)
    else:
        settled, principal = svc.principals.remembered(token)
        if not settled:
            principal = await to_thread.run_sync(svc.principals.authenticate, token, limiter=svc.token_lookups)
    if principal is None:
        raise Problem(401, "the bearer token is unknown or revoked", rule="auth", headers=CHALLENGE)
    if not principal.may(action):
        if principal.workspaces is not None and target:
            await to_thread.run_sync(_require_visible, svc, principal, target)
        raise Problem(403, f"role '{principal.role}' may not {action}", rule="role")
    return principal


def _require_visible(svc: Services, principal: Principal, target: Mapping[str, str]) -> None:
    reads = svc.reading.as_seen_by(principal)
    negotiation_id, event_id = target.get("negotiation_id"), target.get("event_id")
    if negotiation_id is not None and not reads.sees_negotiation(negotiation_id):
        raise unknown_negotiation(negotiation_id)
    if event_id is not None and not reads.sees_event(event_id):
        raise unknown_event(event_id)


async def _jwt_principal(svc: Services, token: str) -> Principal:
    """A JWT's principal, or its 401. Verifying may read the key set's file or fetch its URL:
    done in a thread, with the token lookups' limit, unless the answer is remembered."""
    assert svc.identity is not None
    settled, outcome = svc.identity.remembered(token)
    if not settled:
        try:
            outcome = await to_thread.run_sync(svc.identity.verify, token, limiter=svc.token_lookups)
        except TokenRefused as refused:
            outcome = refused
    if isinstance(outcome, TokenRefused):
        raise Problem(401, f"the JWT is refused: {outcome.detail}", rule="jwt", headers=CHALLENGE)
    assert outcome is not None
    return outcome


def require(action: str):  # noqa: ANN201 - returns a FastAPI dependency
    async def dependency(request: Request) -> Principal:
        return await authenticate(request.app.state.services, request.headers.get("authorization"), action,
                                  request.path_params)

    dependency.__name__ = f"require_{action}"
    return dependency


Reader = Annotated[Principal, Depends(require("read"))]
Recorder = Annotated[Principal, Depends(require("append"))]
Auditor = Annotated[Principal, Depends(require("audit"))]
Admin = Annotated[Principal, Depends(require("admin"))]
