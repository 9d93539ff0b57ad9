"""Answers about the tree, read from storage in O(log n): an event's leaf with its inclusion
proof and disclosures, a consistency proof between two sizes, C2SP hash tiles, receipts.
The pure package `domain.merkle` names the nodes each answer needs; they are read in one go."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from domain.checkpoints import CheckpointSigner, SignedCheckpoint
from domain.errors import FieldError, NotFound, ValidationFailed
from domain.leaves import disclosures, field_digests, leaf_bytes
from domain.merkle import (
    TILE_WIDTH, consistency_nodes, consistency_proof, inclusion_nodes, inclusion_proof, leaf_hash, tile_available,
    tile_nodes,
)
from domain.receipts import make_receipt
from domain.storage.log import EventLog
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

    def size(self) -> int:
        with self.log.db.transaction(commit=False) as cursor:
            return tree_size(cursor, self.log.db.dialect)

    def committed(self, event_id: str) -> CommittedEvent:
        event = self.log.by_event_id(event_id)
        if event is None or "log_index" not in event:
            raise NotFound(f"no event {event_id}", rule="event-exists")
        row = self.log.db.query_one("SELECT salts, erased FROM nl_leaves WHERE position = ?", [event["position"]])
        assert row is not None
        return CommittedEvent(event, json.loads(row["salts"]), json.loads(row["erased"]) if row["erased"] else {})

    def inclusion(self, event_id: str, tree_size: int | None = None) -> dict[str, Any]:
        """The event's leaf, its inclusion proof in the tree of `tree_size` leaves (default:
        the latest checkpoint's, which is then included) and its disclosures."""
        committed = self.committed(event_id)
        index = committed.event["log_index"]
        checkpoint: SignedCheckpoint | None = None
        if tree_size is None:
            checkpoint = self.signer.latest()
            tree_size = checkpoint.size
        elif not index < tree_size <= self.size():
            raise invalid("tree_size", f"must be from {index + 1} (the event's log_index + 1) to the tree's size "
                                       f"{self.size()}")
        leaf = committed.leaf()
        answer = {"log_index": index, "tree_size": tree_size, "leaf": _b64(leaf), "leaf_hash": leaf_hash(leaf).hex(),
                  "inclusion": [_b64(h) for h in self._inclusion(index, tree_size)],
                  "disclosures": committed.disclosures()}
        if checkpoint is not None:
            answer["checkpoint"] = checkpoint.note
        return answer

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        size = self.size()
        if second > size:
            raise invalid("second", f"must be at most the tree's size {size}")
        if first > second:
            raise invalid("first", "must be at most second")
        with self.log.db.transaction(commit=False) as cursor:
            hashes = read_nodes(cursor, self.log.db.dialect, consistency_nodes(first, second))
        return {"first": first, "second": second, "consistency": [_b64(h) for h in
                                                                   consistency_proof(first, second, hashes)]}

    def receipt(self, event_id: str) -> dict[str, Any]:
        committed = self.committed(event_id)
        checkpoint = self.signer.latest()
        index = committed.event["log_index"]
        if index >= checkpoint.size:  # appended after the checkpoint was read: sign again
            checkpoint = self.signer.latest()
        return make_receipt(committed.event, committed.disclosures(), committed.leaf(),
                            self._inclusion(index, checkpoint.size), checkpoint.note)

    def tile(self, level: int, index: int, width: int | None) -> bytes:
        """A C2SP hash tile: the hashes of nodes (8 * level, index * 256 + i), i < width."""
        size, full = self.size(), width is None
        width = TILE_WIDTH if width is None else width
        if not tile_available(level, index, width, size):
            raise NotFound(f"no tile {level}/{index}" + ("" if full else f".p/{width}") + f" in a tree of {size}",
                           rule="tile-exists")
        [first] = tile_nodes(level, index, 1)
        with self.log.db.transaction(commit=False) as cursor:
            hashes = read_range(cursor, self.log.db.dialect, first[0], first[1], first[1] + width)
        assert len(hashes) == width, "the stored tree lacks nodes the tree's size says are complete"
        return b"".join(hashes)

    def _inclusion(self, index: int, size: int) -> list[bytes]:
        with self.log.db.transaction(commit=False) as cursor:
            hashes = read_nodes(cursor, self.log.db.dialect, inclusion_nodes(index, size))
        return inclusion_proof(index, size, hashes)
