"""Indexing new events: one row per event with its times, and one per entity it touches. A
correction or retraction is indexed under its target's entities (a correction cannot move a
fact to another entity, see domain.knowledge.KEY_FIELDS) and marks its target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

from projections.entities import is_correction, touches
from projections.replay import CORRECTION_TYPES
from projections.store import counts, recorded_order
from projections.store.loading import events_at, rows
from projections.store.schema import fact_role, stored_micros

Entity = tuple[str, str, str]  # (negotiation id, kind, key)


INSERT_EVENT = ("INSERT INTO nl_read_events (position, negotiation_id, version, event_id, type, occurred_us, "
                "recorded_us, target_position, recorded_by, fact_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_TOUCH = "INSERT INTO nl_read_touches (negotiation_id, kind, key, position) VALUES (?, ?, ?, ?)"


def index_events(cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]],
                 touching: dict[Entity, list[int]] | None = None) -> set[Entity]:
    """Indexes `events` (in position order, so a target in the same batch comes first) and
    returns the entities whose state they may change, each negotiation's own among them;
    `touching`, if given, gets the positions of the events indexed under each entity.
    Rows are written in runs with executemany; a correction first writes the run before it,
    since it looks its target up in the index (the target may be in that run)."""
    touched: set[Entity] = set()
    deltas: counts.Deltas = {}
    event_rows: list[tuple[Any, ...]] = []
    touch_rows: list[tuple[str, str, str, int]] = []
    recorded: list[int] = []
    ordered = sorted(events, key=lambda e: e["position"])
    for event in ordered:
        nid, position = event["negotiation_id"], event["position"]
        touched.add((nid, "negotiation", nid))
        target = None
        if is_correction(event):
            _write(cursor, dialect, event_rows, touch_rows)
            target = _target_position(cursor, dialect, event)
        occurred_us = stored_micros(event["occurred_from"])
        recorded.append(stored_micros(event["recorded_at"]))
        event_rows.append((position, nid, event["version"], event["event_id"], event["type"],
                           occurred_us, recorded[-1], target, event["recorded_by"], fact_role(event["type"])))
        if target is None and not is_correction(event):
            counts.count(deltas, nid, occurred_us, event["type"], +1)
        if target is not None:
            flag = "retracted" if event["type"] == "record.retracted" else "corrected"
            _uncount_if_plain(cursor, dialect, deltas, target)
            cursor.execute(dialect.sql(f"UPDATE nl_read_events SET {flag} = 1 WHERE position = ?"), (target,))
            # What the target touches, as its own index rows say: a correction cannot move a
            # fact to another entity. Read from the event (by primary key), so a rebuild needs
            # no index on the touches' positions while it fills them.
            entities = touches(events_at(cursor, dialect, "f.position = ?", [target])[0])
        else:
            entities = touches(event)
        touch_rows += [(nid, kind, key, position) for kind, key in entities]
        touched.update((nid, kind, key) for kind, key in entities)
        if touching is not None:
            for kind, key in entities:
                touching.setdefault((nid, kind, key), []).append(position)
    _write(cursor, dialect, event_rows, touch_rows)
    counts.write(cursor, dialect, deltas)
    if ordered:
        recorded_order.keep(cursor, dialect, ordered[0]["position"], recorded)
    return touched


def _uncount_if_plain(cursor: Cursor, dialect: Dialect, deltas: counts.Deltas, target: int) -> None:
    """The first correction or retraction of a fact takes it out of the plain facts' counts."""
    [fact] = rows(cursor, dialect, "SELECT negotiation_id, type, occurred_us, corrected, retracted FROM nl_read_events "
                                   "WHERE position = ?", [target])
    if not fact["corrected"] and not fact["retracted"] and fact["type"] not in CORRECTION_TYPES:
        counts.count(deltas, fact["negotiation_id"], int(fact["occurred_us"]), fact["type"], -1)


def _write(cursor: Cursor, dialect: Dialect, event_rows: list[tuple[Any, ...]],
           touch_rows: list[tuple[str, str, str, int]]) -> None:
    if event_rows:
        cursor.executemany(dialect.sql(INSERT_EVENT), event_rows)  # type: ignore[attr-defined]
        event_rows.clear()
    if touch_rows:
        cursor.executemany(dialect.sql(INSERT_TOUCH), touch_rows)  # type: ignore[attr-defined]
        touch_rows.clear()


def forget_from(cursor: Cursor, dialect: Dialect, first: int) -> set[Entity]:
    """Positions only grow, so index rows at or after a new event's position can only be left
    from a log cut back behind the service's back (SQLite then hands the positions out again).
    The audit reports the cut; the index drops the rows so the service keeps appending, and
    the entities they touched are recomputed."""
    stale = rows(cursor, dialect, "SELECT negotiation_id, kind, key FROM nl_read_touches WHERE position >= ?", [first])
    stale += rows(cursor, dialect, "SELECT negotiation_id, 'negotiation' AS kind, negotiation_id AS key "
                                   "FROM nl_read_events WHERE position >= ?", [first])
    if stale:
        for table in ("nl_read_touches", "nl_read_events"):
            cursor.execute(dialect.sql(f"DELETE FROM {table} WHERE position >= ?"), (first,))
        counts.recount(cursor, dialect, {r["negotiation_id"] for r in stale})
    return {(r["negotiation_id"], r["kind"], r["key"]) for r in stale}


def _target_position(cursor: Cursor, dialect: Dialect, event: dict[str, Any]) -> int | None:
    # Found through the leaves' event id index: one index on random ids is written per event,
    # not two.
    found = rows(cursor, dialect, "SELECT f.position FROM nl_leaves c JOIN nl_read_events f ON f.position = c.position "
                                  "WHERE c.event_id = ? AND f.negotiation_id = ?",
                 [event["target_event_id"], event["negotiation_id"]])
    return int(found[0]["position"]) if found else None
