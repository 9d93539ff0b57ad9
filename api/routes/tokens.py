"""Token management for admins; tokens are shown once, at creation."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from domain.errors import NotFound
from domain.principals import Principal

from api.answers import CreatedToken, Me, Token, TokenList
from api.auth import Admin, Reader, ServicesDep
from api.json_route import JSONRoute
from api.openapi_docs import problem_responses
from api.problems import Problem
from api.responses import JSONBody

router = APIRouter(tags=["admin"], route_class=JSONRoute)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    role: Literal["reader", "recorder", "auditor", "admin"]
    workspaces: list[str] | None = Field(None, description="limit the token to these workspaces "
                                                           "(default: all; for a limited admin, its own)")


def _within(principal: Principal, row: dict[str, Any]) -> bool:
    """Whether a limited admin manages this token: one limited to some of its own workspaces."""
    limits = row["workspaces"]
    return principal.workspaces is None or (limits is not None and set(limits) <= principal.workspaces)


@router.post("/admin/tokens", status_code=201, summary="Create a token (returned once)",
             description="An admin limited to workspaces creates tokens limited to some of its own (403 "
                         "otherwise).", response_model=CreatedToken, responses=problem_responses(400, 401, 403, 409, 422))
async def create_token(body: NewToken, svc: ServicesDep, principal: Admin) -> JSONBody:
    workspaces = body.workspaces
    if principal.workspaces is not None:
        workspaces = sorted(principal.workspaces) if workspaces is None else workspaces
        outside = sorted(set(workspaces) - principal.workspaces)
        if outside:
            raise Problem(403, f"workspaces: this token is limited to its workspaces and cannot give "
                               f"'{outside[0]}'", rule="workspace")
    info, token = await run_in_threadpool(svc.principals.create, body.name, body.role, workspaces)
    return JSONBody({**info, "token": token}, status_code=201)


@router.get("/admin/tokens", summary="List tokens (never the tokens themselves)", response_model=TokenList,
            description="An admin limited to workspaces sees the tokens limited to some of its own.",
            responses=problem_responses(401, 403))
async def list_tokens(svc: ServicesDep, principal: Admin) -> JSONBody:
    rows = await run_in_threadpool(svc.principals.list)
    return JSONBody({"items": [row for row in rows if _within(principal, row)]})


@router.delete("/admin/tokens/{token_id}", summary="Revoke a token at once", response_model=Token,
               responses=problem_responses(401, 403, 404, 409))
async def revoke_token(token_id: str, svc: ServicesDep, principal: Admin) -> JSONBody:
    def revoke() -> dict[str, Any]:
        held = svc.principals.described(token_id)
        if held is None or not _within(principal, held):
            raise NotFound(f"no token {token_id}", rule="token-exists")
        return svc.principals.revoke(token_id)

    return JSONBody(await run_in_threadpool(revoke))


@router.get("/me", name="get_me", summary="Who the bearer token is: its principal's name and role",
            description="Any role may ask. With `--public-read` and no token the answer is the anonymous "
                        "reader. The web page shows recording controls only to roles that may append.",
            response_model=Me, responses=problem_responses(401))
async def get_me(principal: Reader) -> JSONBody:
    return JSONBody({"name": principal.name, "role": principal.role,
                     "workspaces": None if principal.workspaces is None else sorted(principal.workspaces)})
