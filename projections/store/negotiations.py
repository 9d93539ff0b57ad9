"""A negotiation's state at a point on both axes, from the index rather than a replay of all
its events: its own fields come from folding its own events (opening, participants, status),
and its counts from SQL over the index. Facts that were ever corrected or retracted are the
exception: their counts depend on which corrections were known, so those few are replayed.
The stored view is this same answer with no axes, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.log import EventLog, select_events
from domain.storage.writes import Cursor

from projections import negotiation
from projections.entities import FOLDS
from projections.replay import CORRECTION_TYPES, replay_input
# The axes' filter of entity_events, applied to several negotiations' own events at once.
from projections.store.loading import _axes_filter as axes_filter
from projections.store.loading import events_at, rows
from projections.store.schema import TOUCHED, micros

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
    return negotiations_at(cursor, dialect, [negotiation_id], as_of=as_of, known_at=known_at)[negotiation_id]


def negotiations_at(cursor: Cursor, dialect: Dialect, negotiation_ids: Sequence[str], *,
                    as_of: datetime | None = None, known_at: datetime | None = None) -> dict[str, dict[str, Any] | None]:
    """negotiation_at for several negotiations (a page of the list) in as many queries as for one."""
    ids = list(dict.fromkeys(negotiation_ids))
    found: dict[str, dict[str, Any] | None] = {}
    if not ids:
        return found
    among = f"f.negotiation_id IN ({','.join('?' * len(ids))}) "
    own = own_fields_of(cursor, dialect, ids, as_of=as_of, known_at=known_at)
    axes_sql, axes_params = "", []
    if known_at is not None:
        axes_sql, axes_params = "AND f.recorded_us <= ? ", [micros(known_at)]
    heads = {r["negotiation_id"]: r for r in rows(
        cursor, dialect, "SELECT f.negotiation_id, MAX(f.version) AS version, MAX(f.position) AS position "
                         f"FROM nl_read_events f WHERE {among}{axes_sql}GROUP BY f.negotiation_id", [*ids, *axes_params])}
    if as_of is not None:
        axes_sql, axes_params = axes_sql + "AND f.occurred_us <= ? ", [*axes_params, micros(as_of)]
    # Facts no correction or retraction ever touched read as recorded: counted in SQL.
    plain = (f"{among}AND f.corrected = 0 AND f.retracted = 0 AND f.type NOT IN ({_CORRECTIONS}) " + axes_sql)
    params = [*ids, *axes_params]
    totals = {r["negotiation_id"]: r for r in rows(
        cursor, dialect, "SELECT f.negotiation_id, COUNT(*) AS events, "
                         "SUM(CASE WHEN f.type = 'statement.issued' THEN 1 ELSE 0 END) AS statements "
                         f"FROM nl_read_events f WHERE {plain}GROUP BY f.negotiation_id", params)}
    keys: dict[str, set[tuple[str, str]]] = {nid: set() for nid in ids}
    for r in rows(cursor, dialect, "SELECT DISTINCT f.negotiation_id, t.kind, t.key FROM nl_read_events f JOIN "
                                   f"nl_read_touches t ON t.position = f.position WHERE {plain}"
                                   f"AND f.type IN ({_INTRODUCER_TYPES})", params):
        keys[r["negotiation_id"]].add((r["kind"], r["key"]))
    # The rest, with their corrections: replayed, so a correction counts only once known.
    touched: dict[str, list[dict[str, Any]]] = {nid: [] for nid in ids}
    # Through the partial index of the events corrections touch: a few, not every event.
    marks = ",".join("?" * len(ids))
    for event in events_at(cursor, dialect, f"{among}AND f.position IN (SELECT position FROM nl_read_events "
                                            f"WHERE negotiation_id IN ({marks}) AND ({TOUCHED}))", [*ids, *ids]):
        touched[event["negotiation_id"]].append(event)
    for nid in ids:
        if own[nid] is None:
            found[nid] = None
            continue
        total = totals.get(nid)
        events, statements = (int(total["events"]), int(total["statements"] or 0)) if total else (0, 0)
        for fact in replay_input(touched[nid], as_of=as_of, known_at=known_at):
            events += 1
            statements += fact["type"] == "statement.issued"
            keys[nid].update((kind, key) for kind, types in INTRODUCERS.items() if fact["type"] in types
                             for key in FOLDS[kind].keys(fact))
        counts = {name: sum(1 for k, _ in keys[nid] if k == kind) for kind, name in COUNT_NAMES.items()}
        counts.update(statements=statements, events=events)
        head = heads[nid]
        found[nid] = {**own[nid], "counts": counts, "version": int(head["version"]), "position": int(head["position"])}
    return found


def decoded(cursor: Cursor, dialect: Dialect, statement: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    return [EventLog.decode(r) for r in rows(cursor, dialect, statement, params)]


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
    return own_fields_of(cursor, dialect, [negotiation_id], as_of=as_of, known_at=known_at)[negotiation_id]


def own_fields_of(cursor: Cursor, dialect: Dialect, negotiation_ids: Sequence[str], *,
                  as_of: datetime | None = None, known_at: datetime | None = None) -> dict[str, dict[str, Any] | None]:
    """own_fields of several negotiations, from one query."""
    where, params = axes_filter(as_of, known_at)
    marks = ",".join("?" * len(negotiation_ids))
    own: dict[str, list[dict[str, Any]]] = {nid: [] for nid in negotiation_ids}
    for event in decoded(cursor, dialect, select_events(dialect) + f"JOIN nl_read_touches t ON "
                         f"e.{dialect.position_column} = t.position JOIN nl_read_events f ON f.position = t.position "
                         f"WHERE t.negotiation_id IN ({marks}) AND t.kind = 'negotiation' AND t.key = t.negotiation_id "
                         f"{where}ORDER BY t.position", [*negotiation_ids, *params]):
        own[event["negotiation_id"]].append(event)
    found: dict[str, dict[str, Any] | None] = {}
    for nid, events in own.items():
        state = negotiation.initial(nid)
        for fact in replay_input(events, as_of=as_of, known_at=known_at):
            state = negotiation.apply(state, fact)
        found[nid] = negotiation.view(state) if state["status"] is not None else None
    return found
