"""Bearer-token authentication and role checks, as dependencies applied per router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from domain.principals import Principal

from api.problems import Problem
from api.services import Services

ANONYMOUS = Principal("anonymous", "reader")
_bearer = HTTPBearer(auto_error=False, description="a token from `negotiation-log token create`")


# Dependencies are `async def` so FastAPI runs them on the event loop instead of sending each
# through the thread pool; token lookups are cached (domain.principals), so they rarely block.
async def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


ServicesDep = Annotated[Services, Depends(services)]


def _authenticate(svc: Services, credentials: HTTPAuthorizationCredentials | None, action: str) -> Principal:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        if action == "read" and svc.settings.public_read:
            return ANONYMOUS
        raise Problem(401, "an Authorization: Bearer <token> header is required", rule="auth", headers=challenge)
    principal = svc.principals.authenticate(credentials.credentials)
    if principal is None:
        raise Problem(401, "the bearer token is unknown or revoked", rule="auth", headers=challenge)
    if not principal.may(action):
        raise Problem(403, f"role '{principal.role}' may not {action}", rule="role")
    return principal


def require(action: str):  # noqa: ANN201 - returns a FastAPI dependency
    async def dependency(svc: ServicesDep,
                   credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
        return _authenticate(svc, credentials, action)

    dependency.__name__ = f"require_{action}"
    return dependency


Reader = Annotated[Principal, Depends(require("read"))]
Recorder = Annotated[Principal, Depends(require("append"))]
Auditor = Annotated[Principal, Depends(require("audit"))]
Admin = Annotated[Principal, Depends(require("admin"))]
