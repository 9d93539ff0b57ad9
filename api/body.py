"""Request bodies: a size limit enforced while the body streams in, and strict JSON parsing
with errors that say where the JSON broke. Every JSON body is parsed here (FastAPI's own
body parsing is routed here by api.json_route), so the nesting limit holds for all of them."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.jsonfast import MAX_DEPTH, depth_exceeds, has_long_number

from api.problems import Problem, problem_response


class BodyLimit:
    """Refuses bodies over `limit` bytes with 413, whether or not Content-Length is sent, and
    bodies that stall for `timeout` seconds between chunks with 408 (a slow client must not
    hold a worker forever)."""

    def __init__(self, app: ASGIApp, limit: int, timeout: float = 30.0) -> None:
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        received, complete = 0, False

        async def counted() -> Message:
            nonlocal received, complete
            if complete:  # after the body, receive() waits for a disconnect: no deadline
                return await receive()
            try:
                async with asyncio.timeout(self.timeout):  # cheaper than wait_for: no extra task
                    message = await receive()
            except TimeoutError:
                raise Problem(408, f"the request body stalled for more than {self.timeout:g} s",
                              rule="body-timeout") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.limit:
                    raise Problem(413, self._detail(), rule="body-limit")
            return message

        await self.app(scope, counted, send)

    def _detail(self) -> str:
        return f"request body is larger than the limit of {self.limit} bytes"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, self._detail(), rule="body-limit")
        await response(scope, receive, send)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_BOM = b"\xef\xbb\xbf"


_TOO_DEEP = f"malformed JSON: nested more than {MAX_DEPTH} levels deep"


def parse_json(raw: bytes) -> Any:
    value = _parse(raw)
    if depth_exceeds(value, MAX_DEPTH):
        raise Problem(400, _TOO_DEEP, rule="json")
    return value


def _parse(raw: bytes) -> Any:
    # orjson when it reads the body exactly as json.loads would: not when an integer may
    # exceed 64 bits (orjson makes it a float) or a BOM leads; errors are worded by json.
    if not raw.startswith(_BOM) and not has_long_number(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    if not raw.strip():
        raise Problem(400, "the request body is empty; send a JSON object or array", rule="json")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Problem(400, f"the request body is not valid UTF-8 (byte {e.start})", rule="json") from None
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as e:
        raise Problem(400, f"malformed JSON: {e.msg} at line {e.lineno} column {e.colno}", rule="json") from None
    except ValueError as e:
        raise Problem(400, f"malformed JSON: {e}", rule="json") from None
    except RecursionError:
        raise Problem(400, _TOO_DEEP, rule="json") from None


def request_fingerprint(method: str, path: str, body: Any, if_match: str | None) -> str:
    """What makes two requests 'the same' for Idempotency-Key: method, path, precondition and
    the body's JSON value (not its whitespace or key order)."""
    canonical = json.dumps([method, path, if_match, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
