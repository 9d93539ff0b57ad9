"""The global log: pages in position order (`GET /events`) and a live server-sent event feed
(`GET /events/stream`). Included before the `/events/{event_id}` router, which would
otherwise take `stream` for an event id."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.types import Receive, Scope, Send

from projections.log_query import LogFilter
from projections.reading import ViewerReads

from domain.principals import Principal

from api.answers import EventPage, StreamTicket
from api.auth import Reader, ServicesDep
from api.log_filters import StreamFilter, position
from api.openapi_docs import problem_responses
from api.responses import JSONBody
from api.services import Services
from api.stream_access import StillAllowed, issue_ticket, stream_access
from api.stream_slots import StreamSlot

router = APIRouter(tags=["reading"])

# What one stream connection holds at most: the events of one page.
STREAM_PAGE = 100
# A client that accepts nothing for this long is dropped; it resumes with Last-Event-ID.
SEND_TIMEOUT = 60.0

After = Annotated[str | None, Query(description="only events after this position (a `next_after`, "
                                                "or 0 for the start)", examples=["0"])]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
STREAM_ANSWER: dict[str, Any] = {
    "description": "Server-sent events (the WHATWG EventSource format, lines ending in CRLF), one message per "
                   "stored event: an `id:` line with its position, a `data:` line with the event as "
                   "`GET /events` serves it (one line of JSON), then a blank line. Lines starting with `:` are "
                   "comments: keep-alive pings, and the reason when the stream ends. A client resumes with "
                   "`Last-Event-ID`.",
    "content": {"text/event-stream": {
        "schema": {"type": "string"},
        "example": 'id: 12\r\ndata: {"event_id":"0b6f1c2e-5d4a-4c1e-9a7b-3f2d8e6c1a90","type":"round.started",'
                   '"occurred_at":"2025-04-10","round_id":"r2","position":12}\r\n\r\n'
                   ': ping - 2025-04-10 07:00:15.000000+00:00\r\n\r\n',
    }},
}
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID",
                                           description="resume after this position (sent by EventSource on reconnect)")]
TicketParam = Annotated[str | None, Query(description="a stream ticket from `POST /events/stream/tickets`, instead "
                                                      "of the Authorization header (which EventSource cannot send); "
                                                      "it opens one stream, once")]


async def stream_reader(request: Request, ticket: TicketParam = None) -> tuple[Principal, StillAllowed]:
    """The stream's principal (from the header, or the ticket) and how it is checked again."""
    return await stream_access(request.app.state.services, request.headers.get("authorization"), ticket)


StreamReader = Annotated[tuple[Principal, StillAllowed], Depends(stream_reader)]


@router.get("/events", summary="The global log in position order", response_model=EventPage,
            responses=problem_responses(401, 422))
async def list_events(svc: ServicesDep, principal: Reader, flt: StreamFilter, after: After = None,
                      limit: Limit = 100) -> JSONBody:
    start = position("after", after) or 0
    page = await run_in_threadpool(svc.reading.as_seen_by(principal).feed_page, flt, start, limit)
    return JSONBody(page.as_dict())


@router.get("/events/stream", summary="Live feed of the log as server-sent events",
            description="Catches up from `after` (or the `Last-Event-ID` header, which wins), then "
                        "follows the log live. Each event is one message: `id:` is its position, "
                        "`data:` the stored event as JSON. Comment lines are sent while idle. The "
                        "token is checked again before every page and at least every heartbeat: "
                        "once it is revoked (or, for a JWT, has expired) the stream ends with a comment "
                        "line. A browser's EventSource, which cannot send the header, passes `ticket` "
                        "from `POST /events/stream/tickets` instead. A stream also ends "
                        "after the stream lifetime (resume with `Last-Event-ID`); streams per "
                        "principal (429) and in all (503) are capped.",
            response_class=EventSourceResponse,
            responses={200: STREAM_ANSWER, **problem_responses(401, 422, 429, 503)})
async def stream_events(request: Request, svc: ServicesDep, reader: StreamReader, flt: StreamFilter,
                        after: After = None, last_event_id: LastEventId = None) -> EventSourceResponse:
    principal, still_allowed = reader
    resume = position("Last-Event-ID", last_event_id.strip() if last_event_id else None)
    start = resume if resume is not None else position("after", after) or 0
    slot = svc.streams.take(svc.streams.key(principal, request.client.host if request.client else None))
    follow = _follow(svc, svc.reading.as_seen_by(principal), flt, start, still_allowed)
    return _SlotHeldStream(slot, follow, ping=svc.settings.heartbeat_seconds, send_timeout=SEND_TIMEOUT)


class _SlotHeldStream(EventSourceResponse):
    """Gives its stream slot back however the response ends: finished, failed or cancelled."""

    def __init__(self, slot: StreamSlot, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


@router.post("/events/stream/tickets", name="create_stream_ticket", status_code=201,
             summary="A one-use ticket that opens a live stream without an Authorization header",
             description="For a browser's EventSource, which cannot send headers (a token never goes in "
                         "a URL): `new EventSource('/events/stream?ticket=' + ticket)`. Any reader may ask. "
                         "The ticket opens one stream, once, within 30 s, as the principal that asked (its "
                         "role and workspaces); the stream then ends as soon as the token it was made with "
                         "is revoked or, for a JWT, expires. It is accepted nowhere else.",
             response_model=StreamTicket, responses=problem_responses(401))
async def create_stream_ticket(request: Request, svc: ServicesDep, principal: Reader) -> JSONBody:
    return JSONBody(await issue_ticket(svc, principal, request.headers.get("authorization")), status_code=201)


async def _follow(svc: Services, reads: ViewerReads, flt: LogFilter, after: int,
                  still_allowed: StillAllowed) -> AsyncIterator[ServerSentEvent]:
    """Pulls one page at a time from storage, sends it, and sleeps when caught up until the
    log grows. The connection's send blocks while the client is slow, which pauses this loop:
    nothing piles up in memory, and writers never wait for readers.

    The token is checked again (the same check as at the start) before any page is sent and
    at least every heartbeat while idle, so nothing recorded after a revocation reaches the
    stream; the stream ends after `stream_max_seconds`, the client resuming where it was."""
    loop = asyncio.get_running_loop()
    heartbeat = svc.settings.heartbeat_seconds
    ends_at = loop.time() + svc.settings.stream_max_seconds
    checked_at = loop.time()
    woken = svc.live.subscribe()
    try:
        while True:
            # Cleared before reading, so an event committed during the read wakes us again.
            woken.clear()
            page = await run_in_threadpool(reads.feed_page, flt, after, STREAM_PAGE)
            if page.items or loop.time() - checked_at >= heartbeat:
                if not await still_allowed():
                    break
                checked_at = loop.time()
            for event in page.items:
                yield ServerSentEvent(data=json.dumps(event, ensure_ascii=False, separators=(",", ":")),
                                      id=str(event["position"]))
            after = page.next_after
            if loop.time() >= ends_at:
                yield ServerSentEvent(comment=f"this stream has reached its lifetime of "
                                              f"{svc.settings.stream_max_seconds:g} s; reconnect with "
                                              f"Last-Event-ID: {after}")
                return
            if not page.has_more:
                # Until the log grows, the next check is due, or the lifetime is up.
                due = min(checked_at + heartbeat, ends_at) - loop.time()
                try:
                    async with asyncio.timeout(max(0.0, due)):
                        await woken.wait()
                except TimeoutError:
                    pass
        yield ServerSentEvent(comment="the token was revoked or has expired; this stream is closed")
    finally:
        svc.live.unsubscribe(woken)
