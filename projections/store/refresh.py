"""Recomputing stored states: an entity from its own events only, through the same folds that
answer time-travel queries, so the stored view and a replay cannot disagree."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

from projections.entities import is_correction, last_position, since, states, view
from projections.store.loading import entity_events, rows
from projections.store.negotiations import COUNT_NAMES, negotiation_at, own_fields
from projections.store.schema import micros


def refresh_entity(cursor: Cursor, dialect: Dialect, negotiation_id: str, kind: str, key: str) -> None:
    events = entity_events(cursor, dialect, negotiation_id, kind, key)
    state = states(kind, events).get(key)
    body = view(kind, state) if state else None
    _store(cursor, dialect, negotiation_id, kind, key, body,
           since_us=micros(since(state)) if state else 0, position=last_position(events))


def refresh_negotiation(cursor: Cursor, dialect: Dialect, negotiation_id: str,
                        new: Sequence[dict[str, Any]] | None = None) -> None:
    """With the events just added (`new`), the counts move by what they add and retract, so a
    long negotiation is not recounted on every append; without them, or with no stored view
    yet, it is counted from the index."""
    stored = _stored_body(cursor, dialect, negotiation_id) if new else None
    body = negotiation_at(cursor, dialect, negotiation_id) if stored is None else \
        _moved_on(cursor, dialect, negotiation_id, stored, new)  # type: ignore[arg-type]
    _store(cursor, dialect, negotiation_id, "negotiation", negotiation_id, body, since_us=0,
           position=body["position"] if body else 0)


def _moved_on(cursor: Cursor, dialect: Dialect, negotiation_id: str, stored: dict[str, Any],
              new: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    own = own_fields(cursor, dialect, negotiation_id)
    if own is None:
        return None
    counts = dict(stored["counts"])
    for event in new:
        if event["type"] == "record.retracted":
            # The target is a live fact (the log refuses anything else), now gone.
            [target] = rows(cursor, dialect, "SELECT type FROM nl_read_events WHERE event_id = ?",
                            [event["target_event_id"]])
            counts["events"] -= 1
            counts["statements"] -= target["type"] == "statement.issued"
        elif not is_correction(event):
            counts["events"] += 1
            counts["statements"] += event["type"] == "statement.issued"
    per_kind = {r["kind"]: int(r["n"]) for r in rows(
        cursor, dialect, "SELECT kind, COUNT(*) AS n FROM nl_read_models WHERE negotiation_id = ? "
                         "AND kind <> 'negotiation' GROUP BY kind", [negotiation_id])}
    counts.update({name: per_kind.get(kind, 0) for kind, name in COUNT_NAMES.items()})
    last = max(new, key=lambda e: e["position"])
    return {**own, "counts": counts, "version": last["version"], "position": last["position"]}


def _stored_body(cursor: Cursor, dialect: Dialect, negotiation_id: str) -> dict[str, Any] | None:
    found = rows(cursor, dialect, "SELECT body FROM nl_read_models WHERE negotiation_id = ? AND kind = "
                                  "'negotiation' AND key = ?", [negotiation_id, negotiation_id])
    return json.loads(found[0]["body"]) if found else None  # type: ignore[no-any-return]


def _store(cursor: Cursor, dialect: Dialect, negotiation_id: str, kind: str, key: str,
           body: dict[str, Any] | None, *, since_us: int, position: int) -> None:
    """Replaces the row; no body means the entity does not exist (any more)."""
    cursor.execute(dialect.sql("DELETE FROM nl_read_models WHERE negotiation_id = ? AND kind = ? AND key = ?"),
                   (negotiation_id, kind, key))
    if body is not None:
        cursor.execute(dialect.sql(
            "INSERT INTO nl_read_models (negotiation_id, kind, key, since_us, position, body) "
            "VALUES (?, ?, ?, ?, ?, ?)"),
            (negotiation_id, kind, key, since_us, position, json.dumps(body, ensure_ascii=False)))
