"""Auditors' endpoints."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from projections.chain_audit import verify_chain

from api.auth import Auditor, ServicesDep
from api.openapi_docs import problem_responses

router = APIRouter(tags=["audit"])


@router.get("/audit/verify", summary="Re-check the hash chain from storage", responses=problem_responses(401, 403))
async def verify(svc: ServicesDep, _: Auditor) -> dict[str, Any]:
    return await run_in_threadpool(verify_chain, svc.log.event_log)
