"""Recomputing stored states: an entity from its own events only, through the same folds that
answer time-travel queries, so the stored view and a replay cannot disagree."""

from __future__ import annotations

import json
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

from projections import negotiation
from projections.entities import last_position, since, states, view
from projections.replay import replay_input
from projections.store.loading import entity_events, rows
from projections.store.schema import micros

COUNTED = {"round": "rounds", "dispute": "disputes", "proposal": "proposals", "commitment": "commitments"}


def refresh_entity(cursor: Cursor, dialect: Dialect, negotiation_id: str, kind: str, key: str) -> None:
    events = entity_events(cursor, dialect, negotiation_id, kind, key)
    state = states(kind, events).get(key)
    body = view(kind, state) if state else None
    _store(cursor, dialect, negotiation_id, kind, key, body,
           since_us=micros(since(state)) if state else 0, position=last_position(events))


def refresh_negotiation(cursor: Cursor, dialect: Dialect, negotiation_id: str) -> None:
    """The negotiation's own fields come from its own events; its counts, version and position
    from the index, so an append to a long negotiation does not replay all of it."""
    state = negotiation.initial(negotiation_id)
    for fact in replay_input(entity_events(cursor, dialect, negotiation_id, "negotiation", negotiation_id)):
        state = negotiation.apply(state, fact)
    if state["status"] is None:
        _store(cursor, dialect, negotiation_id, "negotiation", negotiation_id, None, since_us=0, position=0)
        return
    [totals] = rows(cursor, dialect,
                    "SELECT MAX(version) AS version, MAX(position) AS position, "
                    "SUM(CASE WHEN retracted = 0 AND type NOT IN ('record.corrected', 'record.retracted') "
                    "THEN 1 ELSE 0 END) AS events, "
                    "SUM(CASE WHEN retracted = 0 AND type = 'statement.issued' THEN 1 ELSE 0 END) AS statements "
                    "FROM nl_read_events WHERE negotiation_id = ?", [negotiation_id])
    per_kind = {r["kind"]: int(r["n"]) for r in rows(
        cursor, dialect, "SELECT kind, COUNT(*) AS n FROM nl_read_models WHERE negotiation_id = ? "
                         "AND kind <> 'negotiation' GROUP BY kind", [negotiation_id])}
    counts = {name: per_kind.get(kind, 0) for kind, name in COUNTED.items()}
    counts.update(statements=int(totals["statements"]), events=int(totals["events"]))
    body = {**negotiation.view(state), "counts": counts, "version": int(totals["version"]),
            "position": int(totals["position"])}
    _store(cursor, dialect, negotiation_id, "negotiation", negotiation_id, body,
           since_us=0, position=body["position"])


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
