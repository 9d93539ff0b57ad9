"""Reading negotiations: the list and one negotiation's state, on both time axes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from projections.reading import ViewerReads

from api.answers import Negotiation, NegotiationPage
from api.auth import Reader, ServicesDep
from api.openapi_docs import problem_responses
from api.problems import Problem
from api.responses import JSONBody
from api.time_params import Axes, TimeAxes

router = APIRouter(tags=["reading"])

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


def negotiation_state(reads: ViewerReads, negotiation_id: str, axes: TimeAxes) -> dict[str, Any]:
    """From the stored view, or replayed at the point the axes name."""
    state = reads.negotiation(negotiation_id, as_of=axes.as_of, known_at=axes.known_at)
    return {**state, **axes.echo()}


def _cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise Problem(422, "cursor: not a cursor this service issued", rule="validation",
                      errors=[{"field": "cursor", "message": "use next_cursor from the previous page"}])
    return int(cursor)


def _list(reads: ViewerReads, axes: TimeAxes, limit: int, after: int) -> dict[str, Any]:
    page = reads.negotiations(after, limit, as_of=axes.as_of, known_at=axes.known_at)
    return {**page, "items": [{**item, **axes.echo()} for item in page["items"]], **axes.echo()}


@router.get("/negotiations", summary="List negotiations", response_model=NegotiationPage,
            responses=problem_responses(401, 422))
async def list_negotiations(svc: ServicesDep, principal: Reader, axes: Axes, limit: Limit = 100,
                            cursor: Cursor = None) -> JSONBody:
    return JSONBody(await run_in_threadpool(_list, svc.reading.as_seen_by(principal), axes, limit, _cursor(cursor)))


@router.get("/negotiations/{negotiation_id}", summary="One negotiation's state",
            response_model=Negotiation,
            responses=problem_responses(401, 404, 422))
async def get_negotiation(negotiation_id: str, svc: ServicesDep, principal: Reader, axes: Axes) -> JSONResponse:
    state = await run_in_threadpool(negotiation_state, svc.reading.as_seen_by(principal), negotiation_id, axes)
    return JSONResponse(state, headers={"ETag": f'"{state["version"]}"'})
