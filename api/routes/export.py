"""Exports (docs/api.md §11): one negotiation's record in a format of the registry, streamed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from projections.export.record import chunked
from projections.export.registry import FORMATS, NAMES, UnknownFormat, export_format

from api.auth import Reader, ServicesDep
from api.expensive_reads import ExpensiveRead
from api.openapi_docs import problem_responses
from api.problems import Problem
from api.time_params import Axes

router = APIRouter(tags=["reading"])

_FORMAT_DOC = "; ".join(f"`{f.name}` ({f.content_type})" for f in FORMATS.values())


@router.get(
    "/negotiations/{negotiation_id}/export",
    summary="The negotiation's record as JSON Lines, PLOVER, TimelineJS, CSV or iCalendar",
    description="Corrections applied and retracted facts left out (`jsonl`: the events as stored), at `as_of` "
                "and `known_at` if given; streamed, so a negotiation of any length exports in constant memory.",
    response_class=StreamingResponse,
    responses={200: {"content": {f.content_type.split(";")[0]: {} for f in FORMATS.values()},
                     "description": "the export"}, **problem_responses(401, 404, 422)},
)
async def export_negotiation(
    negotiation_id: str, svc: ServicesDep, principal: Reader, axes: Axes, _slot: ExpensiveRead,
    format: Annotated[str, Query(description=f"one of: {_FORMAT_DOC}")] = "jsonl",
) -> StreamingResponse:
    try:
        chosen = export_format(format)
    except UnknownFormat as e:
        raise Problem(422, f"format: {e}", rule="validation",
                      errors=[{"field": "format", "message": f"must be one of: {NAMES}"}]) from None
    # Read (and 404) before the answer starts: once streaming, a status can no longer change.
    record = await run_in_threadpool(svc.reading.as_seen_by(principal).record, negotiation_id, as_of=axes.as_of,
                                     known_at=axes.known_at)
    filename = f"negotiation-{record.negotiation['id'] if record.negotiation else negotiation_id}.{chosen.extension}"
    return StreamingResponse(chunked(chosen.render(record)), media_type=chosen.content_type,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})
