"""Liveness, with no token needed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the service up?")
async def health() -> dict[str, str]:
    return {"status": "ok"}
