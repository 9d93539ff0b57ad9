"""The eventsourcing application recorder for PostgreSQL, extended at the one point where the
events are inserted but the transaction is still open. Imported only for a PostgreSQL log:
psycopg and its libraries cost a server on SQLite 9 MB of resident memory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
import psycopg
from psycopg import Cursor as PgCursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from domain.storage.dialect import POSTGRES
from domain.storage.statement_cursor import StatementCursor
from domain.storage.tables import create_statements
from domain.storage.writes import PendingWrite, write_beside_events


class _Abort(BaseException):
    """Carries an exception out of the insert's transaction so that it rolls back.

    eventsourcing 9.5.6 catches any `Exception` raised after the insert (to keep psycopg's
    pipeline quiet), lets the transaction block end normally, which commits, and only then
    re-raises it: a bug or a RecursionError in a hook would store events whose request failed.
    A database error aborts the transaction on the server, so that commit is a rollback; any
    other exception travels as this BaseException, which the library does not catch."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(cause)
        self.cause = cause


class PostgresLogRecorder(PostgresApplicationRecorder):
    dialect = POSTGRES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sql_create_statements.extend(SQL(s) for s in create_statements(POSTGRES))  # type: ignore[arg-type]

    def _fetch_ids_after_insert_events(self, curs: PgCursor[DictRow], stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        # Runs inside the insert's transaction, after the EXCLUSIVE table lock was taken,
        # so no other process can be extending the chain at the same time. The transaction
        # is pipelined: our statements each get a cursor of their own (see StatementCursor).
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        write: PendingWrite | None = kwargs.get("nl_write")
        if write is not None and positions:
            try:
                write_beside_events(StatementCursor(curs.connection), POSTGRES, stored_events, positions, write)
            except psycopg.Error:
                raise
            except Exception as e:
                raise _Abort(e) from None
        return positions

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        try:
            return super().insert_events(stored_events, **kwargs)
        except _Abort as abort:
            raise abort.cause from None
