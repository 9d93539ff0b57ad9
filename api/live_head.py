"""Wakes live feed clients when the log grows.

One watcher thread per process follows the committed head of the log and wakes every
subscribed SSE connection; each connection then reads its own next page from storage, at its
own pace. Nothing is queued per client, so a slow client holds only the page it is sending,
and a writer's only cost is setting a flag.

Two ways to learn of new events:
- in this process, a transaction hook nudges the watcher as events are inserted. The hook runs
  *before* commit, so the watcher re-reads the head every few milliseconds until the events
  are visible (or, if the transaction rolled back, gives up after `SETTLE_SECONDS`);
- from other processes (several API servers on one PostgreSQL database), by the notice every
  append transaction sends (api.head_notices); only while no connection is listening for
  them (SQLite, or the database briefly gone), by polling the head every `poll_seconds`.
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

from api.head_notices import HeadListener

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
        self._listening = False
        self._listener: HeadListener | None = None
        self._listen: Callable[[], Any] | None = None

    def watch(self, read_head: Callable[[], int]) -> None:
        self._read_head = read_head

    def listen_with(self, connect: Callable[[], Any]) -> None:
        """Learn of other processes' appends from their notices (PostgreSQL), listening on a
        connection from `connect` from the first subscriber on."""
        self._listen = connect

    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    @property
    def listening(self) -> bool:
        return self._listening

    def _noticed(self, position: int) -> None:
        self._nudged.set()

    def _listener_state(self, listening: bool) -> None:
        # Either way the head is read at once: what was committed while nobody listened, or
        # polling from now on.
        self._listening = listening
        self._nudged.set()

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
            if self._listener is None and self._listen is not None and not self._closed:
                self._listener = HeadListener(self._listen, self._noticed, self._listener_state)
                self._listener.start()
        return woken

    def unsubscribe(self, woken: asyncio.Event) -> None:
        with self._lock:
            self._subscribers = {s for s in self._subscribers if s[1] is not woken}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread, listener = self._thread, self._listener
        self._nudged.set()
        if thread is not None:
            thread.join(timeout=5)
        if listener is not None:
            listener.close()

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
            # Listening, nothing but a nudge (a notice, a local insert, the listener's state,
            # close) can move the head: no polling.
            self._nudged.wait(SETTLE_STEP if settling else None if self._listening else self.poll_seconds)

    def _wake(self, subscribers: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
        for loop, woken in subscribers:
            try:
                loop.call_soon_threadsafe(woken.set)
            except RuntimeError:  # its loop has closed: the connection is gone
                self.unsubscribe(woken)
