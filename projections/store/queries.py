"""Answers for the state endpoints (docs/api.md §5). Plain reads come from the stored views;
with `as_of` or `known_at` an entity is replayed from its own events, found through the
index, so asking about one round of a long negotiation reads that round's events only.

The timeline and `changes` are about the whole negotiation: the timeline index
(projections.timeline_index) says which facts a page holds, or which entities have facts in
a window, and only those are folded, through the same folds as a replay of the whole stream.
Where that index cannot be trusted (missing, behind, of an older shape, or disagreeing with
the fold), the whole stream is replayed as before."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.persistence import PersistenceError

from domain import jsonfast
from domain.application import NegotiationLog
from domain.errors import NotFound
from domain.workspaces import DEFAULT_WORKSPACE, Scope, WorkspaceIndex

from projections import paging, timeline_index
from projections.changes import Snapshot, diff, entity_entry, negotiation_entry, snapshot
from projections.entities import last_position, since, states, view
from projections.replay import known
from projections.store.loading import entity_events, events_at, last_touch, rows
from projections.store.negotiations import few_open_at, negotiation_at, negotiations_at, open_at
from projections.store.schema import micros, stored_micros
from projections.target_index import TargetIndex
from projections.timeline import TimelineFilter, timeline


# At an as_of when at most this many status events had happened, a page of the list is looked
# up among their negotiations (by id) instead of looked for in opening order, which for an
# early as_of reads most of the list to fill, or to find nothing for, a page.
FEW_OPEN = 256


class ReadModels:
    def __init__(self, log: NegotiationLog) -> None:
        self.log = log
        self.db = log.database
        self.dialect = log.database.dialect

    # -- the negotiation ------------------------------------------------------------------

    def negotiation(self, negotiation_id: str, *, as_of: datetime | None = None,
                    known_at: datetime | None = None) -> dict[str, Any]:
        with self.db.transaction(commit=False) as cursor:
            if as_of is None and known_at is None:
                found = rows(cursor, self.dialect, "SELECT body FROM nl_read_models WHERE negotiation_id = ? "
                             "AND kind = 'negotiation' AND key = ?", [negotiation_id, negotiation_id])
                if not found:
                    raise NotFound(f"no negotiation {negotiation_id}", rule="negotiation-exists")
                state: dict[str, Any] = jsonfast.loads(found[0]["body"])
                # Stored before workspaces existed, when every negotiation was in `default`.
                return state if "workspace" in state else {**state, "workspace": DEFAULT_WORKSPACE}
            self._require_negotiation(cursor, negotiation_id, None)
            state = negotiation_at(cursor, self.dialect, negotiation_id, as_of=as_of, known_at=known_at)
        if state is None:
            raise NotFound(f"negotiation {negotiation_id} was not open at that point", rule="existed-then")
        return state

    def negotiation_page(self, after: int, limit: int, *, as_of: datetime | None = None,
                         known_at: datetime | None = None, scope: Scope = None) -> dict[str, Any]:
        """One page of the list (docs/api.md §5): the negotiations opened after position
        `after`, in opening order, that the scope admits and that were open at the point on
        both axes. The page is read from nl_workspaces' opening index; with axes, SQL keeps
        the negotiations whose own status events say they were open (exactly, unless one was
        corrected or retracted: those few are kept and decided by the state built for the
        page's items), so a page costs its items, not the negotiations before them."""
        items: list[dict[str, Any]] = []
        last = after
        where, params = WorkspaceIndex.restriction(scope, "w.negotiation_id")
        with self.db.transaction(commit=False) as cursor:
            few = None if as_of is None else few_open_at(cursor, self.dialect, as_of=as_of, known_at=known_at,
                                                         most=FEW_OPEN)
            while len(items) < limit:
                wanted = limit - len(items)
                if as_of is None and known_at is None:
                    found = rows(cursor, self.dialect, "SELECT w.opened_position AS opened, m.body FROM nl_workspaces w "
                                 "JOIN nl_read_models m ON m.negotiation_id = w.negotiation_id AND m.kind = 'negotiation' "
                                 f"AND m.key = w.negotiation_id WHERE w.opened_position > ? AND {where} "
                                 "ORDER BY w.opened_position LIMIT ?", [last, *params, wanted])
                    items += [_with_workspace(jsonfast.loads(r["body"])) for r in found]
                else:
                    opened, opened_params = open_at("w.negotiation_id", as_of=as_of, known_at=known_at)
                    if few is not None:  # only these can be on the page: looked up by id
                        opened = f"w.negotiation_id IN ({','.join('?' * len(few)) or 'NULL'}) AND {opened}"
                        opened_params = [*sorted(few), *opened_params]
                    found = rows(cursor, self.dialect, "SELECT w.opened_position AS opened, w.negotiation_id "
                                 f"FROM nl_workspaces w WHERE w.opened_position > ? AND {where} AND {opened} "
                                 "ORDER BY w.opened_position LIMIT ?", [last, *params, *opened_params, wanted])
                    states = negotiations_at(cursor, self.dialect, [r["negotiation_id"] for r in found],
                                             as_of=as_of, known_at=known_at)
                    # None: a correction or retraction moved it out of the point.
                    items += [s for s in (states[r["negotiation_id"]] for r in found) if s is not None]
                if len(found) < wanted:
                    break
                last = int(found[-1]["opened"])
        return {"items": items, "next_cursor": str(last) if len(items) == limit else None,
                "position": max((i["position"] for i in items), default=0)}

    # -- rounds, disputes, proposals, commitments -----------------------------------------

    def entity(self, negotiation_id: str, kind: str, key: str, *, as_of: datetime | None = None,
               known_at: datetime | None = None) -> dict[str, Any]:
        with self.db.transaction(commit=False) as cursor:
            if as_of is None and known_at is None:
                # One indexed row; only a miss asks whether the negotiation itself exists.
                found = rows(cursor, self.dialect, "SELECT position, body FROM nl_read_models WHERE "
                             "negotiation_id = ? AND kind = ? AND key = ?", [negotiation_id, kind, key])
                if not found:
                    self._require_negotiation(cursor, negotiation_id, None)
                    raise NotFound(f"no {kind} '{key}' in negotiation {negotiation_id}", rule=f"{kind}-exists")
                return {**jsonfast.loads(found[0]["body"]), "position": int(found[0]["position"])}
            self._require_negotiation(cursor, negotiation_id, known_at)
            events = entity_events(cursor, self.dialect, negotiation_id, kind, key, as_of=as_of, known_at=known_at)
            position = last_touch(cursor, self.dialect, negotiation_id, kind, key, known_at)
        state = states(kind, events, as_of=as_of, known_at=known_at).get(key)
        if state is None:
            raise NotFound(f"{kind} '{key}' did not exist in negotiation {negotiation_id} at that point",
                           rule="existed-then")
        return {**view(kind, state), "position": position}

    def entities(self, negotiation_id: str, kind: str, *, as_of: datetime | None = None,
                 known_at: datetime | None = None, limit: int = 100, cursor: str | None = None) -> dict[str, Any]:
        """One page of the entities of a kind that existed at the point, in the order they came
        into being (valid time, then key)."""
        after = paging.decode(cursor) if cursor else None
        with self.db.transaction(commit=False) as db_cursor:
            self._require_negotiation(db_cursor, negotiation_id, known_at)
            position = last_touch(db_cursor, self.dialect, negotiation_id, kind, None, known_at)
            if as_of is None and known_at is None:
                ordered = self._stored_page(db_cursor, negotiation_id, kind, after, limit)
            else:
                events = entity_events(db_cursor, self.dialect, negotiation_id, kind, None,
                                       as_of=as_of, known_at=known_at)
        if as_of is not None or known_at is not None:
            found = states(kind, events, as_of=as_of, known_at=known_at)
            ordered = sorted((micros(since(s)), key, view(kind, s)) for key, s in found.items())
            ordered = [o for o in ordered if after is None or (o[0], o[1]) > after][:limit + 1]
        items, next_cursor = paging.page(ordered, limit)
        return {"items": items, "next_cursor": next_cursor, "position": position}

    def _stored_page(self, cursor: Any, negotiation_id: str, kind: str, after: tuple[int, str] | None,
                     limit: int) -> list[tuple[int, str, dict[str, Any]]]:
        # Keys sort byte-wise on both backends, as they do in Python for the replayed lists.
        key = 'key COLLATE "C"' if self.dialect.name == "postgres" else "key"
        sql = "SELECT since_us, key, body FROM nl_read_models WHERE negotiation_id = ? AND kind = ? "
        params: list[Any] = [negotiation_id, kind]
        if after is not None:
            sql += f"AND (since_us > ? OR (since_us = ? AND {key} > ?)) "
            params += [after[0], after[0], after[1]]
        found = rows(cursor, self.dialect, sql + f"ORDER BY since_us, {key} LIMIT ?", [*params, limit + 1])
        return [(int(r["since_us"]), r["key"], jsonfast.loads(r["body"])) for r in found]

    def _require_negotiation(self, cursor: Any, negotiation_id: str, known_at: datetime | None) -> None:
        opening = rows(cursor, self.dialect, "SELECT recorded_us FROM nl_read_events WHERE negotiation_id = ? "
                       "ORDER BY position LIMIT 1", [negotiation_id])
        if not opening:
            raise NotFound(f"no negotiation {negotiation_id}", rule="negotiation-exists")
        if known_at is not None and int(opening[0]["recorded_us"]) > micros(known_at):
            raise NotFound(f"negotiation {negotiation_id} was not yet recorded at known_at", rule="existed-then")

    def _known_head(self, cursor: Any, negotiation_id: str, known_at: datetime | None) -> int:
        """The highest position of the negotiation's events known at `known_at` (last_position)."""
        sql, params = "SELECT MAX(position) AS p FROM nl_read_events WHERE negotiation_id = ? ", [negotiation_id]
        if known_at is not None:
            sql += "AND recorded_us <= ?"
            params.append(micros(known_at))
        return int(rows(cursor, self.dialect, sql, params)[0]["p"] or 0)

    # -- timeline and changes: from the timeline index, or else the whole stream -----------

    def _stream(self, negotiation_id: str, known_at: datetime | None) -> list[dict[str, Any]]:
        events = self.log.stream(negotiation_id)
        if not known(events, known_at):
            raise NotFound(f"negotiation {negotiation_id} was not yet recorded at known_at", rule="existed-then")
        return events

    def timeline(self, negotiation_id: str, wanted: TimelineFilter, *, limit: int = 100,
                 cursor: str | None = None) -> dict[str, Any]:
        after = paging.decode(cursor) if cursor else None
        start = (after[0], paging.position_key(after[1])) if after is not None else None
        indexed = self._indexed_timeline(negotiation_id, wanted, start, limit)
        if indexed is not None:
            ordered, position = indexed
        else:
            events = self._stream(negotiation_id, wanted.known_at)
            ordered = [(stored_micros(f["occurred_from"]), f["position"], f) for f in timeline(events, wanted)]
            ordered = [o for o in ordered if start is None or (o[0], o[1]) > start]
            position = last_position(events, wanted.known_at)
        items, next_cursor = paging.page(ordered, limit)
        return {"items": items, "next_cursor": next_cursor, "position": position}

    def _indexed_timeline(self, negotiation_id: str, wanted: TimelineFilter, start: tuple[int, int] | None,
                          limit: int) -> tuple[list[tuple[int, int, dict[str, Any]]], int] | None:
        """The page's first `limit` + 1 items (enough to say whether more follow) and the answer's
        position, folded from the facts the index names and their corrections; None when the
        index cannot be trusted."""
        try:
            with self.db.transaction(commit=False) as cursor:
                if not timeline_index.whole(cursor, self.dialect):
                    return None
                self._require_negotiation(cursor, negotiation_id, wanted.known_at)
                keys = timeline_index.page(cursor, self.dialect, negotiation_id, wanted, start, limit + 1)
                marks = ", ".join("?" * len(keys))
                facts = events_at(cursor, self.dialect, f"f.position IN ({marks})", [p for _, p in keys]) if keys else []
                corrections = TargetIndex.touching_all(cursor, self.dialect, facts)
                if corrections is None:
                    return None
                position = self._known_head(cursor, negotiation_id, wanted.known_at)
        except PersistenceError:  # e.g. a table dropped under a running service
            return None
        ordered = [(stored_micros(f["occurred_from"]), f["position"], f) for f in timeline(facts + corrections, wanted)]
        if [(m, p) for m, p, _ in ordered] != keys:
            return None  # the fold does not read these facts as the index does: it is not trusted
        return ordered, position

    def changes(self, negotiation_id: str, *, start: datetime | None, end: datetime | None,
                known_at: datetime | None) -> dict[str, Any]:
        indexed = self._indexed_changes(negotiation_id, start, end, known_at)
        if indexed is not None:
            return indexed
        events = self._stream(negotiation_id, known_at)
        before = snapshot(negotiation_id, events, as_of=start, known_at=known_at) if start else {}
        after = snapshot(negotiation_id, events, as_of=end, known_at=known_at)
        return {**diff(before, after), "position": last_position(events, known_at)}

    def _indexed_changes(self, negotiation_id: str, start: datetime | None, end: datetime | None,
                         known_at: datetime | None) -> dict[str, Any] | None:
        """The diff of the two snapshots restricted to the entities with facts between the two
        points (every other one reads the same at both, so it adds nothing to the diff) and the
        negotiation itself; None when the timeline index cannot be trusted."""
        points = [(start, {}), (end, {})] if start else [(end, {})]
        try:
            with self.db.transaction(commit=False) as cursor:
                if not timeline_index.whole(cursor, self.dialect):
                    return None
                self._require_negotiation(cursor, negotiation_id, known_at)
                for point, found in points:
                    summary = negotiation_at(cursor, self.dialect, negotiation_id, as_of=point, known_at=known_at)
                    if summary is not None:
                        found[("negotiation", negotiation_id)] = negotiation_entry(summary)
                entities = timeline_index.entities_in_window(cursor, self.dialect, negotiation_id, after=start,
                                                             until=end, known_at=known_at)
                loaded = {(kind, key): entity_events(cursor, self.dialect, negotiation_id, kind, key, as_of=end,
                                                     known_at=known_at) for kind, key in entities}
                position = self._known_head(cursor, negotiation_id, known_at)
        except PersistenceError:
            return None
        for (kind, key), events in loaded.items():
            for point, found in points:
                state = states(kind, events, as_of=point, known_at=known_at).get(key)
                if state is not None:
                    found[(kind, key)] = entity_entry(kind, state)
        snapshots: list[Snapshot] = [found for _, found in points]
        before, after = snapshots if start else ({}, snapshots[0])
        return {**diff(before, after), "position": position}

def _with_workspace(state: dict[str, Any]) -> dict[str, Any]:
    # As ReadModels.negotiation: stored before workspaces existed, every negotiation was in `default`.
    return state if "workspace" in state else {**state, "workspace": DEFAULT_WORKSPACE}
