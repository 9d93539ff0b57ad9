"""`negotiation-log rebuild`: drop every read model and recreate it from the log, streamed a
page at a time, in one transaction, so readers see either the old views or the new ones."""

from __future__ import annotations

from collections.abc import Callable

from domain.storage.database import Database

from projections.store.hook import catch_up, reset


def log_size(database: Database) -> int:
    row = database.query_one("SELECT COUNT(*) AS n FROM nl_chain")
    return int(row["n"]) if row else 0


def rebuild(database: Database, progress: Callable[[int], None] = lambda n: None) -> int:
    """Returns the number of events replayed. Appends wait for it (they need the same lock)."""
    dialect = database.dialect
    with database.transaction(commit=True) as cursor:
        if dialect.name == "postgres":
            cursor.execute(f"LOCK TABLE {dialect.events_table} IN EXCLUSIVE MODE")
        reset(cursor, dialect)
        return catch_up(cursor, dialect, progress)
