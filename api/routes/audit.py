"""Auditors' endpoints: who recorded what and when, and the chain check."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from projections.log_query import LogFilter
from projections.reading import ViewerReads

from api.answers import AuditPage, VerifyResult
from api.auth import Auditor, ServicesDep
from api.log_filters import AuditFilter, invalid, position
from api.openapi_docs import problem_responses
from api.responses import JSONBody

router = APIRouter(tags=["audit"])

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
After = Annotated[str | None, Query(description="same as cursor: only events after this position "
                                                "(before it with order=desc)")]
Order = Annotated[Literal["asc", "desc"], Query(description="asc: oldest first; desc: newest first")]


def _trail(reads: ViewerReads, flt: LogFilter, limit: int, start: int | None, order: str) -> dict[str, Any]:
    head = reads.head()
    items = reads.audit_page(flt, start, limit, descending=order == "desc", upto=head)
    full = len(items) == limit
    return {"items": items, "next_cursor": str(items[-1]["position"]) if full else None,
            "order": order, "filters": flt.echo(), "position": head}


@router.get("/audit", name="list_audit_events", summary="Who recorded which event, and when",
            description="Events as stored (each with `recorded_by` and `recorded_at`), filtered by "
                        "principal, negotiation, type and recorded time (`since`/`until`, inclusive), "
                        "in position order, with cursor pagination.",
            response_model=AuditPage, responses=problem_responses(401, 403, 422))
async def audit_trail(svc: ServicesDep, principal: Auditor, flt: AuditFilter, limit: Limit = 100,
                      cursor: Cursor = None, after: After = None, order: Order = "asc") -> JSONBody:
    from_cursor, from_after = position("cursor", cursor), position("after", after)
    if from_cursor is not None and from_after is not None and from_cursor != from_after:
        raise invalid("after", "give cursor or after, not both")
    start = from_cursor if from_cursor is not None else from_after
    return JSONBody(await run_in_threadpool(_trail, svc.reading.as_seen_by(principal), flt, limit, start, order))


@router.get("/audit/verify", name="verify_log", summary="Re-check every leaf and tree node from storage",
            description="Recomputes every leaf from the stored values and salts and the tree from the leaves, "
                        "and holds the tree to the last checkpoint this service signed. `first_bad_position` "
                        "names the first event that fails; `problems` says what failed.",
            response_model=VerifyResult, responses=problem_responses(401, 403))
async def verify(svc: ServicesDep, principal: Auditor) -> JSONBody:
    return JSONBody(await run_in_threadpool(svc.reading.as_seen_by(principal).verify, svc.settings.db))
