"""A cursor for our statements inside eventsourcing's PostgreSQL insert transaction.

eventsourcing 9.5 runs that transaction in psycopg's pipeline mode: statements are sent without
waiting, and each answer is attached, whenever the server flushes it, to the cursor that sent
the statement. A query read back on a cursor that still has answers in flight (the rows of an
executemany, an INSERT without fetch) may be handed one of those instead of its own: an
error ("the last operation didn't produce records"), or silently an earlier query's rows,
depending on timing. Each statement here gets a cursor of its own on the transaction's
connection, so every fetch reads the answer to the statement just executed; the pipeline,
and its saved round trips, stay as they are."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Connection
from psycopg import Cursor as PgCursor


class StatementCursor:
    """The Cursor of domain.storage.writes, over one psycopg connection."""

    def __init__(self, connection: Connection[Any]) -> None:
        self._connection = connection
        self._last: PgCursor[Any] | None = None

    def execute(self, statement: Any, params: Any = None) -> StatementCursor:
        self._last = self._connection.cursor()
        self._last.execute(statement, params)
        return self

    def executemany(self, statement: Any, params_seq: Iterable[Any]) -> None:
        self._connection.cursor().executemany(statement, params_seq)
        self._last = None

    def fetchone(self) -> Any:
        return self._require_last().fetchone()

    def fetchall(self) -> list[Any]:
        return self._require_last().fetchall()

    def _require_last(self) -> PgCursor[Any]:
        if self._last is None:
            raise RuntimeError("fetch without a query: executemany has no rows to read")
        return self._last
