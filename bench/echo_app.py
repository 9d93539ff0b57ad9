"""The HTTP baselines of bench/perf.py: bare FastAPI routes shaped like ours, doing no work.

POST echoes a validated event of the same shape and size as the one the benchmark appends;
GET returns a fixed object shaped like a round. Both are `async def` with pydantic, as in
the issue's reference figure (about 10,600 req/s on one uvicorn worker)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

app = FastAPI()

ROUND = {
    "round_id": "r2", "label": "Second round", "number": 2, "status": "concluded",
    "venue": {"name": "Russian Consulate General", "city": "Istanbul", "country": "Türkiye"},
    "scheduled_for": "2025-04-10", "started_at": "2025-04-10", "concluded_at": "2025-04-10",
    "duration": {"min_hours": 4, "max_hours": 5},
    "delegations": {"ru": {"head": {"name": "Alexander Darchiev", "title": "Ambassador"}, "members": []},
                    "us": {"head": {"name": "Sonata Coulter", "title": "Deputy Assistant Secretary"},
                           "members": []}},
    "disputes_discussed": ["diplomatic-property", "visa-restrictions"], "summary": "Second round.",
    "as_of": None, "known_at": None, "position": 31,
}


class Speaker(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    participant_id: str | None = None


class Statement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    occurred_at: str
    speaker: Speaker
    text: str


@app.post("/negotiations/{negotiation_id}/events", status_code=201)
async def echo(negotiation_id: str, event: Statement) -> dict[str, Any]:
    return {**event.model_dump(), "negotiation_id": negotiation_id}


@app.get("/negotiations/{negotiation_id}/rounds/{round_id}")
async def get_round(negotiation_id: str, round_id: str) -> dict[str, Any]:
    return ROUND
