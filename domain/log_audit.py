"""Re-checking the whole log from storage (docs/api.md §6): every leaf recomputed from the values
and salts still stored (and the stored digest where a field was erased), every tree node
recomputed from the leaves, and, given a signed checkpoint, the tree at its size compared
with the root it signed.

An edited value, salt, digest, leaf hash or tree node changes a recomputed hash; a deleted,
inserted or reordered row breaks the dense log_index order or leaves an event without its leaf.
A log rewritten consistently (every hash recomputed) or cut back is caught only against a
checkpoint signed before: that is what checkpoints are for.

The tree is checked in chunks of `CHUNK` leaves, each a complete subtree: a chunk's leaves and
the nodes inside it are verified on their own (in worker processes, for a long log, one per
core), and the chunks' roots are then combined into the nodes above them."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import orjson

from domain import jsonfast
from domain.leaves import field_digests, leaf_bytes
from domain.merkle import Frontier, Node, leaf_hash, root_from, root_nodes
from domain.storage.dialect import Dialect
from domain.storage.log import PAGE_SIZE, EventLog, negotiation_id
from domain.storage.reader import Reader, open_reader
from domain.storage.tree import read_nodes, tree_size

Progress = Callable[[int], None]
CHUNK_LEVEL = 14
CHUNK = 1 << CHUNK_LEVEL
# Worker processes pay for themselves only on a long log.
PARALLEL_FROM = 4 * CHUNK


@dataclass(frozen=True)
class SignedSize:
    """What a checkpoint says: the tree of `size` leaves has `root`."""

    size: int
    root: bytes


@dataclass
class ChunkResult:
    """One chunk of leaves [start, end), as far as it checked out."""

    start: int
    end: int
    root: bytes | None = None  # of the chunk's leaves, when complete and intact
    first_position: int | None = None
    last_position: int | None = None
    last_hash: bytes | None = None
    checked: int = 0
    bad: tuple[int, str] | None = None


def recomputed_leaf(row: Mapping[str, Any], leaf: Mapping[str, Any]) -> bytes:
    """The leaf an event row and its leaf row commit to; raises ValueError, KeyError or
    TypeError when they cannot be read together (a field without a salt, bad JSON)."""
    record = jsonfast.loads(row["state"])["record"]
    event = {**record, "negotiation_id": negotiation_id(row["originator_id"]), "version": row["originator_version"],
             "log_index": leaf["log_index"], "recorded_at": leaf["recorded_at"]}
    if event.get("event_id") != leaf["event_id"]:
        raise ValueError("the event and its leaf row name different event ids")
    salts = orjson.loads(leaf["salts"])
    erased = orjson.loads(leaf["erased"]) if leaf["erased"] else None
    return leaf_bytes(event, field_digests(event, salts, erased))


def leaves_between_sql(dialect: Dialect) -> str:
    pos = dialect.position_column
    return ("SELECT l.position, l.log_index, l.event_id, l.recorded_at, l.leaf_hash, l.salts, l.erased, "
            f"e.originator_id, e.originator_version, e.state FROM nl_leaves l LEFT JOIN {dialect.events_table} e "
            f"ON e.{pos} = l.position WHERE l.log_index >= ? AND l.log_index < ? ORDER BY l.log_index LIMIT ?")


def verify_chunk(reader: Reader, start: int, end: int, page: int = PAGE_SIZE) -> ChunkResult:
    """Recomputes the leaves with log_index in [start, end) and the tree nodes inside that
    range (`start` aligned to the chunk size), comparing each with what is stored."""
    result = ChunkResult(start, end)
    frontier = Frontier.empty()  # local: node (level, i) here is (level, i + (start >> level)) globally
    sql = leaves_between_sql(reader.dialect)
    index = start
    while index < end and result.bad is None:
        rows = reader.query(sql, [index, end, page])
        if not rows:
            result.bad = (result.last_position or 0, f"the leaves from log_index {index} on are missing: "
                                                     "rows were deleted")
            break
        pending: list[tuple[Node, bytes, int]] = []
        for row in rows:
            problem = _leaf_problem(row, index, result.last_position)
            if problem is not None:
                result.bad = (row["position"], problem)
                break
            hashed = bytes(row["leaf_hash"])
            pending += [((level, idx + (start >> level)), h, row["position"])
                        for (level, idx), h in frontier.append(hashed) if level]
            if result.first_position is None:
                result.first_position = row["position"]
            result.last_position, result.last_hash = row["position"], hashed
            result.checked += 1
            index += 1
        if result.bad is None:
            result.bad = _nodes_problem(reader, pending)
    if result.bad is None and frontier.size == CHUNK:
        result.root = frontier.root()
    return result


def _leaf_problem(row: Mapping[str, Any], index: int, last_position: int | None) -> str | None:
    position = row["position"]
    if row["log_index"] != index:
        return (f"the event at position {position} has log_index {row['log_index']} where {index} was due: "
                "rows were deleted, inserted or reordered")
    if row["state"] is None:
        return f"position {position} has a leaf row but no stored event: the event was deleted or moved"
    if last_position is not None and position <= last_position:
        return f"log_index {index} is at position {position}, before the leaf that precedes it: rows were reordered"
    try:
        recomputed = leaf_hash(recomputed_leaf(row, row))
    except (ValueError, KeyError, TypeError) as e:
        return f"the event at position {position} cannot be read with its leaf row ({e})"
    if recomputed != bytes(row["leaf_hash"]):
        return (f"the event at position {position} does not match its leaf hash: a value, salt, digest or "
                "the hash itself was edited")
    return None


def _nodes_problem(reader: Reader, pending: Sequence[tuple[Node, bytes, int]]) -> tuple[int, str] | None:
    """Compares recomputed tree nodes with the stored ones, one range read per level."""
    by_level: dict[int, list[tuple[int, bytes, int]]] = {}
    for (level, idx), hashed, position in pending:
        by_level.setdefault(level, []).append((idx, hashed, position))
    for level, expected in sorted(by_level.items()):
        stored = reader.range(level, expected[0][0], expected[-1][0] + 1)
        for i, (idx, hashed, position) in enumerate(expected):
            if i >= len(stored) or stored[i] != hashed:
                return position, (f"tree node ({level}, {idx}), completed by the event at position {position}, "
                                  "is missing or edited")
    return None


# -- the whole log -----------------------------------------------------------------------------

def verify_log(log: EventLog, *, signed: SignedSize | None = None, url: str | None = None, chunk: int = CHUNK,
               page: int = PAGE_SIZE, workers: int | None = None, progress: Progress = lambda n: None
               ) -> dict[str, Any]:
    """`url` (the database's) lets a long log be checked by worker processes; `chunk` is
    for tests, to check a small log in several chunks."""
    assert chunk & (chunk - 1) == 0, "a chunk is a complete subtree: a power of two"
    dialect = log.db.dialect
    with log.db.transaction(commit=False) as cursor:
        size = tree_size(cursor, dialect)
    spans = [(start, min(start + chunk, size)) for start in range(0, size, chunk)]
    results = _chunk_results(log, url, spans, page, workers if workers is not None else _workers(size, url),
                             progress)
    failures = [r.bad for r in results if r.bad is not None]
    failures += _order_problems(results) + _upper_problems(log, results, chunk)
    stray = _event_without_leaf(log)
    if stray is not None:
        failures.append(stray)
    checked = sum(r.checked for r in results)
    last = next((r for r in reversed(results) if r.last_position is not None), None)
    head = {"position": last.last_position, "hash": last.last_hash.hex()} if last and last.last_hash else \
        {"position": 0, "hash": None}
    if not failures:
        stray_node = _stray_node(log, size)
        if stray_node is not None:
            failures.append((head["position"], stray_node))
    return _answer(log, size, checked, head, min(failures, default=None), signed)


def _workers(size: int, url: str | None) -> int:
    on_disk = url is not None and url != ":memory:" and "mode=memory" not in url
    return min(os.cpu_count() or 1, 4) if on_disk and size >= PARALLEL_FROM else 0


def _chunk_results(log: EventLog, url: str | None, spans: list[tuple[int, int]], page: int, workers: int,
                   progress: Progress) -> list[ChunkResult]:
    results: list[ChunkResult] = []
    done = 0
    if workers > 1 and url is not None:
        # spawn, not fork: the service has threads (and open connections) a fork would copy.
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_open_worker,
                                 initargs=(url,)) as pool:
            for result in pool.map(_worker_chunk, spans, [page] * len(spans)):
                results.append(result)
                done += result.checked
                progress(done)
        return results
    reader = Reader.over(log.db)
    for start, end in spans:
        results.append(verify_chunk(reader, start, end, page))
        done += results[-1].checked
        progress(done)
    return results


_worker_reader: Reader | None = None


def _open_worker(url: str) -> None:
    global _worker_reader
    _worker_reader = open_reader(url)


def _worker_chunk(span: tuple[int, int], page: int) -> ChunkResult:
    assert _worker_reader is not None
    return verify_chunk(_worker_reader, span[0], span[1], page)


def _order_problems(results: Sequence[ChunkResult]) -> list[tuple[int, str]]:
    problems = []
    for before, after in zip(results, results[1:]):
        if before.last_position is not None and after.first_position is not None \
                and after.first_position <= before.last_position:
            problems.append((after.first_position, f"log_index {after.start} is at position {after.first_position}, "
                                                   "before the leaf that precedes it: rows were reordered"))
    return problems


def _upper_problems(log: EventLog, results: Sequence[ChunkResult], chunk: int) -> list[tuple[int, str]]:
    """The nodes above the chunks, recomputed from the complete chunks' roots."""
    level0 = chunk.bit_length() - 1
    upper = Frontier.empty()
    pending: list[tuple[Node, bytes, int]] = []
    for result in results:
        if result.root is None or result.last_position is None:
            break
        pending += [((level + level0, idx), h, result.last_position)
                    for (level, idx), h in upper.append(result.root) if level]
    found = _nodes_problem(Reader.over(log.db), pending)
    return [found] if found else []


def _event_without_leaf(log: EventLog) -> tuple[int, str] | None:
    pos, events = log.db.dialect.position_column, log.db.events_table
    row = log.db.query_one(f"SELECT MIN(e.{pos}) AS p FROM {events} e LEFT JOIN nl_leaves l ON l.position = e.{pos} "
                           "WHERE l.position IS NULL")
    if row is None or row["p"] is None:
        return None
    return int(row["p"]), (f"the event at position {row['p']} has no leaf row: it was inserted behind the "
                           "service's back, or its leaf was deleted")


def _stray_node(log: EventLog, size: int) -> str | None:
    """A node no complete subtree of the tree accounts for: inserted, or left by a cut."""
    stray = log.db.query_one("SELECT level, idx FROM nl_tree WHERE level < 1 OR level > 63 OR idx < 0 OR "
                             + " OR ".join(f"(level = {level} AND idx >= {size >> level})" for level in range(1, 64))
                             + " LIMIT 1")
    if stray is None:
        return None
    return (f"tree node ({stray['level']}, {stray['idx']}) covers leaves the log does not hold: it was inserted, "
            "or the log was cut back")


def _stored_root(log: EventLog, size: int) -> bytes | None:
    with log.db.transaction(commit=False) as cursor:
        try:
            return root_from(size, read_nodes(cursor, log.db.dialect, root_nodes(size)))
        except KeyError:
            return None


def _answer(log: EventLog, size: int, checked: int, head: dict[str, Any], failure: tuple[int, str] | None,
            signed: SignedSize | None) -> dict[str, Any]:
    # Once every leaf and node was recomputed and found as stored, the stored roots are the
    # recomputed ones: read, not folded again.
    problems = [failure[1]] if failure else []
    root = _stored_root(log, size)
    checkpoint = None
    if signed is not None and failure is None:
        if size < signed.size:
            problems.append(f"the log holds {size} events, fewer than the {signed.size} of the signed checkpoint: "
                            "it was cut back")
            extends = False
        else:
            extends = _stored_root(log, signed.size) == signed.root
            if not extends:
                problems.append(f"the tree of the first {signed.size} events is not the one the checkpoint signed: "
                                "history up to there was rewritten")
        checkpoint = {"tree_size": signed.size, "root": base64.b64encode(signed.root).decode(), "extends": extends}
    return {"ok": not problems, "checked": checked, "head": head,
            "first_bad_position": failure[0] if failure else None, "tree_size": size,
            "root": base64.b64encode(root).decode() if root is not None else None,
            "checkpoint": checkpoint, "problems": problems}

