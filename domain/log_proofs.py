"""Answers about the tree, read from storage in O(log n): an event's leaf with its inclusion
proof and disclosures, a consistency proof between two sizes, C2SP hash tiles, receipts.
The pure package `domain.merkle` names the nodes each answer needs; they are read in one go."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson

from domain.checkpoints import CheckpointSigner, SignedCheckpoint
from domain.errors import FieldError, NotFound, ValidationFailed
from domain.leaves import disclosures, field_digests, leaf_bytes
from domain.merkle import (
    TILE_WIDTH, consistency_nodes, consistency_proof, inclusion_nodes, inclusion_proof, leaf_hash, tile_available,
    tile_nodes,
)
from domain.receipts import make_receipt
from domain.storage.cursor import Cursor
from domain.storage.log import EventLog, decode, event_columns
from domain.storage.tree import read_nodes, read_range, tree_size


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, message)])


@dataclass(frozen=True)
class CommittedEvent:
    """A stored event with what commits it: its salts (of fields still present), the
    digests of erased fields, and so its leaf."""

    event: dict[str, Any]
    salts: dict[str, str]
    erased: dict[str, str]

    def leaf(self) -> bytes:
        return leaf_bytes(self.event, field_digests(self.event, self.salts, self.erased))

    def disclosures(self) -> list[list[Any]]:
        return disclosures(self.event, self.salts)


class LogProofs:
    def __init__(self, log: EventLog, signer: CheckpointSigner) -> None:
        self.log = log
        self.signer = signer
        self.dialect = log.db.dialect
        self._committed_sql = (f"SELECT {event_columns(self.dialect)}, l.salts, l.erased FROM nl_leaves l "
                               f"JOIN {self.dialect.events_table} e ON e.{self.dialect.position_column} = l.position "
                               "WHERE l.event_id = ?")

    def size(self) -> int:
        with self.log.db.transaction(commit=False) as cursor:
            return tree_size(cursor, self.dialect)

    def committed(self, event_id: str, cursor: Cursor | None = None) -> CommittedEvent:
        if cursor is None:
            with self.log.db.transaction(commit=False) as cursor:
                return self.committed(event_id, cursor)
        cursor.execute(self.dialect.sql(self._committed_sql), (event_id,))
        row = cursor.fetchone()
        if row is None:
            raise NotFound(f"no event {event_id}", rule="event-exists")
        return CommittedEvent(decode(row), orjson.loads(row["salts"]), orjson.loads(row["erased"]) if row["erased"]
                              else {})

    def inclusion(self, event_id: str, tree_size: int | None = None) -> dict[str, Any]:
        """The event's leaf, its inclusion proof in the tree of `tree_size` leaves (default:
        the latest checkpoint's, which is then included) and its disclosures. One read
        transaction: the event with its salts, the tree's size, the O(log n) nodes."""
        checkpoint: SignedCheckpoint | None = None
        if tree_size is None:
            checkpoint = self.signer.latest()
        with self.log.db.transaction(commit=False) as cursor:
            committed = self.committed(event_id, cursor)
            index = committed.event["log_index"]
            size = checkpoint.size if checkpoint is not None else tree_size
            assert size is not None
            if checkpoint is None and not index < size <= _size(cursor, self.dialect):
                raise invalid("tree_size", f"must be from {index + 1} (the event's log_index + 1) to the tree's "
                                           f"size {_size(cursor, self.dialect)}")
            proof = inclusion_proof(index, size, read_nodes(cursor, self.dialect, inclusion_nodes(index, size)))
        leaf = committed.leaf()
        answer = {"log_index": index, "tree_size": size, "leaf": _b64(leaf), "leaf_hash": leaf_hash(leaf).hex(),
                  "inclusion": [_b64(h) for h in proof], "disclosures": committed.disclosures()}
        if checkpoint is not None:
            answer["checkpoint"] = checkpoint.note
        return answer

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        with self.log.db.transaction(commit=False) as cursor:
            size = _size(cursor, self.dialect)
            if second > size:
                raise invalid("second", f"must be at most the tree's size {size}")
            if first > second:
                raise invalid("first", "must be at most second")
            hashes = read_nodes(cursor, self.dialect, consistency_nodes(first, second))
        return {"first": first, "second": second,
                "consistency": [_b64(h) for h in consistency_proof(first, second, hashes)]}

    def receipt(self, event_id: str) -> dict[str, Any]:
        committed = self.committed(event_id)
        checkpoint = self.signer.latest()
        index = committed.event["log_index"]
        if index >= checkpoint.size:  # appended after the checkpoint was read: sign again
            checkpoint = self.signer.latest()
        with self.log.db.transaction(commit=False) as cursor:
            hashes = read_nodes(cursor, self.dialect, inclusion_nodes(index, checkpoint.size))
        return make_receipt(committed.event, committed.disclosures(), committed.leaf(),
                            inclusion_proof(index, checkpoint.size, hashes), checkpoint.note)

    def tile(self, level: int, index: int, width: int | None) -> bytes:
        """A C2SP hash tile: the hashes of nodes (8 * level, index * 256 + i), i < width."""
        full = width is None
        width = TILE_WIDTH if width is None else width
        [first] = tile_nodes(level, index, 1)
        with self.log.db.transaction(commit=False) as cursor:
            size = _size(cursor, self.dialect)
            if not tile_available(level, index, width, size):
                raise NotFound(f"no tile {level}/{index}" + ("" if full else f".p/{width}") + f" in a tree of {size}",
                               rule="tile-exists")
            hashes = read_range(cursor, self.dialect, first[0], first[1], first[1] + width)
        assert len(hashes) == width, "the stored tree lacks nodes the tree's size says are complete"
        return b"".join(hashes)


_size = tree_size
