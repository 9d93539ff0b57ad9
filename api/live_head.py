"""Wakes live feed clients when the log grows.

One watcher thread per process follows the committed head of the log and wakes every
subscribed SSE connection; each connection then reads its own next page from storage, at its
own pace. Nothing is queued per client, so a slow client holds only the page it is sending,
and a writer's only cost is setting a flag.

Two ways to learn of new events:
- in this process, a transaction hook nudges the watcher as events are inserted. The hook runs
  *before* commit, so the watcher re-reads the head every few milliseconds until the events
  are visible (or, if the transaction rolled back, gives up after `SETTLE_SECONDS`);
- from other processes (several API servers on one database), by polling the head every
  `poll_seconds`.
The watcher runs only while someone is subscribed."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

SETTLE_SECONDS = 2.0
SETTLE_STEP = 0.005
log = logging.getLogger("negotiation_log")


class LiveHead:
    def __init__(self, poll_seconds: float = 0.25) -> None:
        self.poll_seconds = poll_seconds
        self._read_head: Callable[[], int] | None = None
        self._lock = threading.Lock()
        self._nudged = threading.Event()
        self._inserted = 0  # highest position a writer here inserted, perhaps not yet committed
        self._inserted_at = 0.0
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._thread: threading.Thread | None = None
        self._closed = False

    def watch(self, read_head: Callable[[], int]) -> None:
        self._read_head = read_head

    # -- the TransactionHook side (runs in the writer's thread, inside its transaction) ---

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        pass

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        if events:
            with self._lock:
                # In position order (domain.storage.writes sorts them): the last is the highest.
                self._inserted = max(self._inserted, events[-1]["position"])
                self._inserted_at = time.monotonic()
            self._nudged.set()

    # -- the subscriber side (runs on an event loop) -------------------------------------

    def subscribe(self) -> asyncio.Event:
        """An event set whenever the committed head moves; clear it before reading."""
        woken = asyncio.Event()
        with self._lock:
            self._subscribers.add((asyncio.get_running_loop(), woken))
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="live-head", daemon=True)
                self._thread.start()
        return woken

    def unsubscribe(self, woken: asyncio.Event) -> None:
        with self._lock:
            self._subscribers = {s for s in self._subscribers if s[1] is not woken}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread = self._thread
        self._nudged.set()
        if thread is not None:
            thread.join(timeout=5)

    # -- the watcher thread ----------------------------------------------------------------

    def _run(self) -> None:
        seen = -1
        while True:
            with self._lock:
                if self._closed or not self._subscribers or self._read_head is None:
                    self._thread = None
                    return
                settling = self._inserted > seen and time.monotonic() - self._inserted_at < SETTLE_SECONDS
            self._nudged.clear()
            try:
                head = self._read_head()
            except Exception:  # the database may be briefly unavailable; keep watching
                log.warning("live feed: could not read the log head", exc_info=True)
                head = seen
            if head > seen:
                seen = head
                # Taken after the head was read: whoever subscribed later read its page
                # later too, so it already saw everything up to this head.
                with self._lock:
                    subscribers = list(self._subscribers)
                self._wake(subscribers)
                continue
            self._nudged.wait(SETTLE_STEP if settling else self.poll_seconds)

    def _wake(self, subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
        for loop, woken in subscribers:
            try:
                loop.call_soon_threadsafe(woken.set)
            except RuntimeError:  # its loop has closed: the connection is gone
                self.unsubscribe(woken)
