"""SQL behind the service's back, on either backend, for tampering and inspection tests.

Statements are written as for SQLite (`stored_events`, `rowid`, `?` placeholders) and
translated for PostgreSQL; rows can be read by column name or by index on both."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import psycopg

from domain.storage.backend import is_postgres
from domain.storage.dialect import POSTGRES, SQLITE


class _Row(dict):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        return list(self.values())[key] if isinstance(key, int) else super().__getitem__(key)


def _rows(cursor: Any) -> Any:
    names = [c.name for c in cursor.description] if cursor.description else []
    return lambda values: _Row(zip(names, values, strict=True))


class RawDB:
    def __init__(self, url: str) -> None:
        self.dialect = POSTGRES if is_postgres(url) else SQLITE
        if self.dialect is POSTGRES:
            self.connection: Any = psycopg.connect(url, autocommit=True, row_factory=_rows)
        else:
            self.connection = sqlite3.connect(url, isolation_level=None)
            self.connection.row_factory = sqlite3.Row

    def sql(self, statement: str) -> str:
        statement = statement.replace("stored_events", self.dialect.events_table)
        return self.dialect.sql(statement.replace("rowid", self.dialect.position_column))

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.connection.execute(self.sql(statement), tuple(params))

    def one(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row."""
        row = self.execute(statement, params).fetchone()
        return None if row is None else row[0]

    def state(self, position: int) -> bytes:
        return bytes(self.one("SELECT state FROM stored_events WHERE rowid = ?", [position]))

    def set_state(self, position: int, state: bytes) -> None:
        self.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [state, position])

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> RawDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
