"""Pages of the global log, optionally filtered, read from storage by position.

Filters go through the read models' row of each event (`nl_read_events`: who recorded it, when,
in which negotiation, of which type), each through an index of its own, so a filtered page costs
an index range scan plus one lookup per event returned, never a scan of the whole log. Event
bodies always come from the events table itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from domain.storage.log import EventLog, event_columns, select_events
from domain.valid_time import micros
from domain.workspaces import Scope, WorkspaceIndex

from projections.store import recorded_order


def fixed_width_utc(value: datetime) -> str:
    """UTC at fixed width (`2025-04-10T07:00:00.000000Z`): how the audit echoes its bounds."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True)
class LogFilter:
    recorded_by: str | None = None
    negotiation_id: str | None = None
    types: tuple[str, ...] = ()
    since: datetime | None = None  # recorded at or after
    until: datetime | None = None  # recorded at or before
    # The viewer's workspaces (None: all); set by projections.reading, never from a request.
    scope: Scope = None

    def is_empty(self) -> bool:
        return not (self.recorded_by or self.negotiation_id or self.types or self.since or self.until
                    or self.scope is not None)

    def where(self, *, scope_by_scan: bool = False) -> tuple[list[str], list[Any]]:
        """`scope_by_scan` (SQLite) keeps the planner from reading a wide scope through the
        negotiation index, which would sort every match before the page's first few: walked
        in position order instead, a page stops at its limit."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (("recorded_by", self.recorded_by), ("negotiation_id", self.negotiation_id)):
            if value is not None:
                clauses.append(f"a.{column} = ?")
                params.append(value)
        if self.types:
            clauses.append(f"a.type IN ({','.join('?' * len(self.types))})")
            params.extend(self.types)
        if self.since is not None:
            clauses.append("a.recorded_us >= ?")
            params.append(micros(self.since))
        if self.until is not None:
            clauses.append("a.recorded_us <= ?")
            params.append(micros(self.until))
        if self.scope is not None:
            clause, names = WorkspaceIndex.restriction(self.scope, "+a.negotiation_id" if scope_by_scan
                                                       else "a.negotiation_id")
            clauses.append(clause)
            params.extend(names)
        return clauses, params

    def echo(self) -> dict[str, Any]:
        return {"recorded_by": self.recorded_by, "negotiation_id": self.negotiation_id,
                "type": list(self.types) or None,
                "since": fixed_width_utc(self.since) if self.since else None,
                "until": fixed_width_utc(self.until) if self.until else None}


# Up to this many negotiations in a viewer's scope, its pages are merged from each one's own.
PER_NEGOTIATION = 32


class LogQueries:
    def __init__(self, log: EventLog) -> None:
        self.log = log
        db = log.db
        pos = db.dialect.position_column
        self._db = db
        self._select = (
            f"SELECT {event_columns(db.dialect)} FROM nl_read_events a "
            f"JOIN {db.events_table} e ON e.{pos} = a.position LEFT JOIN nl_leaves l ON l.position = a.position "
        )
        self._by_position = select_events(db.dialect) + f"WHERE e.{pos} IN "

    def head(self) -> int:
        return int(self.log.head()["position"])

    def page(self, flt: LogFilter, after: int | None, limit: int, *, descending: bool = False,
             upto: int | None = None) -> list[dict[str, Any]]:
        """Matching events after `after` (before it when descending; None: from the start or
        the end), at most `limit`, and none past `upto`."""
        if flt.is_empty() and not descending:
            return self.log.read(after or 0, limit, upto=upto)
        recorded = self._recorded_positions(flt)
        if recorded is None:
            return []
        if flt.scope is not None:
            visible = self._scope_negotiations(flt)
            if len(visible) <= PER_NEGOTIATION:
                return self._merged(flt, visible, after, limit, descending, upto, recorded)
        clauses, params = flt.where(scope_by_scan=self._db.dialect.name == "sqlite")
        _in_range(clauses, params, after, descending, upto, recorded)
        sql = self._select + (f"WHERE {' AND '.join(clauses)} " if clauses else "")
        sql += f"ORDER BY a.position {'DESC' if descending else 'ASC'} LIMIT ?"
        return [EventLog.decode(r) for r in self._db.query(sql, [*params, limit])]

    def _recorded_positions(self, flt: LogFilter) -> tuple[int | None, int | None] | None:
        """The positions a filter on recorded time lies between (projections.store.recorded_order),
        so that a page walks only those rather than the log from its start: None when nothing
        was recorded then; (None, None) without such a filter or while the order is not known."""
        if flt.since is None and flt.until is None:
            return None, None
        with self._db.transaction(commit=False) as cursor:
            return recorded_order.positions(cursor, self._db.dialect, None if flt.since is None else micros(flt.since),
                                            None if flt.until is None else micros(flt.until))

    def _scope_negotiations(self, flt: LogFilter) -> list[str]:
        names = sorted(flt.scope or ())
        found = [r["negotiation_id"] for r in self._db.query(
            f"SELECT negotiation_id FROM nl_workspaces WHERE workspace IN ({','.join('?' * len(names))})", names)]
        if flt.negotiation_id is not None:
            return [flt.negotiation_id] if flt.negotiation_id in found else []
        return found

    def _merged(self, flt: LogFilter, negotiation_ids: list[str], after: int | None, limit: int,
                descending: bool, upto: int | None, recorded: tuple[int | None, int | None]) -> list[dict[str, Any]]:
        """A scoped page from a few negotiations: each one's next positions read in order from
        the (negotiation, position) index, stopping at `limit`, then merged. One query over
        all of them would have to sort every matching position of a big negotiation."""
        positions: list[int] = []
        for negotiation_id in negotiation_ids:
            clauses, params = dataclasses.replace(flt, scope=None, negotiation_id=negotiation_id).where()
            _in_range(clauses, params, after, descending, upto, recorded)
            sql = (f"SELECT a.position FROM nl_read_events a WHERE {' AND '.join(clauses)} "
                   f"ORDER BY a.position {'DESC' if descending else 'ASC'} LIMIT ?")
            positions += [int(r["position"]) for r in self._db.query(sql, [*params, limit])]
        chosen = sorted(positions, reverse=descending)[:limit]
        if not chosen:
            return []
        rows = self._db.query(self._select + f"WHERE a.position IN ({','.join('?' * len(chosen))}) "
                              f"ORDER BY a.position {'DESC' if descending else 'ASC'}", chosen)
        return [EventLog.decode(r) for r in rows]

    def at_positions(self, positions: Sequence[int]) -> list[Mapping[str, Any]]:
        """Raw event rows at these positions (undecoded), in position order."""
        if not positions:
            return []
        sql = self._by_position + f"({','.join('?' * len(positions))}) ORDER BY position"
        return self._db.query(sql, list(positions))


def _in_range(clauses: list[str], params: list[Any], after: int | None, descending: bool, upto: int | None,
              recorded: tuple[int | None, int | None]) -> None:
    """Adds the page's bounds: after `after` (before it when descending), none past `upto`, and
    within the positions a filter on recorded time lies between."""
    if after is not None:
        clauses.append("a.position < ?" if descending else "a.position > ?")
        params.append(after)
    first, last = recorded
    for bound, clause in ((upto, "a.position <= ?"), (first, "a.position >= ?"), (last, "a.position <= ?")):
        if bound is not None:
            clauses.append(clause)
            params.append(bound)


@dataclass(frozen=True)
class FeedPage:
    items: list[dict[str, Any]]
    next_after: int  # pass as `after` for the next page
    has_more: bool  # more events were already committed when this page was read
    head: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "next_after": self.next_after, "has_more": self.has_more, "head": self.head}


def feed_page(queries: LogQueries, flt: LogFilter, after: int, limit: int) -> FeedPage:
    """The next page of the global log after `after`, safe to resume from under concurrent writers.

    The page is bounded by the committed head, read first. Every writer assigns positions while
    holding the events table's write lock until it commits (SQLite has one writer; on PostgreSQL
    the recorder takes an EXCLUSIVE table lock before drawing positions from the sequence), so
    commit order is position order: once a position is visible, no lower position can still
    appear, and gaps below the head (from rolled-back transactions) stay gaps forever. So a page
    that did not fill up has seen everything up to the head, and `next_after` may jump there
    even when a filter matched nothing."""
    head = queries.head()
    items = queries.page(flt, after, limit, upto=head)
    if len(items) == limit:
        last = items[-1]["position"]
        return FeedPage(items, last, last < head, head)
    return FeedPage(items, max(after, head), False, head)
