"""Liveness, with no token needed."""

from __future__ import annotations

from fastapi import APIRouter

from api.answers import Health
from api.responses import JSONBody

router = APIRouter(tags=["health"])


@router.get("/health", name="get_health", summary="Is the service up?", response_model=Health)
async def health() -> JSONBody:
    return JSONBody({"status": "ok"})
