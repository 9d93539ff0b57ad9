"""What is written beside the events, inside their transaction: the chain links, the
idempotency keys and whatever read-model hooks the composition root registered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from eventsourcing.persistence import StoredEvent

from domain.chain import GENESIS_HASH, link_hash
from domain.storage.dialect import Dialect


class Cursor(Protocol):
    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> Any: ...


class TransactionHook(Protocol):
    """Something kept in step with the log, in the same transaction (e.g. stored views)."""

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None: ...

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class IdempotencyEntry:
    principal: str
    key: str
    request_hash: str
    negotiation_id: str
    event_ids: tuple[str, ...]
    created_at: str


@dataclass
class PendingWrite:
    """Passed through `Application.save(**kwargs)` down to the recorder.

    `records` holds each new event's contract-level record by (negotiation id, version);
    after the insert, `stored` holds the full events as stored, with position and hashes."""

    records: dict[tuple[str, int], dict[str, Any]]
    idempotency: list[IdempotencyEntry] = field(default_factory=list)
    hooks: Sequence[TransactionHook] = ()
    stored: list[dict[str, Any]] = field(default_factory=list)


def chain_head(cursor: Cursor, dialect: Dialect) -> str:
    cursor.execute(dialect.sql("SELECT hash FROM nl_chain ORDER BY position DESC LIMIT 1"))
    row = cursor.fetchone()
    return row["hash"] if row else GENESIS_HASH


def write_beside_events(cursor: Cursor, dialect: Dialect, stored_events: Sequence[StoredEvent],
                        positions: Sequence[int], write: PendingWrite) -> None:
    """Must run in the events' transaction, after they were inserted (so positions are known)
    and while the writer still holds the table's write lock (so the chain head is ours)."""
    prev = chain_head(cursor, dialect)
    events: list[dict[str, Any]] = []
    for stored, position in sorted(zip(stored_events, positions, strict=True), key=lambda p: p[1]):
        negotiation_id = str(stored.originator_id)
        version = stored.originator_version
        event = {**write.records[(negotiation_id, version)],
                 "negotiation_id": negotiation_id, "version": version, "position": position}
        event["prev_hash"] = prev
        event["hash"] = prev = link_hash(prev, event)
        events.append(event)
    cursor.executemany(  # type: ignore[attr-defined]
        dialect.sql("INSERT INTO nl_chain (position, negotiation_id, version, event_id, prev_hash, hash) "
                    "VALUES (?, ?, ?, ?, ?, ?)"),
        [(e["position"], e["negotiation_id"], e["version"], e["event_id"], e["prev_hash"], e["hash"])
         for e in events],
    )
    for entry in write.idempotency:
        cursor.execute(
            dialect.sql("INSERT INTO nl_idempotency (principal, key, request_hash, negotiation_id, "
                        "event_ids, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
            (entry.principal, entry.key, entry.request_hash, entry.negotiation_id,
             json.dumps(list(entry.event_ids)), entry.created_at),
        )
    for hook in write.hooks:
        hook.after_insert(cursor, dialect, events)
    write.stored = events
