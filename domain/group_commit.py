"""Group commit: appends that arrive while a transaction is being written wait, then go
together in the next one, so N concurrent requests cost one fsync instead of N.

One writer thread owns the write path: callers queue their request and get a future; the
writer takes everything queued (up to `max_group`), commits it with `append_many`, and only
then resolves each future. An async caller gets an asyncio future, resolved on its own loop
with one `call_soon_threadsafe` per group (not a thread hop per request, as
`asyncio.wrap_future` would cost), so it awaits without tying up a thread."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from domain.appending import AppendRequest, AppendResult

# A request's own failure (refused, or an unexpected exception while it was checked or saved)
# is its outcome and reaches its caller only; an exception raised by append_many itself (the
# storage failed) reaches every caller of the group.
Outcome = AppendResult | Exception
AppendMany = Callable[[Sequence[AppendRequest]], list[Outcome]]
AnyFuture = Future[AppendResult] | asyncio.Future[AppendResult]
_STOP = None


class GroupCommit:
    def __init__(self, append_many: AppendMany, max_group: int = 256) -> None:
        self._append_many = append_many
        self._max_group = max_group
        self._queue: queue.SimpleQueue[tuple[AppendRequest, AnyFuture] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, request: AppendRequest) -> Future[AppendResult]:
        future: Future[AppendResult] = Future()
        self._enqueue(request, future)
        return future

    def submit_async(self, request: AppendRequest) -> asyncio.Future[AppendResult]:
        """For a caller on an event loop: await the result."""
        future: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        self._enqueue(request, future)
        return future

    def _enqueue(self, request: AppendRequest, future: AnyFuture) -> None:
        self._queue.put((request, future))
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._write, name="group-commit", daemon=True)
                    self._thread.start()

    def append(self, request: AppendRequest) -> AppendResult:
        return self.submit(request).result()

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    def _write(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            group = [item]
            while len(group) < self._max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    self._queue.put(_STOP)  # finish this group first
                    break
                group.append(more)
            self._commit(group)  # type: ignore[arg-type]

    def _commit(self, group: list[tuple[AppendRequest, AnyFuture]]) -> None:
        try:
            outcomes: Sequence[Outcome | BaseException] = self._append_many([r for r, _ in group])
        except BaseException as e:  # noqa: BLE001 - every waiting caller must learn of it
            outcomes = [e] * len(group)
        on_loops: dict[asyncio.AbstractEventLoop, list[tuple[AnyFuture, Outcome | BaseException]]] = {}
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if isinstance(future, asyncio.Future):
                on_loops.setdefault(future.get_loop(), []).append((future, outcome))
            else:
                _settle(future, outcome)
        for loop, settled in on_loops.items():
            try:
                loop.call_soon_threadsafe(_settle_all, settled)
            except RuntimeError:  # that loop has closed: nobody is waiting any more
                pass


def _settle(future: AnyFuture, outcome: Outcome | BaseException) -> None:
    if future.done():  # an asyncio caller that gave up (cancelled) is not told
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_all(settled: list[tuple[AnyFuture, Outcome | BaseException]]) -> None:
    for future, outcome in settled:
        _settle(future, outcome)
