"""Plain SQL on the application's own datastore, for our tables and for reads that the
eventsourcing recorder API does not offer (joins with the chain, lookups by event id)."""

from __future__ import annotations

import sqlite3
import time

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError

from domain.storage.dialect import Dialect
from domain.storage.faults import storage_cause

LOST_CONNECTION = ("connection", "database-restarting")


class Database:
    def __init__(self, recorder: Any) -> None:
        self.datastore = recorder.datastore
        self.dialect: Dialect = recorder.dialect
        self.events_table = self.dialect.events_table
        assert recorder.events_table_name == self.events_table, recorder.events_table_name

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    @contextmanager
    def write_transaction(self) -> Iterator[Any]:
        """A committed transaction that holds the write lock from its start, for work that reads
        and then writes beside other processes' writes. On SQLite a plain (deferred) BEGIN that
        reads first fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT) when another
        process committed in between; BEGIN IMMEDIATE waits for the lock (the busy timeout)
        before anything is read. On PostgreSQL, an ordinary transaction."""
        if self.dialect.name != "sqlite":
            with self.transaction(commit=True) as cursor:
                yield cursor
            return
        with self.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                try:
                    yield cursor
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
            except sqlite3.IntegrityError as e:
                raise IntegrityError(e) from e
            except sqlite3.Error as e:
                raise OperationalError(e) from e

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Mapping[str, Any]]:
        # A pooled connection may have died while idle (a database restart, a killed backend);
        # the pool drops it once it comes back broken. A read is tried again on another, as
        # eventsourcing's own reads are, up to one more time than the pool holds connections.
        attempts = int(getattr(self.datastore.pool, "max_size", 0)) + 1
        for attempt in range(attempts):
            try:
                with self.transaction(commit=False) as cursor:
                    cursor.execute(self.dialect.sql(statement), tuple(params))
                    return list(cursor.fetchall())
            except (InterfaceError, OperationalError) as e:
                if attempt == attempts - 1 or storage_cause(e) not in LOST_CONNECTION:
                    raise
        raise AssertionError("unreachable")

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> Mapping[str, Any] | None:
        rows = self.query(statement, params)
        return rows[0] if rows else None

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Runs one write in its own transaction; returns the number of rows it touched."""
        with self.transaction(commit=True) as cursor:
            cursor.execute(self.dialect.sql(statement), tuple(params))
            # eventsourcing wraps sqlite3's cursor without passing rowcount through.
            return int(getattr(cursor, "sqlite_cursor", cursor).rowcount)

    def truncate_wal(self, attempts: int = 50) -> bool:
        """SQLite: copies the WAL into the database file and truncates it to nothing, so that
        pages rewritten by an erasure leave no older copy in the WAL. Readers that still hold
        an older snapshot make it wait (a few tries); False if they never let go."""
        if self.dialect.name != "sqlite":
            return True
        for _ in range(attempts):
            with self.datastore.get_connection(commit=True) as connection:
                busy, _, _ = connection._sqlite_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            time.sleep(0.02)
        return False
