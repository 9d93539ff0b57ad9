"""Reading stored events back as contract-level objects: the record as recorded, plus the
envelope that storage owns (negotiation id, version, position, hashes)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from domain import jsonfast
from domain.storage.database import Database

PAGE_SIZE = 1000


@lru_cache(maxsize=4096)  # most rows read together belong to a few negotiations
def _negotiation_id(originator_id: UUID | str) -> str:
    return str(UUID(str(originator_id)))


class EventLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        events_table = db.events_table
        pos = db.dialect.position_column
        self._select = (
            f"SELECT e.{pos} AS position, e.originator_id, e.originator_version, e.state, "
            f"c.prev_hash, c.hash FROM {events_table} e LEFT JOIN nl_chain c ON c.position = e.{pos} "
        )
        self._pos = pos
        self._events_table = events_table

    @staticmethod
    def decode(row: Mapping[str, Any]) -> dict[str, Any]:
        state = row["state"]
        record = jsonfast.loads(state)["record"]
        event = {**record, "negotiation_id": _negotiation_id(row["originator_id"]),
                 "version": row["originator_version"], "position": row["position"]}
        if row["hash"] is not None:
            event["prev_hash"] = row["prev_hash"]
            event["hash"] = row["hash"]
        return event

    def read(self, after: int = 0, limit: int = PAGE_SIZE, *, upto: int | None = None) -> list[dict[str, Any]]:
        """Events in global position order, after `after`, at most `limit`."""
        sql = self._select + f"WHERE e.{self._pos} > ? "
        params: list[Any] = [after]
        if upto is not None:
            sql += f"AND e.{self._pos} <= ? "
            params.append(upto)
        sql += f"ORDER BY e.{self._pos} LIMIT ?"
        params.append(limit)
        return [self.decode(r) for r in self.db.query(sql, params)]

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
        positions = [r["position"] for r in self.db.query(
            f"SELECT position FROM nl_chain WHERE event_id IN ({marks}) ORDER BY position", list(event_ids))]
        if not positions:
            return []
        marks = ",".join("?" * len(positions))
        rows = self.db.query(self._select + f"WHERE e.{self._pos} IN ({marks}) ORDER BY e.{self._pos}", positions)
        return [self.decode(r) for r in rows]

    def by_event_id(self, event_id: str) -> dict[str, Any] | None:
        found = self.by_event_ids([event_id])
        return found[0] if found else None

    def head(self) -> dict[str, Any]:
        row = self.db.query_one("SELECT position, hash FROM nl_chain ORDER BY position DESC LIMIT 1")
        return {"position": row["position"], "hash": row["hash"]} if row else {"position": 0, "hash": None}

    def negotiation_ids(self, after: int = 0, limit: int = 100) -> list[tuple[str, int]]:
        """(negotiation id, position of its opening), in opening order, for listing."""
        rows = self.db.query(
            "SELECT negotiation_id, position FROM nl_chain WHERE version = 1 AND position > ? "
            "ORDER BY position LIMIT ?", [after, limit])
        return [(r["negotiation_id"], r["position"]) for r in rows]

    def chain_rows(self, after: int = 0, limit: int = PAGE_SIZE) -> list[Mapping[str, Any]]:
        return self.db.query(
            "SELECT position, negotiation_id, version, event_id, prev_hash, hash FROM nl_chain "
            "WHERE position > ? ORDER BY position LIMIT ?", [after, limit])

    def raw_rows(self, after: int = 0, limit: int = PAGE_SIZE) -> list[Mapping[str, Any]]:
        """Event rows as stored, with no join: what the chain audit recomputes from."""
        return self.db.query(
            f"SELECT {self._pos} AS position, originator_id, originator_version, state, "
            f"NULL AS prev_hash, NULL AS hash FROM {self._events_table} "
            f"WHERE {self._pos} > ? ORDER BY {self._pos} LIMIT ?", [after, limit])
