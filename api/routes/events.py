"""Stored events: one event as recorded, with the corrections that touched it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.auth import Reader, ServicesDep
from api.openapi_docs import problem_responses
from api.services import Services

router = APIRouter(tags=["reading"])


def event_with_corrections(svc: Services, event_id: str) -> dict[str, Any]:
    event = svc.log.event(event_id)
    touching = [e for e in svc.log.stream(event["negotiation_id"]) if e.get("target_event_id") == event_id]
    return {**event, "corrections": touching,
            "retracted": any(e["type"] == "record.retracted" for e in touching)}


@router.get("/events/{event_id}", summary="One stored event, as recorded, with its corrections",
            responses=problem_responses(401, 404))
async def get_event(event_id: str, svc: ServicesDep, _: Reader) -> dict[str, Any]:
    return await run_in_threadpool(event_with_corrections, svc, event_id)
