"""What is written beside the events, inside their transaction: each event's leaf and the
Merkle tree nodes it completes, the idempotency keys, and whatever read-model hooks the
composition root registered. Runs after the events were inserted (positions are known) and
while the writer holds the events table's write lock, so the next `log_index`, the tree's
right edge and the last `recorded_at` read here are this writer's alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from eventsourcing.persistence import StoredEvent

from domain import jsonfast
from domain.erasure import ERASURE_TYPE
from domain.leaves import leaf_bytes
from domain.merkle import Frontier, leaf_hash
from domain.snapshots import Snapshot
from domain.storage.cursor import Cursor
from domain.storage.dialect import Dialect
from domain.storage.erasing import erase_stored
from domain.storage.snapshots import drop_snapshots, write_snapshots
from domain.storage.tree import TreeCache, parse_recorded_at, tree_head, write_nodes
from domain.valid_time import format_utc

__all__ = ["Committed", "Cursor", "IdempotencyEntry", "PendingWrite", "TransactionHook", "write_beside_events"]

_MICROSECOND = timedelta(microseconds=1)


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


@dataclass(frozen=True)
class Committed:
    """An event's committed form, made before the write lock is taken: the salt and the
    digest of each committed field (domain.leaves), and which request it came with (the
    events of one request share their recorded time, so a `known_at` never splits them)."""

    salts: dict[str, str]
    digests: dict[str, str]
    request: int
    erased: dict[str, str] = field(default_factory=dict)  # digests of fields erased before it came (an import)


@dataclass
class PendingWrite:
    """Passed through `Application.save(**kwargs)` down to the recorder.

    `records` holds each new event's contract-level record by (negotiation id, version) and
    `committed` its committed form; after the insert, `stored` holds the full events as
    stored (position, log_index, recorded_at, hash) and `frontier` the tree's new right edge,
    which the application hands to the cache once the transaction committed. `erasures` are
    (target event id, field names) of the `record.erased` events among them; `snapshots`
    the streams' snapshots to store (domain.snapshots), each taken after an event stored here."""

    records: dict[tuple[str, int], dict[str, Any]]
    committed: dict[tuple[str, int], Committed]
    tree: TreeCache
    idempotency: list[IdempotencyEntry] = field(default_factory=list)
    hooks: Sequence[TransactionHook] = ()
    stored: list[dict[str, Any]] = field(default_factory=list)
    frontier: Frontier | None = None
    erasures: list[tuple[str, list[str]]] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)


class _Clock:
    """Recorded time, taken under the write lock: strictly later for each request than for
    the one before it in position order, whichever process or clock stamped that one."""

    def __init__(self, last: datetime | None) -> None:
        self.now = datetime.now(timezone.utc)
        self.last = last
        self.request: int | None = None
        self.stamp = ""

    def at(self, request: int) -> str:
        if request != self.request:
            at = self.now if self.last is None else max(self.now, self.last + _MICROSECOND)
            self.last, self.request, self.stamp = at, request, format_utc(at)
        return self.stamp


def write_beside_events(cursor: Cursor, dialect: Dialect, stored_events: Sequence[StoredEvent],
                        positions: Sequence[int], write: PendingWrite) -> None:
    size, last_recorded = tree_head(cursor, dialect)
    frontier = write.tree.frontier(cursor, dialect, size)
    clock = _Clock(parse_recorded_at(last_recorded))
    events: list[dict[str, Any]] = []
    leaf_rows: list[tuple[Any, ...]] = []
    nodes: list[tuple[tuple[int, int], bytes]] = []
    for stored, position in sorted(zip(stored_events, positions, strict=True), key=lambda p: p[1]):
        key = (str(stored.originator_id), stored.originator_version)
        committed = write.committed[key]
        event = {**write.records[key], "negotiation_id": key[0], "version": key[1], "position": position,
                 "log_index": frontier.size, "recorded_at": clock.at(committed.request)}
        hashed = leaf_hash(leaf_bytes(event, {**committed.digests, **committed.erased}))
        nodes += frontier.append(hashed)
        event["hash"] = hashed.hex()
        events.append(event)
        leaf_rows.append((position, event["log_index"], event["event_id"], event["recorded_at"], hashed,
                          jsonfast.dumps(committed.salts).decode(),
                          jsonfast.dumps(committed.erased).decode() if committed.erased else None))
    cursor.executemany(  # type: ignore[attr-defined]
        dialect.sql("INSERT INTO nl_leaves (position, log_index, event_id, recorded_at, leaf_hash, salts, erased) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)"), leaf_rows)
    write_nodes(cursor, dialect, nodes)
    for target_event_id, names in write.erasures:
        erase_stored(cursor, dialect, target_event_id, names)
    if write.erasures:
        # A snapshot holds no erasable value, but it was taken from the stream as it read
        # before: it is taken again from the stream as it reads now.
        drop_snapshots(cursor, dialect, (e["negotiation_id"] for e in events if e["type"] == ERASURE_TYPE))
    write_snapshots(cursor, dialect, write.snapshots)
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
    write.frontier = frontier
