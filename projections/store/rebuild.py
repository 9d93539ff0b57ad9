"""`negotiation-log rebuild`, while the service runs: the read models are built anew beside
the live ones, catch up with what was appended meanwhile, and replace them in one short
transaction.

1. Shadow copies of every read-model table (schema.TABLES and each Rebuildable's `tables`)
   are created empty, and filled from the log a page at a time through the very code that
   keeps the live ones (projections.store.shadow rewrites the table names), in transactions
   of at most STEP_SECONDS of work. On SQLite, where any write waits for the one writer, that
   bounds how long an append waits. Their secondary indexes are built once at the end of the
   fill rather than kept in step page by page where no append waits for that: on PostgreSQL
   appends never wait for these tables, and on SQLite no other process may have the file
   open (then each index is built in a write of its own, a second or so at a million events,
   should a server start meanwhile).
2. Each negotiation's counts are computed once, then appends made meanwhile are applied the
   way an append applies them, until less than a page remains.
3. The switch: holding the write lock (the events table's on PostgreSQL, the database's on
   SQLite), the rest is applied and each live table is renamed away and its copy renamed into
   place, all in one transaction. Readers see the old read models or the new ones, never a
   half-built one. On PostgreSQL a rename that cannot have its table within SWITCH_LOCK_TIMEOUT
   (a long read) gives up, and the switch is tried again after another catch-up.
4. The old tables are dropped. On SQLite, where every connection zeroes what a write frees
   (`secure_delete`, so that an erased value leaves no old copy), a table holding values (a
   view's body) is zeroed as it goes, and a big one loses its indexes first and is emptied in
   steps, so no single write is long; the others (positions, ids, keys, times) are dropped at
   once without zeroing, which is what made dropping slow.

A rebuild that dies leaves only shadow or old tables, which the next one drops first."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import PersistenceError

from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.faults import storage_cause
from domain.storage.other_processes import others_have_it_open
from domain.storage.writes import Cursor, TransactionHook

from projections.store import schema
from projections.store.hook import apply_events, reset
from projections.store.index import Entity
from projections.store.loading import events_after, rows
from projections.store.refresh import refresh_negotiation
from projections.store.shadow import Renamed, free_index_name, table_exists

# Measured on a million events: pages of 200 rebuild a fifth faster than pages of 1000 (and
# a quarter faster than 5000), the working set of each page staying in the CPU's caches.
REBUILD_PAGE = 200
# The longest a rebuild's write transaction works before it commits and lets appends in.
STEP_SECONDS = 0.25
# On SQLite, how long the write lock is then left free. A writer waiting for it (SQLite's busy
# handler) looks again every 100 ms at most: a rebuild taking the lock straight back would
# starve it (appends waited up to 4.7 s in tests/reliability/test_rebuild_while_serving.py).
# With no other process on the file there is no writer to wait for (a fifth of an offline
# rebuild's time went to these pauses); one that opens the file later is seen after the step
# in progress, at most STEP_SECONDS on.
YIELD_SECONDS = 0.11
# The switch waits at most this long for a live table (PostgreSQL); appends wait behind it.
SWITCH_LOCK_TIMEOUT = "500ms"
SWITCH_ATTEMPTS = 20
SHADOW, OLD = "__next", "__old"
# Tables of up to this many rows are dropped at once (a few tenths of a second at most);
# bigger ones are emptied this many rows per transaction first.
DROP_AT_ONCE = 100_000
CLEANUP_ROWS = 20_000


def log_size(database: Database) -> int:
    row = database.query_one("SELECT COUNT(*) AS n FROM nl_leaves")
    return int(row["n"]) if row else 0


class Rebuildable(TransactionHook, Protocol):
    """An index refilled by the rebuild: emptied first, completed last. `tables` are all the
    tables it writes (the rebuild builds copies of exactly those, and refuses writes to any
    other); `holds_values` says whether their rows hold recorded values an erasure may remove
    (their old pages are then zeroed when dropped)."""

    tables: tuple[str, ...]
    holds_values: bool

    def reset(self, cursor: Cursor, dialect: Dialect) -> None: ...

    def finish(self, cursor: Cursor, dialect: Dialect) -> None: ...


class _Shadow:
    """The rebuild's transactions, each with a cursor on the shadow copies."""

    def __init__(self, database: Database, tables: Sequence[str]) -> None:
        self.database, self.dialect, self.tables = database, database.dialect, list(tables)
        self.names = {t: t + SHADOW for t in self.tables}
        self._index_name = free_index_name(self.dialect)

    @contextmanager
    def step(self) -> Iterator[Cursor]:
        """One of the rebuild's short write transactions, on the copies."""
        with self.database.write_transaction() as raw:
            yield self.renamed(raw)
        pause(self.database)

    def renamed(self, raw: Cursor) -> Renamed:
        return Renamed(raw, self.names, self._index_name, only_writes_to=self.names.values())

    def head(self, cursor: Cursor) -> int:
        return int(rows(cursor, self.dialect, "SELECT MAX(position) AS p FROM nl_read_events")[0]["p"] or 0)


def pause(database: Database) -> None:
    """After each of the rebuild's write transactions: let a waiting SQLite writer in, if
    another process could be one. Only other processes are seen: the rebuild runs as a
    command of its own (`negotiation-log rebuild`), never inside a server."""
    if database.dialect.name == "sqlite" and others_have_it_open(_file(database)):
        time.sleep(YIELD_SECONDS)


def _file(database: Database) -> str:
    """The SQLite file's path as SQLite resolved it ("" in memory)."""
    found = [r for r in database.query("PRAGMA database_list") if r["name"] == "main"]
    return str(found[0]["file"]) if found else ""


def rebuild(database: Database, progress: Callable[[int], None] = lambda n: None,
            also: Sequence[Rebuildable] = ()) -> int:
    """Returns the number of events replayed into the new read models."""
    dialect = database.dialect
    tables = [*schema.TABLES, *(t for index in also for t in index.tables)]
    zeroed = {*schema.HOLDING_VALUES, *(t for index in also if index.holds_values for t in index.tables)}
    _drop(database, [t + suffix for t in tables for suffix in (SHADOW, OLD)],
          {t + suffix for t in zeroed for suffix in (SHADOW, OLD)})
    shadow = _Shadow(database, tables)
    indexes_at_end = dialect.name == "postgres" or not others_have_it_open(_file(database))
    with shadow.step() as cursor:
        reset(cursor, dialect, indexes=not indexes_at_end)
        for index in also:
            index.reset(cursor, dialect)
            if not indexes_at_end:
                index.finish(cursor, dialect)  # kept in step from here on, never built in one long write
    seen: set[Entity] = set()
    replayed = _fill(shadow, also, progress, seen)
    if indexes_at_end:
        _build_indexes(shadow, also)
    _count(shadow, sorted({nid for nid, kind, _ in seen if kind == "negotiation"}))
    replayed += _catch_up(shadow, also, progress, until_less_than=REBUILD_PAGE)
    replayed += _switch(shadow, also, progress)
    _drop(database, [t + OLD for t in tables], {t + OLD for t in zeroed})
    return replayed


def _build_indexes(shadow: _Shadow, also: Sequence[Rebuildable]) -> None:
    """The copies' secondary indexes, after the fill: all in one transaction on PostgreSQL,
    each in one of its own on SQLite."""
    dialect = shadow.dialect
    builds: list[str | Rebuildable] = [*schema.index_statements(), *also]

    def build(cursor: Cursor, what: str | Rebuildable) -> None:
        if isinstance(what, str):
            cursor.execute(what)
        else:
            what.finish(cursor, dialect)

    if dialect.name == "postgres":
        with shadow.step() as cursor:
            for what in builds:
                build(cursor, what)
        return
    for what in builds:
        with shadow.step() as cursor:
            build(cursor, what)


def _pages(shadow: _Shadow, cursor: Cursor, after: int, *, bounded: bool = True) -> Iterator[list[dict[str, Any]]]:
    """Pages of the log after `after`: up to the head, or (`bounded`) until the step's time is up."""
    deadline = time.monotonic() + STEP_SECONDS
    while page := events_after(cursor, shadow.dialect, after, REBUILD_PAGE):
        yield page
        after = page[-1]["position"]
        if len(page) < REBUILD_PAGE or bounded and time.monotonic() > deadline:
            return


def _fill(shadow: _Shadow, also: Sequence[Rebuildable], progress: Callable[[int], None], seen: set[Entity]) -> int:
    """From empty tables: an entity first met is folded from the page in hand (see apply_events)."""
    done, more = 0, True
    while more:
        more = False
        with shadow.step() as cursor:
            for page in _pages(shadow, cursor, shadow.head(cursor)):
                apply_events(cursor, shadow.dialect, page, seen)
                for index in also:
                    index.after_insert(cursor, shadow.dialect, page)
                done += len(page)
                progress(len(page))
                more = len(page) == REBUILD_PAGE
    return done


def _count(shadow: _Shadow, negotiation_ids: list[str]) -> None:
    """Each negotiation's counts, from the new index, once (a rebuild does not move them page by page)."""
    while negotiation_ids:
        with shadow.step() as cursor:
            deadline = time.monotonic() + STEP_SECONDS
            while negotiation_ids and time.monotonic() < deadline:
                refresh_negotiation(cursor, shadow.dialect, negotiation_ids.pop())


def _apply(shadow: _Shadow, cursor: Cursor, also: Sequence[Rebuildable], progress: Callable[[int], None],
           *, bounded: bool = True) -> int:
    """Appends made since the copy's head, applied as an append applies them; returns how many."""
    done = 0
    for page in _pages(shadow, cursor, shadow.head(cursor), bounded=bounded):
        apply_events(cursor, shadow.dialect, page)
        for index in also:
            index.after_insert(cursor, shadow.dialect, page)
        done += len(page)
        progress(len(page))
    return done


def _catch_up(shadow: _Shadow, also: Sequence[Rebuildable], progress: Callable[[int], None],
              until_less_than: int) -> int:
    done = 0
    while True:
        with shadow.step() as cursor:
            applied = _apply(shadow, cursor, also, progress)
        done += applied
        if applied < until_less_than:
            return done


def _switch(shadow: _Shadow, also: Sequence[Rebuildable], progress: Callable[[int], None]) -> int:
    dialect = shadow.dialect
    done = 0
    for attempt in range(SWITCH_ATTEMPTS):
        try:
            with shadow.database.write_transaction() as raw:
                if dialect.name == "postgres":
                    raw.execute(f"SET LOCAL lock_timeout = '{SWITCH_LOCK_TIMEOUT}'")
                    raw.execute(f"LOCK TABLE {dialect.events_table} IN EXCLUSIVE MODE")
                # All of it: the new tables must not go live behind the log.
                applied = _apply(shadow, shadow.renamed(raw), also, progress, bounded=False)
                for table in shadow.tables:
                    if table_exists(raw, dialect, table):
                        raw.execute(f"ALTER TABLE {table} RENAME TO {table}{OLD}")
                    raw.execute(f"ALTER TABLE {table}{SHADOW} RENAME TO {table}")
            return done + applied
        except PersistenceError as e:
            if dialect.name != "postgres" or storage_cause(e) != "lock-timeout" or attempt == SWITCH_ATTEMPTS - 1:
                raise
        # A long read held a live table: let appends go on, catch up again, and retry.
        done += _catch_up(shadow, also, progress, until_less_than=REBUILD_PAGE)
    raise AssertionError("unreachable")


def _drop(database: Database, tables: Sequence[str], zeroed: Collection[str]) -> None:
    """Drops the tables that exist. SQLite frees a table's pages in the one write that drops it,
    zeroing each (2.6 s for a table of 1.5M rows, 220 MB): a big table of those `zeroed` is
    emptied in steps first. The others are dropped at once with zeroing off (0.12 s for five
    tables of 300,000 rows, against 1.7 s): their pages hold no value an erasure could need
    gone."""
    dialect = database.dialect
    for table in tables:
        with database.transaction(commit=False) as cursor:
            if not table_exists(cursor, dialect, table):
                continue
            big = dialect.name == "sqlite" and table in zeroed and bool(rows(
                cursor, dialect, f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table} LIMIT {DROP_AT_ONCE + 1})")[0]["n"]
                > DROP_AT_ONCE)
        if big:
            # Each row deleted would also be taken out of every index on it, one entry at a
            # time: dropped first, an index frees its pages in one short write of its own.
            for name in _indexes_of(database, table):
                with database.write_transaction() as cursor:
                    cursor.execute(f"DROP INDEX IF EXISTS {name}")
                pause(database)
        while big:
            with database.write_transaction() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} LIMIT ?)",
                               (CLEANUP_ROWS,))
                cursor.execute("SELECT changes() AS n")
                big = cursor.fetchone()["n"] == CLEANUP_ROWS
            pause(database)
        with database.write_transaction() as cursor, _zeroing(cursor, dialect, table in zeroed):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        pause(database)


@contextmanager
def _zeroing(cursor: Cursor, dialect: Dialect, on: bool) -> Iterator[None]:
    """SQLite's secure_delete off for what runs inside, unless `on`; back on after, as every
    connection has it (domain.storage.recorders)."""
    if on or dialect.name != "sqlite":
        yield
        return
    cursor.execute("PRAGMA secure_delete = OFF")
    try:
        yield
    finally:
        cursor.execute("PRAGMA secure_delete = ON")


def _indexes_of(database: Database, table: str) -> list[str]:
    """The SQLite table's indexes that can be dropped (not those of its constraints)."""
    return [r["name"] for r in database.query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", [table])]
