"""Telling every API process on one PostgreSQL database that the log grew.

Each append transaction sends `NOTIFY nl_head, '<its highest position>'` (HeadNotifier, a
transaction hook): PostgreSQL delivers it to every listening session when, and only if, the
transaction commits, in commit order. Each process keeps one connection of its own listening
(HeadListener, a thread) and passes every notice on to its LiveHead, which wakes that
process's live streams at once instead of at the next poll.

If the listening connection drops (a database restart, a killed backend), the listener says
so, LiveHead falls back to polling, and the listener reconnects with a growing pause; once it
listens again it says so, and the head is read once, in case something was committed while
nobody listened."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

CHANNEL = "nl_head"
APPLICATION_NAME = "negotiation-log live head"
# How long one wait for notices lasts, so that close() is noticed.
WAIT_SECONDS = 1.0
MAX_RECONNECT_PAUSE = 5.0
log = logging.getLogger("negotiation_log")


class HeadNotifier:
    """The TransactionHook: one notice per append transaction, sent with it."""

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        pass

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        if events and dialect.name == "postgres":
            cursor.execute(dialect.sql("SELECT pg_notify(?, ?)"), (CHANNEL, str(events[-1]["position"])))


class HeadListener:
    """`on_notice(position)` for every notice; `on_state(listening)` when the connection comes
    up or goes down. `connect` opens a fresh autocommit connection."""

    def __init__(self, connect: Callable[[], Any], on_notice: Callable[[int], None],
                 on_state: Callable[[bool], None]) -> None:
        self._connect = connect
        self._on_notice = on_notice
        self._on_state = on_state
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="head-listener", daemon=True)
        self._connection: Any = None

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=WAIT_SECONDS + 5)

    def _run(self) -> None:
        pause = 0.1
        while not self._closed.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._on_state(True)
                    pause = 0.1
                    self._listen(connection)
            except Exception:  # the database went away: poll meanwhile, then listen again
                log.warning("live feed: not listening for new events; polling until the database is back",
                            exc_info=log.isEnabledFor(logging.DEBUG))
            self._on_state(False)
            self._closed.wait(pause)
            pause = min(MAX_RECONNECT_PAUSE, pause * 2)

    def _listen(self, connection: Any) -> None:
        while not self._closed.is_set():
            for notice in connection.notifies(timeout=WAIT_SECONDS):
                try:
                    position = int(notice.payload)
                except ValueError:
                    continue
                self._on_notice(position)
