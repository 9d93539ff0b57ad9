"""The global log: pages in position order (`GET /events`) and a live server-sent event feed
(`GET /events/stream`). Included before the `/events/{event_id}` router, which would
otherwise take `stream` for an event id."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from projections.log_query import LogFilter, feed_page

from api.auth import Reader, ServicesDep
from api.log_filters import StreamFilter, position
from api.openapi_docs import problem_responses
from api.services import Services

router = APIRouter(tags=["reading"])

# What one stream connection holds at most: the events of one page.
STREAM_PAGE = 100
# A client that accepts nothing for this long is dropped; it resumes with Last-Event-ID.
SEND_TIMEOUT = 60.0

After = Annotated[str | None, Query(description="only events after this position (a `next_after`, "
                                                "or 0 for the start)", examples=["0"])]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID",
                                           description="resume after this position (sent by EventSource on reconnect)")]


@router.get("/events", summary="The global log in position order", responses=problem_responses(401, 422))
async def list_events(svc: ServicesDep, _: Reader, flt: StreamFilter, after: After = None,
                      limit: Limit = 100) -> dict[str, Any]:
    start = position("after", after) or 0
    page = await run_in_threadpool(feed_page, svc.queries, flt, start, limit)
    return page.as_dict()


@router.get("/events/stream", summary="Live feed of the log as server-sent events",
            description="Catches up from `after` (or the `Last-Event-ID` header, which wins), then "
                        "follows the log live. Each event is one message: `id:` is its position, "
                        "`data:` the stored event as JSON. Comment lines are sent while idle.",
            response_class=EventSourceResponse, responses=problem_responses(401, 422))
async def stream_events(svc: ServicesDep, _: Reader, flt: StreamFilter, after: After = None,
                        last_event_id: LastEventId = None) -> EventSourceResponse:
    resume = position("Last-Event-ID", last_event_id.strip() if last_event_id else None)
    start = resume if resume is not None else position("after", after) or 0
    return EventSourceResponse(_follow(svc, flt, start), ping=svc.settings.heartbeat_seconds,
                               send_timeout=SEND_TIMEOUT)


async def _follow(svc: Services, flt: LogFilter, after: int) -> AsyncIterator[ServerSentEvent]:
    """Pulls one page at a time from storage, sends it, and sleeps when caught up until the
    log grows. The connection's send blocks while the client is slow, which pauses this loop:
    nothing piles up in memory, and writers never wait for readers."""
    woken = svc.live.subscribe()
    try:
        while True:
            # Cleared before reading, so an event committed during the read wakes us again.
            woken.clear()
            page = await run_in_threadpool(feed_page, svc.queries, flt, after, STREAM_PAGE)
            for event in page.items:
                yield ServerSentEvent(data=json.dumps(event, ensure_ascii=False, separators=(",", ":")),
                                      id=str(event["position"]))
            after = page.next_after
            if not page.has_more:
                await woken.wait()
    finally:
        svc.live.unsubscribe(woken)
