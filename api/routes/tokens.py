"""Token management for admins; tokens are shown once, at creation."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict

from api.answers import CreatedToken, Me, Token, TokenList
from api.auth import Admin, Reader, ServicesDep
from api.json_route import JSONRoute
from api.openapi_docs import problem_responses
from api.responses import JSONBody

router = APIRouter(tags=["admin"], route_class=JSONRoute)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    role: Literal["reader", "recorder", "auditor", "admin"]


@router.post("/admin/tokens", status_code=201, summary="Create a token (returned once)",
             response_model=CreatedToken, responses=problem_responses(400, 401, 403, 409, 422))
async def create_token(body: NewToken, svc: ServicesDep, _: Admin) -> JSONBody:
    info, token = await run_in_threadpool(svc.principals.create, body.name, body.role)
    return JSONBody({**info, "token": token}, status_code=201)


@router.get("/admin/tokens", summary="List tokens (never the tokens themselves)", response_model=TokenList,
            responses=problem_responses(401, 403))
async def list_tokens(svc: ServicesDep, _: Admin) -> JSONBody:
    return JSONBody({"items": await run_in_threadpool(svc.principals.list)})


@router.delete("/admin/tokens/{token_id}", summary="Revoke a token at once", response_model=Token,
               responses=problem_responses(401, 403, 404, 409))
async def revoke_token(token_id: str, svc: ServicesDep, _: Admin) -> JSONBody:
    return JSONBody(await run_in_threadpool(svc.principals.revoke, token_id))


@router.get("/me", name="get_me", summary="Who the bearer token is: its principal's name and role",
            description="Any role may ask. With `--public-read` and no token the answer is the anonymous "
                        "reader. The web page shows recording controls only to roles that may append.",
            response_model=Me, responses=problem_responses(401))
async def get_me(principal: Reader) -> JSONBody:
    return JSONBody({"name": principal.name, "role": principal.role})
