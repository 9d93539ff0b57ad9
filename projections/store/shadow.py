"""Running the read models' own SQL against other tables: the shadow copies a rebuild fills
while the service keeps serving the live ones (projections.store.rebuild).

Every read-model statement names its tables as they are live (`nl_read_events`, `nl_timeline`,
...). A `Renamed` cursor rewrites, in each statement, the tables of a given list to their
shadow names, and the names of the indexes it creates or drops by a `Naming` rule, then runs
it on the real cursor; reads of anything else (the events, the chain) go through unchanged.
So the folds, the indexing and every hook's `reset`/`after_insert`/`finish` build the new
read models exactly as they keep the live ones, whatever tables the schema lists.

Index names: SQLite cannot rename an index, and a table renamed into place keeps the names of
its indexes. So each index name alternates between its own name and that name + ALTERNATE:
a rebuild gives the new tables' indexes whichever of the two is not in use, and when the
tables are created at start (CREATE INDEX IF NOT EXISTS) the name in use is kept, so that an
index is never built twice under two names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

ALTERNATE = "__b"
INDEX_DDL = re.compile(r"(?P<head>\b(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?|"
                       r"DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?))(?P<name>\w+)", re.IGNORECASE)
WRITE_TARGET = re.compile(r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|"
                          r"CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?|ALTER\s+TABLE|"
                          r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\s+ON)\s+(\w+)", re.IGNORECASE)


class ShadowWriteRefused(Exception):
    """A rebuild statement would write a table that is not one of the shadow copies: a table
    the rebuild was not told of (list it in schema.TABLES, or in the hook's `tables`)."""


def _exists(cursor: Cursor, dialect: Dialect, kind: str, name: str) -> bool:
    if dialect.name == "postgres":  # tables and indexes share one namespace of relations there
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (name,))
        return bool(cursor.fetchone()["found"])
    cursor.execute("SELECT COUNT(*) AS found FROM sqlite_master WHERE type = ? AND name = ?", (kind, name))
    return bool(cursor.fetchone()["found"])


def index_exists(cursor: Cursor, dialect: Dialect, name: str) -> bool:
    return _exists(cursor, dialect, "index", name)


def table_exists(cursor: Cursor, dialect: Dialect, name: str) -> bool:
    return _exists(cursor, dialect, "table", name)


IndexNamer = Callable[[Cursor, str], str]


def live_index_name(dialect: Dialect) -> IndexNamer:
    """The name in use: the alternate if an index of that name exists."""
    return lambda cursor, name: name + ALTERNATE if index_exists(cursor, dialect, name + ALTERNATE) else name


def free_index_name(dialect: Dialect) -> IndexNamer:
    """The name not in use, decided once per name (the rebuild creates some indexes twice)."""
    decided: dict[str, str] = {}

    def namer(cursor: Cursor, name: str) -> str:
        if name not in decided:
            decided[name] = name + ALTERNATE if index_exists(cursor, dialect, name) else name
        return decided[name]
    return namer


class Renamed:
    """The Cursor of domain.storage.writes over `cursor`, with tables and index names
    rewritten; with `only_writes_to`, any write elsewhere is refused before it runs."""

    def __init__(self, cursor: Cursor, tables: Mapping[str, str], index_name: IndexNamer,
                 only_writes_to: Iterable[str] | None = None) -> None:
        self._cursor = cursor
        self._index_name = index_name
        self._tables = re.compile(r"\b(" + "|".join(map(re.escape, tables)) + r")\b") if tables else None
        self._map = dict(tables)
        self._writable = None if only_writes_to is None else set(only_writes_to)
        # A rebuild's step runs the same few statements thousands of times: each is rewritten
        # once (not those naming an index, whose name depends on what exists at the time).
        self._rewritten: dict[str, str] = {}

    def rewrite(self, statement: str) -> str:
        if (known := self._rewritten.get(statement)) is not None:
            return known
        rewritten, named = INDEX_DDL.subn(lambda m: m["head"] + self._index_name(self._cursor, m["name"]), statement)
        if self._tables is not None:
            rewritten = self._tables.sub(lambda m: self._map[m[1]], rewritten)
        target = WRITE_TARGET.match(rewritten)
        if self._writable is not None and target and target[1] not in self._writable:
            raise ShadowWriteRefused(f"a rebuild may write only {sorted(self._writable)}, not {target[1]}: {rewritten}")
        if not named:
            self._rewritten[statement] = rewritten
        return rewritten

    def execute(self, statement: Any, params: Any = ()) -> Any:
        return self._cursor.execute(self.rewrite(statement), params)

    def executemany(self, statement: Any, params_seq: Any) -> Any:
        return self._cursor.executemany(self.rewrite(statement), params_seq)  # type: ignore[attr-defined]

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> Any:
        return self._cursor.fetchall()


class LiveIndexNames:
    """A TransactionHook whose `create_tables` keeps the index names a rebuild left in use
    (so that CREATE INDEX IF NOT EXISTS finds them); everything else is the hook's own."""

    def __init__(self, hook: Any) -> None:
        self.hook = hook

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        self.hook.create_tables(Renamed(cursor, {}, live_index_name(dialect)), dialect)

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Any) -> None:
        self.hook.after_insert(cursor, dialect, events)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.hook, name)
