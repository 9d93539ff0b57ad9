"""The two busiest routes, answered in plain ASGI before FastAPI's routing.

Appending one event (or a batch) and reading one stored round, dispute, proposal or commitment
are what clients do most. Through FastAPI each costs routing over every route, dependency
solving and exception middleware, which profiling showed to cost more than our own work.
Here they run the very same functions as the FastAPI routes (authentication, parsing, the
append, the stored view, the problem mapping), so answers are the same; FastAPI keeps the
routes for the OpenAPI document and serves every other request, including reads with
`as_of`/`known_at` and anything that is not exactly one of these two shapes.

It sits inside RefuseNul and BodyLimit, so their checks apply unchanged (api.app)."""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain import jsonfast

from api.auth import authenticate
from api.problems import error_response
from api.routes.writes import append, created_headers
from api.services import Services

PREFIX = "/negotiations/"
KIND_BY_PLURAL = {"rounds": "round", "disputes": "dispute", "proposals": "proposal", "commitments": "commitment"}
JSON = (b"content-type", b"application/json")


class FastPaths:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app, self.services = app, services
        # A stored view is one indexed row: on SQLite reading it costs less than a hop to the
        # thread pool. PostgreSQL answers over the network, so there the read waits in a thread.
        self.inline_reads = services.log.database.dialect.name == "sqlite"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" and not scope.get("root_path") else ""
        if path.startswith(PREFIX):
            parts = path.split("/")  # "", "negotiations", id, what, [key]
            method = scope["method"]
            if method == "POST" and len(parts) == 4 and parts[2] and parts[3] == "events":
                await self._guarded(self._append, parts, scope, receive, send)
                return
            if (method == "GET" and len(parts) == 5 and parts[2] and parts[4] and parts[3] in KIND_BY_PLURAL
                    and not scope["query_string"]):
                await self._guarded(self._entity, parts, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _guarded(self, handle: Any, parts: list[str], scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await handle(parts, _headers(scope), receive, send)
        except Exception as e:
            response = error_response(e, scope["path"], self.services.metrics)
            if response is None:
                raise
            await response(scope, receive, send)

    async def _append(self, parts: list[str], headers: dict[bytes, str], receive: Receive, send: Send) -> None:
        principal = await authenticate(self.services, headers.get(b"authorization"), "append",
                                       {"negotiation_id": parts[2]})
        raw = await _body(receive)
        if raw is None:
            return  # the client went away
        answer, result = await append(self.services, principal, parts[2], raw, headers.get(b"if-match"),
                                      headers.get(b"idempotency-key"))
        extra = created_headers(result, f"/events/{result.events[0]['event_id']}")
        await _send(send, 201, jsonfast.dumps(answer), [(k.lower().encode(), v.encode()) for k, v in extra.items()])

    async def _entity(self, parts: list[str], headers: dict[bytes, str], receive: Receive, send: Send) -> None:
        principal = await authenticate(self.services, headers.get(b"authorization"), "read")
        models = self.services.reading.as_seen_by(principal)
        kind, negotiation_id, key = KIND_BY_PLURAL[parts[3]], parts[2], parts[4]
        if self.inline_reads:
            state = models.entity(negotiation_id, kind, key)
        else:
            state = await run_in_threadpool(models.entity, negotiation_id, kind, key)
        await _send(send, 200, jsonfast.dumps({**state, "as_of": None, "known_at": None}), [])


def _headers(scope: Scope) -> dict[bytes, str]:
    """The request headers we read, first occurrence of each, as Starlette decodes them."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name not in found:
            found[name] = value.decode("latin-1")
    return found


async def _body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(len(body)).encode()), JSON, *headers]})
    await send({"type": "http.response.body", "body": body})
