"""Bounds on what a client may hold before it has sent a request: the size of a request head,
the time to send it, and the number of connections.

uvicorn 0.54 with httptools (the parser `uvicorn[standard]` picks) enforces none of these:
llhttp buffers a header of any size, the keep-alive timer runs only after a response, so a
new connection that sends nothing (or a header a byte at a time) stays open for ever, and
`--limit-concurrency` answers 503 only once a request head is complete, so idle connections
still hold their file descriptors. (h11 caps the head at 16 KiB, but has no head timeout
either and costs much of the throughput.) So the server runs httptools through this subclass,
which adds, per connection:

- **head size**: more than `max_head_bytes` before the head is complete (or in it) is answered
  431 and the connection closed, so a connection holds at most that plus one read;
- **head timeout**: a head not complete `head_timeout` seconds after the connection opened, or
  after its first byte on a kept-alive connection, is answered 408 (or, if nothing was sent,
  the connection is just closed);
- **connections**: beyond `max_connections`, the connection idle the longest (waiting for a
  request head, or kept alive between requests) is closed to make room; if none is idle, the
  new one is answered 503.

Each refusal is a problem+json, written straight to the socket: no request reached the app."""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.problems import PROBLEM_JSON, problem_body

log = logging.getLogger("negotiation_log")


@dataclass(frozen=True)
class HttpLimits:
    max_head_bytes: int
    head_timeout: float
    max_connections: int


def connection_cap(wanted: int, open_files: int | None = None) -> int:
    """At most `wanted`, and few enough that the process's file descriptor limit leaves room
    for its database files, pool connections and threads (half the limit, up to 256)."""
    if open_files is None:
        open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if open_files == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, open_files - min(256, open_files // 2)))


def refusal(status: int, detail: str, rule: str) -> bytes:
    body = json.dumps(problem_body(status, detail, rule=rule), separators=(",", ":")).encode()
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: {PROBLEM_JSON}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode("ascii") + body


def bounded_protocol(limits: HttpLimits) -> type[HttpToolsProtocol]:
    too_large = refusal(431, f"the request head is larger than {limits.max_head_bytes} bytes "
                             "(NEGOTIATION_LOG_MAX_HEADER_BYTES)", "header-limit")
    too_slow = refusal(408, f"the request head took longer than {limits.head_timeout:g} s "
                            "(NEGOTIATION_LOG_HEADER_TIMEOUT)", "header-timeout")
    too_many = refusal(503, f"the server holds {limits.max_connections} connections, its limit "
                            "(NEGOTIATION_LOG_MAX_CONNECTIONS); retry later", "connection-limit")

    # One sweep over the connections every so often closes those whose head is late: a timer
    # per request costs more than the rest of this class together.
    sweep_every = min(1.0, limits.head_timeout / 4)

    class BoundedHttpTools(HttpToolsProtocol):
        _sweeping: set[asyncio.AbstractEventLoop] = set()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = True  # awaiting or reading a request head
            self._head_bytes = 0  # of the head so far, counted read by read
            self._last_read = 0
            self._head_deadline: float | None = None
            self._idle_since = time.monotonic()
            self._refused = False

        # -- the connection ----------------------------------------------------------------

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections and not self._evict_one_idle():
                self._refuse(too_many)
                return
            self._head_deadline = self._idle_since + limits.head_timeout
            if self.loop not in self._sweeping:
                self._sweeping.add(self.loop)
                self.loop.call_later(sweep_every, self._sweep)

        def _sweep(self) -> None:
            if not self.connections:  # nothing to watch: the next connection starts it again
                self._sweeping.discard(self.loop)
                return
            now = time.monotonic()
            for connection in list(self.connections):
                if (isinstance(connection, BoundedHttpTools) and connection._head_deadline is not None
                        and connection._head_deadline <= now):
                    connection._head_timed_out()
            self.loop.call_later(sweep_every, self._sweep)

        def _evict_one_idle(self) -> bool:
            idle = [c for c in self.connections
                    if c is not self and isinstance(c, BoundedHttpTools) and c._idle() and not c._refused]
            if not idle:
                return False
            oldest = min(idle, key=lambda c: c._idle_since)
            oldest._refused = True
            oldest.transport.close()
            return True

        def _idle(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _refuse(self, answer: bytes) -> None:
            self._refused, self._head_deadline = True, None
            if not self.transport.is_closing():
                self.transport.write(answer)
                self.transport.close()

        # -- the request head --------------------------------------------------------------

        def _head_timed_out(self) -> None:
            self._head_deadline = None
            if not self._in_head or self.transport.is_closing():
                return
            if self._head_bytes:
                self._refuse(too_slow)
            else:  # nothing was asked: nothing to answer
                self._refused = True
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            self._last_read = len(data)
            super().data_received(data)
            # Still in the head after this read: all of it belonged to the head.
            if self._in_head and not self._refused:
                self._head_bytes += len(data)
                if self._head_bytes > limits.max_head_bytes:
                    self._refuse(too_large)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True
            if self._head_deadline is None:  # on a kept-alive connection, from the first byte
                self._head_deadline = time.monotonic() + limits.head_timeout

        def on_headers_complete(self) -> None:
            if self._refused:  # the rest of a read that was refused
                return
            # The head is at most what came before this read and this read: only when that may
            # exceed the limit is it measured.
            possible = self._head_bytes + self._last_read
            self._in_head, self._head_bytes, self._head_deadline = False, 0, None
            if possible > limits.max_head_bytes:
                size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
                if size > limits.max_head_bytes:
                    self._refuse(too_large)
                    return
            super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self._refused:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if not self._refused:
                super().on_message_complete()

        def on_response_complete(self) -> None:
            self._idle_since = time.monotonic()
            super().on_response_complete()

    return BoundedHttpTools
