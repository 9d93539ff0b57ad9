"""Re-checking the whole log from storage (CONTRACT §6): every leaf recomputed from the values
and salts still stored (and the stored digest where a field was erased), every tree node
recomputed from the leaves, and, given a signed checkpoint, the tree at its size compared
with the root it signed.

Events and leaf rows are read independently and walked together in position order, so an
edited, deleted, inserted or reordered row of either shows at its position; an edited salt,
digest, leaf hash or tree node changes a recomputed hash. A log rewritten consistently (every
hash recomputed) or cut back is caught only against a checkpoint signed before: that is what
checkpoints are for."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.leaves import field_digests, leaf_bytes
from domain.merkle import Frontier, Node, leaf_hash
from domain.storage.log import PAGE_SIZE, EventLog, decode
from domain.storage.tree import read_range

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SignedSize:
    """What a checkpoint says: the tree of `size` leaves has `root`."""

    size: int
    root: bytes


@dataclass
class _Walk:
    frontier: Frontier = field(default_factory=Frontier.empty)
    checked: int = 0
    head: dict[str, Any] = field(default_factory=lambda: {"position": 0, "hash": None})
    root_at_signed: bytes | None = None
    bad: int | None = None
    problem: str | None = None

    def fail(self, position: int, problem: str) -> None:
        self.bad, self.problem = position, problem


def _paged(fetch: Any, page: int) -> Iterator[Mapping[str, Any]]:
    after = 0
    while True:
        rows = fetch(after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1]["position"]


def recomputed_leaf(row: Mapping[str, Any], leaf: Mapping[str, Any]) -> bytes:
    """The leaf an event row and its leaf row commit to; raises ValueError, KeyError or
    TypeError when they cannot be read together (a field without a salt, bad JSON)."""
    event = decode({**row, "log_index": leaf["log_index"], "leaf_recorded_at": leaf["recorded_at"],
                    "leaf_hash": b""})
    if event.get("event_id") != leaf["event_id"]:
        raise ValueError("the event and its leaf row name different event ids")
    salts = json.loads(leaf["salts"])
    erased = json.loads(leaf["erased"]) if leaf["erased"] else None
    return leaf_bytes(event, field_digests(event, salts, erased))


def verify_log(log: EventLog, *, signed: SignedSize | None = None, page: int = PAGE_SIZE,
               progress: Progress = lambda n: None) -> dict[str, Any]:
    walk = _Walk()
    rows, leaves = _paged(log.raw_rows, page), _paged(log.leaf_rows, page)
    row, leaf = next(rows, None), next(leaves, None)
    pending: list[tuple[Node, bytes, int]] = []  # tree nodes recomputed, not yet compared
    while row is not None or leaf is not None:
        position = min(r["position"] for r in (row, leaf) if r is not None)
        here_row = row if row is not None and row["position"] == position else None
        here_leaf = leaf if leaf is not None and leaf["position"] == position else None
        if not _leaf_matches(walk, position, here_row, here_leaf):
            break
        hashed = bytes(here_leaf["leaf_hash"])  # type: ignore[index]
        pending += [(node, h, position) for node, h in walk.frontier.append(hashed) if node[0] > 0]
        walk.checked += 1
        walk.head = {"position": position, "hash": hashed.hex()}
        if signed is not None and walk.frontier.size == signed.size:
            walk.root_at_signed = walk.frontier.root()
        if len(pending) >= page:
            if not _nodes_match(log, walk, pending):
                break
            progress(walk.checked)
        row = next(rows, None)
        leaf = next(leaves, None)
    if walk.bad is None:
        _nodes_match(log, walk, pending)
    if walk.bad is None:
        _no_stray_nodes(log, walk)
    return _answer(walk, signed)


def _leaf_matches(walk: _Walk, position: int, row: Mapping[str, Any] | None,
                  leaf: Mapping[str, Any] | None) -> bool:
    if row is None:
        walk.fail(position, f"position {position} has a leaf row but no stored event: the event was deleted")
    elif leaf is None:
        walk.fail(position, f"the event at position {position} has no leaf row: it was inserted behind the "
                            "service's back, or its leaf was deleted")
    elif leaf["log_index"] != walk.frontier.size:
        walk.fail(position, f"the event at position {position} has log_index {leaf['log_index']} where "
                            f"{walk.frontier.size} was due: rows were deleted, inserted or reordered")
    else:
        try:
            recomputed = leaf_hash(recomputed_leaf(row, leaf))
        except (ValueError, KeyError, TypeError) as e:
            walk.fail(position, f"the event at position {position} cannot be read with its leaf row ({e})")
            return False
        if recomputed != bytes(leaf["leaf_hash"]):
            walk.fail(position, f"the event at position {position} does not match its leaf hash: a value, "
                                "salt, digest or the hash itself was edited")
            return False
        return True
    return False


def _nodes_match(log: EventLog, walk: _Walk, pending: list[tuple[Node, bytes, int]]) -> bool:
    """Compares recomputed tree nodes with the stored ones, a range per level."""
    by_level: dict[int, list[tuple[int, bytes, int]]] = {}
    for (level, idx), hashed, position in pending:
        by_level.setdefault(level, []).append((idx, hashed, position))
    pending.clear()
    with log.db.transaction(commit=False) as cursor:
        for level, expected in sorted(by_level.items()):
            stored = read_range(cursor, log.db.dialect, level, expected[0][0], expected[-1][0] + 1)
            for i, (idx, hashed, position) in enumerate(expected):
                if i >= len(stored) or stored[i] != hashed:
                    walk.fail(position, f"tree node ({level}, {idx}), completed by the event at position "
                                        f"{position}, is missing or edited")
                    return False
    return True


def _no_stray_nodes(log: EventLog, walk: _Walk) -> None:
    """Nodes no complete subtree of the tree accounts for: inserted, or left by a cut."""
    size = walk.frontier.size
    stray = log.db.query_one("SELECT level, idx FROM nl_tree WHERE level < 1 OR level > 63 OR idx < 0 OR "
                             + " OR ".join(f"(level = {level} AND idx >= {size >> level})" for level in range(1, 64))
                             + " LIMIT 1")
    if stray is not None:
        walk.fail(walk.head["position"], f"tree node ({stray['level']}, {stray['idx']}) covers leaves the log "
                                          "does not hold: it was inserted, or the log was cut back")


def _answer(walk: _Walk, signed: SignedSize | None) -> dict[str, Any]:
    problems = [walk.problem] if walk.problem else []
    checkpoint = None
    if signed is not None and walk.bad is None:
        extends = walk.root_at_signed == signed.root if signed.size else True
        if walk.frontier.size < signed.size:
            problems.append(f"the log holds {walk.frontier.size} events, fewer than the {signed.size} of the "
                            "signed checkpoint: it was cut back")
            extends = False
        elif not extends:
            problems.append(f"the tree of the first {signed.size} events is not the one the checkpoint signed: "
                            "history up to there was rewritten")
        checkpoint = {"tree_size": signed.size, "root": base64.b64encode(signed.root).decode(), "extends": extends}
    return {"ok": not problems, "checked": walk.checked, "head": walk.head, "first_bad_position": walk.bad,
            "tree_size": walk.frontier.size, "root": base64.b64encode(walk.frontier.root()).decode(),
            "checkpoint": checkpoint, "problems": problems}
