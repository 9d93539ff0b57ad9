"""The part of a DB-API cursor our SQL uses: eventsourcing hands its SQLite and psycopg
cursors to the code that writes beside the events, and reads use the same shape."""

from __future__ import annotations

from typing import Any, Protocol


class Cursor(Protocol):
    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...
