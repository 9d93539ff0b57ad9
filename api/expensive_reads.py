"""Reads that fold a whole negotiation (the timeline, the changes between two times, exports)
cost time and memory in proportion to its size: a handful of clients asking for them at once
could take every thread and most of the memory. They take a slot first (`ExpensiveRead`, a
dependency for any such route): at most `max_expensive_reads` at once; the excess waits up to
`wait` seconds, then gets 503 with Retry-After. The slot is held until the response is sent,
so a streamed export holds it while it streams. Declared as a parameter after the route's
authentication (`_: Reader, axes: Axes, _slot: ExpensiveRead`), so that only requests that
may read, asking something valid, ever wait for one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from api.problems import Problem

WAIT_SECONDS = 2.0


class ExpensiveReads:
    def __init__(self, limit: int, wait: float = WAIT_SECONDS) -> None:
        self.limit, self.wait = limit, wait
        self._slots = asyncio.Semaphore(limit)

    async def acquire(self) -> None:
        try:
            async with asyncio.timeout(self.wait):
                await self._slots.acquire()
        except TimeoutError:
            raise Problem(503, f"{self.limit} reads of whole negotiations (timeline, changes, exports) are "
                               "being computed, the most at once (NEGOTIATION_LOG_MAX_EXPENSIVE_READS); "
                               "retry shortly", rule="busy", headers={"Retry-After": "1"}) from None

    def release(self) -> None:
        self._slots.release()


async def _expensive_read(request: Request) -> AsyncIterator[None]:
    reads: ExpensiveReads = request.app.state.services.expensive_reads
    await reads.acquire()
    try:
        yield
    finally:
        reads.release()


# "request" scope: released once the response is sent, not when the route function returns.
ExpensiveRead = Annotated[None, Depends(_expensive_read, scope="request")]
