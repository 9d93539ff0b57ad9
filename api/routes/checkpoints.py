"""Signed checkpoints: the service signs the log's hash at its head, and later proves that the
log still extends a checkpoint it signed (see projections.checkpoint for the signed bytes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from projections.checkpoint import Checkpoint

from api.auth import Auditor, ServicesDep
from api.json_route import JSONRoute
from api.openapi_docs import problem_responses

router = APIRouter(tags=["audit"], route_class=JSONRoute)


@router.get("/audit/checkpoint", summary="Sign the log's current head", response_model=Checkpoint,
            description="Verifies the chain (from where this process last verified it), then signs "
                        "`position`, `hash`, `signed_at` and `key_id` with the service's Ed25519 key. "
                        "Keep the answer: `POST /audit/checkpoint/verify` or `negotiation-log verify "
                        "--checkpoint FILE` later prove the log still extends it. 409 if the chain is broken.",
            responses=problem_responses(401, 403, 409))
async def checkpoint(svc: ServicesDep, _: Auditor) -> JSONResponse:
    signed = await run_in_threadpool(svc.checkpoints.issue)
    return JSONResponse(signed.model_dump(), headers={"Cache-Control": "no-store"})


@router.get("/audit/public-key", summary="The public key that checkpoints verify with",
            responses=problem_responses(401, 403))
async def public_key(svc: ServicesDep, _: Auditor) -> dict[str, str]:
    return await run_in_threadpool(svc.checkpoints.public_key_info)


@router.post("/audit/checkpoint/verify", summary="Prove the log still extends a checkpoint",
             description="`ok` is true when the signature verifies with this service's key, the chain is "
                         "intact from genesis to the head, and the hash recomputed at the checkpoint's "
                         "position is the signed one. `problems` says what failed.",
             responses=problem_responses(400, 401, 403, 422))
async def verify_checkpoint(body: Checkpoint, svc: ServicesDep, _: Auditor) -> dict[str, Any]:
    return await run_in_threadpool(svc.checkpoints.prove, body)
