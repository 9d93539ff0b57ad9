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

from projections import negotiation, timeline_index
from projections.entities import FOLDS
from projections.replay import replay_input
from projections.store import counts
# The axes' filter of entity_events, applied to several negotiations' own events at once.
from projections.store.loading import _axes_filter as axes_filter
from projections.store.loading import events_at, rows
from projections.store.schema import CORRECTIONS, INTRODUCERS, INTRODUCING, STATUS, TOUCHED, micros, plain
from projections.store.shadow import table_exists

COUNT_NAMES = {"round": "rounds", "dispute": "disputes", "proposal": "proposals", "commitment": "commitments"}


def _counted(cursor: Cursor, dialect: Dialect, rest: str, params: Sequence[Any]) -> dict[str, tuple[int, int]]:
    """(events, statements) by negotiation of the facts `rest` (FROM ... WHERE ..., `f` the
    events' index) selects."""
    return {r["negotiation_id"]: (int(r["events"]), int(r["statements"] or 0)) for r in rows(
        cursor, dialect, "SELECT f.negotiation_id, COUNT(*) AS events, SUM(CASE WHEN f.type = 'statement.issued' "
                         f"THEN 1 ELSE 0 END) AS statements {rest} GROUP BY f.negotiation_id", params)}


def _touched_of(marks: str) -> str:
    """The facts of the negotiations (`marks` their placeholders) that corrections touched, or
    that are corrections: through the partial index of them, a few and not every event."""
    return f"f.position IN (SELECT position FROM nl_read_events WHERE negotiation_id IN ({marks}) AND ({TOUCHED}))"


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
    heads = {nid: _head(cursor, dialect, nid, known_at) for nid in ids}
    axes_sql, axes_params = "", []
    if known_at is not None:
        axes_sql, axes_params = "AND f.recorded_us <= ? ", [micros(known_at)]
    if as_of is not None:
        axes_sql, axes_params = axes_sql + "AND f.occurred_us <= ? ", [*axes_params, micros(as_of)]
    # Facts no correction or retraction ever touched read as recorded: counted by day, or in SQL.
    plain_facts = f"{among}AND {plain('f.')} {axes_sql}"
    params = [*ids, *axes_params]
    # What the timeline index answers for (asked once): only what the log now reads.
    indexed = known_at is None and _timeline_whole(cursor, dialect)
    totals = _plain_counts(cursor, dialect, ids, as_of, known_at, plain_facts, params, indexed)
    keys: dict[str, set[tuple[str, str]]] = {nid: set() for nid in ids}
    # Through the partial index of the introducing events: as many rows as entities, not facts.
    for r in rows(cursor, dialect, "SELECT DISTINCT f.negotiation_id, t.kind, t.key FROM nl_read_events f JOIN "
                                   f"nl_read_touches t ON t.position = f.position WHERE {plain_facts}"
                                   f"AND f.{INTRODUCING}", params):
        keys[r["negotiation_id"]].add((r["kind"], r["key"]))
    # The rest, the facts corrections touched: counted as the log now reads them, or replayed
    # with their corrections when a `known_at` asks what it read then.
    now = _touched_now(cursor, dialect, ids, as_of) if indexed else None
    touched: dict[str, list[dict[str, Any]]] = {nid: [] for nid in ids}
    if now is None:
        for event in events_at(cursor, dialect, f"{among}AND {_touched_of(','.join('?' * len(ids)))}", [*ids, *ids]):
            touched[event["negotiation_id"]].append(event)
    for nid in ids:
        if own[nid] is None:
            found[nid] = None
            continue
        events, statements = totals[nid]
        if now is not None:
            events, statements = _plus((events, statements), now[0].get(nid, (0, 0)))
            keys[nid].update(now[1].get(nid, set()))
        for fact in replay_input(touched[nid], as_of=as_of, known_at=known_at):
            events += 1
            statements += fact["type"] == "statement.issued"
            keys[nid].update((kind, key) for kind, types in INTRODUCERS.items() if fact["type"] in types
                             for key in FOLDS[kind].keys(fact))
        tallies = {name: sum(1 for k, _ in keys[nid] if k == kind) for kind, name in COUNT_NAMES.items()}
        tallies.update(statements=statements, events=events)
        found[nid] = {**own[nid], "counts": tallies, **heads[nid]}
    return found


def _touched_now(cursor: Cursor, dialect: Dialect, ids: Sequence[str], as_of: datetime | None) -> \
        tuple[dict[str, tuple[int, int]], dict[str, set[tuple[str, str]]]]:
    """(events, statements) and the introduced entities of each negotiation's live facts that
    corrections touched, as the log now reads them: not retracted, and begun by `as_of` at the
    time the last correction moved them to (the timeline index's current row, which the caller
    knows whole). Counted in SQL, no event decoded."""
    current, current_params = timeline_index.current_start("x.", as_of)
    live = (f"JOIN {timeline_index.TABLE} x ON x.position = f.position WHERE {_touched_of(','.join('?' * len(ids)))} "
            f"AND f.retracted = 0 AND f.type NOT IN ({CORRECTIONS}) AND {current}")
    params = [*ids, *current_params]
    introduced: dict[str, set[tuple[str, str]]] = {}
    for r in rows(cursor, dialect, "SELECT DISTINCT f.negotiation_id, t.kind, t.key FROM nl_read_touches t JOIN "
                                   f"nl_read_events f ON f.position = t.position {live}AND f.{INTRODUCING}", params):
        introduced.setdefault(r["negotiation_id"], set()).add((r["kind"], r["key"]))
    return _counted(cursor, dialect, f"FROM nl_read_events f {live}", params), introduced


def _timeline_whole(cursor: Cursor, dialect: Dialect) -> bool:
    """Whether the timeline index can be read: asked of the catalog first, since on PostgreSQL a
    query of a missing table fails the whole transaction (an append's, when the hook recounts)."""
    return table_exists(cursor, dialect, timeline_index.TABLE) and timeline_index.whole(cursor, dialect)


def _head(cursor: Cursor, dialect: Dialect, negotiation_id: str, known_at: datetime | None) -> dict[str, int]:
    """The version and position of the negotiation's last event known at `known_at`: the end of
    its range of the stream index, walked back past the events recorded after `known_at`."""
    known_sql, params = ("AND recorded_us <= ? ", [micros(known_at)]) if known_at is not None else ("", [])
    found = rows(cursor, dialect, f"SELECT version, position FROM nl_read_events WHERE negotiation_id = ? {known_sql}"
                                  "ORDER BY position DESC LIMIT 1", [negotiation_id, *params])
    return {"version": int(found[0]["version"]), "position": int(found[0]["position"])} if found else \
        {"version": 0, "position": 0}


def _plain_counts(cursor: Cursor, dialect: Dialect, ids: Sequence[str], as_of: datetime | None,
                  known_at: datetime | None, plain_facts: str, params: Sequence[Any],
                  indexed: bool) -> dict[str, tuple[int, int]]:
    """(events, statements) of each negotiation's plain facts at the point: from the counts by
    day, and the facts of the day `as_of` cuts through from the timeline index (if `indexed`);
    counted in SQL (every fact of the negotiations) when a `known_at` is given or either cannot
    be read."""
    if known_at is None and counts.complete(cursor, dialect):
        days, partial = counts.whole_days(cursor, dialect, ids, as_of)
        if partial is None or as_of is None:
            return {nid: days.get(nid, (0, 0)) for nid in ids}
        if indexed:
            beginning, day_params = timeline_index.beginning_between(ids, partial, micros(as_of))
            day = _counted(cursor, dialect, f"FROM nl_read_events f WHERE f.position IN ({beginning}) AND {plain('f.')}",
                           day_params)
            return {nid: _plus(days.get(nid, (0, 0)), day.get(nid, (0, 0))) for nid in ids}
    found = _counted(cursor, dialect, f"FROM nl_read_events f WHERE {plain_facts}", params)
    return {nid: found.get(nid, (0, 0)) for nid in ids}


def _plus(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return a[0] + b[0], a[1] + b[1]


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
            f"AND f.{STATUS} {sql})"), params


def few_open_at(cursor: Cursor, dialect: Dialect, *, as_of: datetime, known_at: datetime | None,
                most: int) -> set[str] | None:
    """The negotiations that may have been open at the point (as open_at keeps them), if there
    are at most `most` status events behind them, found through the partial indexes of status
    events and of touched events; None when there are more, and looking through the list in
    order finds a page sooner."""
    known_sql, params = ("AND recorded_us <= ? ", [micros(known_at)]) if known_at is not None else ("", [])
    found = rows(cursor, dialect, f"SELECT negotiation_id FROM nl_read_events WHERE {STATUS} AND occurred_us <= ? "
                                  f"{known_sql}LIMIT ?", [micros(as_of), *params, most + 1])
    if len(found) > most:
        return None
    # Those whose status a correction may have moved to before as_of, as open_at keeps them.
    # Their types are told apart here: in SQL, the status index would be scanned instead.
    found += [r for r in rows(cursor, dialect, f"SELECT negotiation_id, type FROM nl_read_events WHERE ({TOUCHED}) "
                                               f"AND corrected = 1 {known_sql}", params)
              if r["type"] in negotiation.STATUS_BY_TYPE]
    return {r["negotiation_id"] for r in found}


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
