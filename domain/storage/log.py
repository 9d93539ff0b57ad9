"""Reading stored events back as contract-level objects: the record as recorded, plus the
envelope that storage owns (negotiation id, version, position, and from the event's leaf row
its log_index, recorded time and hash)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain import jsonfast
from domain.storage.database import Database
from domain.storage.dialect import Dialect

PAGE_SIZE = 1000


@lru_cache(maxsize=4096)  # most rows read together belong to a few negotiations
def negotiation_id(originator_id: UUID | str) -> str:
    return str(UUID(str(originator_id)))


def event_columns(dialect: Dialect, events: str = "e", leaves: str = "l") -> str:
    """The columns `decode` reads, from the events table (alias `events`) and its leaf row
    (alias `leaves`): every query that returns events selects these."""
    return (f"{events}.{dialect.position_column} AS position, {events}.originator_id, {events}.originator_version, "
            f"{events}.state, {leaves}.log_index, {leaves}.recorded_at AS leaf_recorded_at, {leaves}.leaf_hash")


def select_events(dialect: Dialect) -> str:
    """`SELECT … FROM <events> e LEFT JOIN nl_leaves l …`, ready for a WHERE clause."""
    return (f"SELECT {event_columns(dialect)} FROM {dialect.events_table} e "
            f"LEFT JOIN nl_leaves l ON l.position = e.{dialect.position_column} ")


def decode(row: Mapping[str, Any]) -> dict[str, Any]:
    record = jsonfast.loads(row["state"])["record"]
    event = {**record, "negotiation_id": negotiation_id(row["originator_id"]),
             "version": row["originator_version"], "position": row["position"]}
    if row["log_index"] is not None:
        # Stamped under the write lock; a record stored before v2 carries the same value.
        event["recorded_at"] = row["leaf_recorded_at"]
        event["log_index"] = row["log_index"]
        event["hash"] = bytes(row["leaf_hash"]).hex()
    return event


class EventLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._select = select_events(db.dialect)
        self._pos = db.dialect.position_column
        self._events_table = db.events_table

    decode = staticmethod(decode)

    def read(self, after: int = 0, limit: int = PAGE_SIZE, *, upto: int | None = None) -> list[dict[str, Any]]:
        """Events in global position order, after `after`, at most `limit`."""
        sql = self._select + f"WHERE e.{self._pos} > ? "
        params: list[Any] = [after]
        if upto is not None:
            sql += f"AND e.{self._pos} <= ? "
            params.append(upto)
        sql += f"ORDER BY e.{self._pos} LIMIT ?"
        params.append(limit)
        return [decode(r) for r in self.db.query(sql, params)]

    def iterate(self, after: int = 0, *, upto: int | None = None, page: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
        while True:
            events = self.read(after, page, upto=upto)
            yield from events
            if len(events) < page:
                return
            after = events[-1]["position"]

    def stream(self, negotiation_id: str) -> list[dict[str, Any]]:
        """One negotiation's events in version order."""
        return [e for page in self.stream_pages(negotiation_id) for e in page]

    def stream_pages(self, negotiation_id: str, *, upto: int | None = None,
                     page: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """One negotiation's events in version order, a page at a time (an export of a stream
        of any length holds one page), none above position `upto`."""
        stream_id, after = self.db.dialect.stream_id(negotiation_id), 0
        sql = self._select + "WHERE e.originator_id = ? AND e.originator_version > ? "
        if upto is not None:
            sql += f"AND e.{self._pos} <= ? "
        sql += "ORDER BY e.originator_version LIMIT ?"
        while True:
            params = [stream_id, after, *([upto] if upto is not None else []), page]
            events = [self.decode(r) for r in self.db.query(sql, params)]
            if events:
                yield events
            if len(events) < page:
                return
            after = events[-1]["version"]

    def by_event_ids(self, event_ids: Sequence[str]) -> list[dict[str, Any]]:
        if not event_ids:
            return []
        marks = ",".join("?" * len(event_ids))
        rows = self.db.query(self._select + f"WHERE e.{self._pos} IN (SELECT position FROM nl_leaves WHERE "
                                            f"event_id IN ({marks})) ORDER BY e.{self._pos}", list(event_ids))
        return [decode(r) for r in rows]

    def by_event_id(self, event_id: str) -> dict[str, Any] | None:
        found = self.by_event_ids([event_id])
        return found[0] if found else None

    def at_log_index(self, log_index: int) -> dict[str, Any] | None:
        rows = self.db.query(self._select + "WHERE l.log_index = ?", [log_index])
        return decode(rows[0]) if rows else None

    def head(self) -> dict[str, Any]:
        """The last event stored: its position and hash (position 0 when the log is empty)."""
        row = self.db.query_one("SELECT position, leaf_hash FROM nl_leaves ORDER BY position DESC LIMIT 1")
        return {"position": row["position"], "hash": bytes(row["leaf_hash"]).hex()} if row else \
            {"position": 0, "hash": None}

    def negotiation_ids(self, after: int = 0, limit: int = 100, *,
                        scope: frozenset[str] | None = None) -> list[tuple[str, int]]:
        """(negotiation id, position of its opening), in opening order, for listing; with a
        scope, only those opened in its workspaces (domain.workspaces' index)."""
        if scope is not None:
            names = sorted(scope)
            rows = self.db.query(
                f"SELECT negotiation_id, opened_position AS position FROM nl_workspaces WHERE workspace IN "
                f"({','.join('?' * len(names))}) AND opened_position > ? ORDER BY opened_position LIMIT ?",
                [*names, after, limit])
            return [(r["negotiation_id"], r["position"]) for r in rows]
        rows = self.db.query(
            f"SELECT originator_id, {self._pos} AS position FROM {self._events_table} "
            f"WHERE originator_version = 1 AND {self._pos} > ? ORDER BY {self._pos} LIMIT ?", [after, limit])
        return [(negotiation_id(r["originator_id"]), r["position"]) for r in rows]

    def raw_rows(self, after: int = 0, limit: int = PAGE_SIZE) -> list[Mapping[str, Any]]:
        """Event rows as stored, with no join: what the log audit recomputes from."""
        return self.db.query(
            f"SELECT {self._pos} AS position, originator_id, originator_version, state FROM {self._events_table} "
            f"WHERE {self._pos} > ? ORDER BY {self._pos} LIMIT ?", [after, limit])

    def leaves_between(self, start: int, end: int, limit: int = PAGE_SIZE) -> list[Mapping[str, Any]]:
        """Leaf rows with log_index in [start, end), each with its event row's columns (null
        where the event is missing), in log_index order."""
        pos = self._pos
        return self.db.query(
            "SELECT l.position, l.log_index, l.event_id, l.recorded_at, l.leaf_hash, l.salts, l.erased, "
            f"e.originator_id, e.originator_version, e.state FROM nl_leaves l LEFT JOIN {self._events_table} e "
            f"ON e.{pos} = l.position WHERE l.log_index >= ? AND l.log_index < ? ORDER BY l.log_index LIMIT ?",
            [start, end, limit])

    def leaf_rows(self, after: int = 0, limit: int = PAGE_SIZE) -> list[Mapping[str, Any]]:
        """Leaf rows as stored, in position order: what the log audit checks the events against."""
        return self.db.query(
            "SELECT position, log_index, event_id, recorded_at, leaf_hash, salts, erased FROM nl_leaves "
            "WHERE position > ? ORDER BY position LIMIT ?", [after, limit])
