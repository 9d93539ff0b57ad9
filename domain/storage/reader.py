"""Read-only access to the log for the checks that read all of it: through the service's own
pool (`Reader.over`), or, in a worker process, over a connection of its own (`open_reader`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from domain.storage.backend import is_postgres
from domain.storage.cursor import Cursor
from domain.storage.database import Database
from domain.storage.dialect import POSTGRES, SQLITE, Dialect
from domain.storage.tree import read_range


@dataclass(frozen=True)
class Reader:
    dialect: Dialect
    cursor: Callable[[], AbstractContextManager[Cursor]]

    @classmethod
    def over(cls, db: Database) -> Reader:
        return cls(db.dialect, lambda: db.transaction(commit=False))

    def query(self, sql: str, params: Sequence[Any]) -> list[Mapping[str, Any]]:
        """`sql` with `?` placeholders, as everywhere in our code."""
        with self.cursor() as cursor:
            cursor.execute(self.dialect.sql(sql), tuple(params))
            return list(cursor.fetchall())

    def range(self, level: int, start: int, end: int) -> list[bytes]:
        with self.cursor() as cursor:
            return read_range(cursor, self.dialect, level, start, end)


def open_reader(url: str) -> Reader:
    """A connection of this process's own, for reading only."""
    if is_postgres(url):
        import psycopg
        from psycopg.rows import dict_row

        connection: Any = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        dialect = POSTGRES
    else:
        connection = sqlite3.connect(f"file:{url}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        dialect = SQLITE

    @contextmanager
    def cursor() -> Iterator[Cursor]:
        yield connection.cursor()

    return Reader(dialect, cursor)
