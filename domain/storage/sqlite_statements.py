"""SQLite connections that keep their prepared statements.

eventsourcing opens its SQLite connections with `cached_statements=True`, which the sqlite3
module reads as a cache of one statement: each statement but the one run last is compiled
again. An append runs some twenty distinct statements in its transaction (the event, its leaf
and tree nodes, the indexes' and views' rows), so every one of them was compiled on every
append: about a fifth of a single-event append's time. The library's connections are made
with a cache of STATEMENTS statements instead: more than an append runs (64 did as well as
256 for a single-event append; the server's RSS after 1,000,000 appended events was 316 MB
with either).

The library names the module `sqlite3` and calls `sqlite3.connect`; it is handed a view of the
module whose `connect` sets the cache size and which is the module in everything else."""

from __future__ import annotations

import sqlite3
from typing import Any

import eventsourcing.sqlite

STATEMENTS = 64


class _WithStatementCache:
    def __getattr__(self, name: str) -> Any:
        return getattr(sqlite3, name)

    @staticmethod
    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs["cached_statements"] = STATEMENTS
        return sqlite3.connect(*args, **kwargs)


def install() -> None:
    """Idempotent: the library's module is given the view once."""
    if not isinstance(eventsourcing.sqlite.sqlite3, _WithStatementCache):
        eventsourcing.sqlite.sqlite3 = _WithStatementCache()  # type: ignore[assignment]
