"""A negotiation's state at a point on both axes, from the index rather than a replay of all
its events: its own fields come from folding its own events (opening, participants, status),
and its counts from SQL over the index. Facts that were ever corrected or retracted are the
exception: their counts depend on which corrections were known, so those few are replayed.
The stored view is this same answer with no axes, so the two cannot disagree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

from projections import negotiation
from projections.entities import FOLDS
from projections.replay import CORRECTION_TYPES, replay_input
from projections.store.loading import entity_events, events_at, rows
from projections.store.schema import micros

# The events that bring each kind of entity into being, as the folds define it.
INTRODUCERS = {"round": ("round.proposed", "round.scheduled", "round.started"), "dispute": ("dispute.raised",),
               "proposal": ("proposal.tabled",), "commitment": ("commitment.agreed",)}
COUNT_NAMES = {"round": "rounds", "dispute": "disputes", "proposal": "proposals", "commitment": "commitments"}
_INTRODUCER_TYPES = ", ".join(f"'{t}'" for types in INTRODUCERS.values() for t in types)
_STATUS_TYPES = ", ".join(f"'{t}'" for t in negotiation.STATUS_BY_TYPE)
_CORRECTIONS = ", ".join(f"'{t}'" for t in CORRECTION_TYPES)


def negotiation_at(cursor: Cursor, dialect: Dialect, negotiation_id: str, *, as_of: datetime | None = None,
                   known_at: datetime | None = None) -> dict[str, Any] | None:
    """What `projections.negotiation.summarize` says at the point, or None if the negotiation
    was not open then."""
    own = own_fields(cursor, dialect, negotiation_id, as_of=as_of, known_at=known_at)
    if own is None:
        return None
    axes_sql, axes_params = "", []
    if known_at is not None:
        axes_sql, axes_params = "AND f.recorded_us <= ? ", [micros(known_at)]
    [head] = rows(cursor, dialect, "SELECT MAX(f.version) AS version, MAX(f.position) AS position "
                                   "FROM nl_read_events f WHERE f.negotiation_id = ? " + axes_sql,
                  [negotiation_id, *axes_params])
    if as_of is not None:
        axes_sql, axes_params = axes_sql + "AND f.occurred_us <= ? ", [*axes_params, micros(as_of)]
    # Facts no correction or retraction ever touched read as recorded: counted in SQL.
    plain = (f"f.negotiation_id = ? AND f.corrected = 0 AND f.retracted = 0 AND f.type NOT IN ({_CORRECTIONS}) "
             + axes_sql)
    params = [negotiation_id, *axes_params]
    [totals] = rows(cursor, dialect, "SELECT COUNT(*) AS events, "
                    "SUM(CASE WHEN f.type = 'statement.issued' THEN 1 ELSE 0 END) AS statements "
                    f"FROM nl_read_events f WHERE {plain}", params)
    keys = {(r["kind"], r["key"]) for r in rows(
        cursor, dialect, "SELECT DISTINCT t.kind, t.key FROM nl_read_events f JOIN nl_read_touches t ON "
                         f"t.position = f.position WHERE {plain}AND f.type IN ({_INTRODUCER_TYPES})", params)}
    # The rest, with their corrections: replayed, so a correction counts only once known.
    touched = events_at(cursor, dialect, "f.negotiation_id = ? AND (f.corrected = 1 OR f.retracted = 1 "
                                         "OR f.target_position IS NOT NULL)", [negotiation_id])
    events, statements = int(totals["events"]), int(totals["statements"] or 0)
    for fact in replay_input(touched, as_of=as_of, known_at=known_at):
        events += 1
        statements += fact["type"] == "statement.issued"
        keys.update((kind, key) for kind, types in INTRODUCERS.items() if fact["type"] in types
                    for key in FOLDS[kind].keys(fact))
    counts = {name: sum(1 for k, _ in keys if k == kind) for kind, name in COUNT_NAMES.items()}
    counts.update(statements=statements, events=events)
    return {**own, "counts": counts, "version": int(head["version"]), "position": int(head["position"])}


def open_at(negotiation_column: str, *, as_of: datetime | None = None,
            known_at: datetime | None = None) -> tuple[str, list[Any]]:
    """A WHERE clause keeping the negotiations (id in `negotiation_column`) that may have been
    open at the point: some status event of their own known then and valid by then. Exact for
    negotiations whose status events were never corrected or retracted; those that were are
    kept, for negotiation_at to decide (a correction may have moved one either way)."""
    sql, params = "", []
    if known_at is not None:
        sql, params = "AND f.recorded_us <= ? ", [micros(known_at)]
    if as_of is not None:
        sql, params = sql + "AND (f.occurred_us <= ? OR f.corrected = 1) ", [*params, micros(as_of)]
    return (f"EXISTS (SELECT 1 FROM nl_read_touches t JOIN nl_read_events f ON f.position = t.position "
            f"WHERE t.negotiation_id = {negotiation_column} AND t.kind = 'negotiation' AND t.key = {negotiation_column} "
            f"AND f.type IN ({_STATUS_TYPES}) {sql})"), params


def own_fields(cursor: Cursor, dialect: Dialect, negotiation_id: str, *, as_of: datetime | None = None,
               known_at: datetime | None = None) -> dict[str, Any] | None:
    """Title, status, participants...: the negotiation fold over the negotiation's own events
    (its counts aside), or None if it was not open at the point."""
    state = negotiation.initial(negotiation_id)
    own = entity_events(cursor, dialect, negotiation_id, "negotiation", negotiation_id, as_of=as_of, known_at=known_at)
    for fact in replay_input(own, as_of=as_of, known_at=known_at):
        state = negotiation.apply(state, fact)
    return negotiation.view(state) if state["status"] is not None else None
