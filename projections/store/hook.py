"""The read models' TransactionHook: registered with the application, it keeps the stored
views in step inside each append's transaction, so a read right after a 201 sees the event.
It uses only the cursor it is given: another connection would not see the uncommitted rows
(and on SQLite would wait for the very lock this transaction holds)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor, TransactionHook

from projections.store import counts, recorded_order, schema
from projections.store.index import Entity, forget_from, index_events
from projections.store.loading import events_after, rows
from projections.store.refresh import refresh_entity, refresh_negotiation

PAGE_SIZE = 1000


def apply_events(cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]],
                 seen: set[Entity] | None = None) -> None:
    """An entity first met in these events is folded from them rather than read back from the
    index. `seen`, when given, holds every entity indexed before these events and is kept up
    to date: a rebuild from empty tables passes it; without it, the index is asked."""
    if not events:
        return
    first = min(e["position"] for e in events)
    # Fed from empty tables in position order, nothing can be left behind a position.
    stale = forget_from(cursor, dialect, first) if seen is None else set()
    touching: dict[Entity, list[int]] = {}
    touched = stale | index_events(cursor, dialect, events, touching)
    at = {e["position"]: e for e in events}
    moved: dict[str, dict[str, int]] = {}
    for negotiation_id, kind, key in sorted(touched):
        if kind != "negotiation":
            entity = (negotiation_id, kind, key)
            # An entity these events bring (no event before them touches it) is folded from
            # them rather than read back: a batch of new disputes and rounds otherwise reads
            # each one's events again, just written.
            if seen is not None:
                fresh = entity not in seen
            else:
                fresh = entity not in stale and not _touched_before(cursor, dialect, entity, first)
            own = [at[p] for p in touching[entity]] if fresh else None
            change = refresh_entity(cursor, dialect, negotiation_id, kind, key, own, fresh=fresh)
            by_kind = moved.setdefault(negotiation_id, {})
            by_kind[kind] = by_kind.get(kind, 0) + change
    if seen is not None:
        seen.update(touched)
        return  # a rebuild counts each negotiation once, at the end (see catch_up)
    # Every event moves its negotiation's counts, so each negotiation is refreshed, after its
    # entities: the counts come from their rows. Only after index rows were forgotten does it
    # need recounting from scratch.
    recount = {nid for nid, _, _ in stale}
    for negotiation_id in sorted({nid for nid, _, _ in touched}):
        new = None if negotiation_id in recount else [e for e in events if e["negotiation_id"] == negotiation_id]
        refresh_negotiation(cursor, dialect, negotiation_id, new, moved.get(negotiation_id))


def _touched_before(cursor: Cursor, dialect: Dialect, entity: Entity, first: int) -> bool:
    return bool(rows(cursor, dialect, "SELECT 1 AS hit FROM nl_read_touches WHERE negotiation_id = ? AND kind = ? "
                                      "AND key = ? AND position < ? LIMIT 1", [*entity, first]))


def reset(cursor: Cursor, dialect: Dialect, *, indexes: bool = True) -> None:
    for statement in schema.drop_statements() + schema.create_statements(dialect, indexes=indexes):
        cursor.execute(statement)
    schema.set_meta(cursor, dialect, "version", schema.VERSION)
    counts.mark_counted(cursor, dialect)  # empty, and counted from here on as events are indexed
    recorded_order.mark(cursor, dialect, True)  # likewise kept as events are indexed


def catch_up(cursor: Cursor, dialect: Dialect, progress: Callable[[int], None] = lambda n: None,
             also: Sequence[TransactionHook] = (), *, from_empty: bool = False, page_size: int | None = None) -> int:
    """Feeds every event not yet indexed through `apply_events` (and the `also` hooks), a page
    at a time, so memory stays bounded however long the log is. `from_empty` says the tables
    were just reset without their secondary indexes: they are built at the end (and the set
    of entities met is kept meanwhile). Returns how many it fed."""
    after, done = _indexed_head(cursor, dialect), 0
    seen: set[Entity] | None = set() if from_empty else None
    while page := events_after(cursor, dialect, after, page_size or PAGE_SIZE):
        apply_events(cursor, dialect, page, seen)
        for hook in also:
            hook.after_insert(cursor, dialect, page)
        after, done = page[-1]["position"], done + len(page)
        progress(len(page))
    if seen is not None:
        for statement in schema.index_statements():
            cursor.execute(statement)
        # Counted from the index, as an as-of answer is: once per negotiation rather than
        # moved on page by page.
        for negotiation_id in sorted({nid for nid, kind, _ in seen if kind == "negotiation"}):
            refresh_negotiation(cursor, dialect, negotiation_id)
    return done


def _indexed_head(cursor: Cursor, dialect: Dialect) -> int:
    found = rows(cursor, dialect, "SELECT MAX(position) AS p FROM nl_read_events")
    return int(found[0]["p"] or 0)


def _of_this_version(cursor: Cursor, dialect: Dialect) -> bool:
    return schema.meta(cursor, dialect, "version") == schema.VERSION


def _whole(cursor: Cursor, dialect: Dialect) -> bool:
    """Whether views of this version index every event and are counted."""
    head = rows(cursor, dialect, "SELECT MAX(position) AS p FROM nl_leaves")
    return int(head[0]["p"] or 0) <= _indexed_head(cursor, dialect) and counts.complete(cursor, dialect)


class ReadModelHook:
    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        """Creates the tables, and brings views that are missing, of an older shape or behind
        the log (a database from before they existed) up to date before the first request."""
        for statement in schema.create_statements(dialect, indexes=False):
            cursor.execute(statement)
        current = _of_this_version(cursor, dialect)
        if current:
            # Tables of an older shape may lack the columns these index; they are made anew below.
            for statement in schema.index_statements():
                cursor.execute(statement)
            recorded_order.ensure(cursor, dialect)
            if _whole(cursor, dialect):
                return
        if dialect.name == "postgres":
            # Hold appends (they take this lock too) while catching up, then look again:
            # another process may have caught up meanwhile.
            cursor.execute(f"LOCK TABLE {dialect.events_table} IN EXCLUSIVE MODE")
            current = _of_this_version(cursor, dialect)
            if current and _whole(cursor, dialect):
                return
        if not current:
            for table in schema.RETIRED:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            reset(cursor, dialect, indexes=False)
            catch_up(cursor, dialect, from_empty=True)
        else:
            # Views from before the counts by day: counted from the indexed events first, so
            # that the events indexed next are added to complete counts.
            counts.ensure(cursor, dialect)
            catch_up(cursor, dialect)

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        apply_events(cursor, dialect, events)
