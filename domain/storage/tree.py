"""The Merkle tree as stored: leaf hashes in `nl_leaves` (level 0), the hashes of complete
subtrees above them in `nl_tree`. The pure package `domain.merkle` names the nodes a question
needs; this module reads exactly those, through whatever cursor it is given (inside the
append transaction, or a read)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from domain.merkle import Frontier, Node, root_from, root_nodes
from domain.storage.dialect import Dialect
from domain.storage.cursor import Cursor


def _rows(cursor: Cursor, dialect: Dialect, statement: str, params: Sequence[Any] = ()) -> list[Any]:
    cursor.execute(dialect.sql(statement), tuple(params))
    return list(cursor.fetchall())


def tree_head(cursor: Cursor, dialect: Dialect) -> tuple[int, str | None]:
    """(tree size, recorded_at of the last leaf)."""
    found = _rows(cursor, dialect, "SELECT log_index, recorded_at FROM nl_leaves ORDER BY log_index DESC LIMIT 1")
    return (int(found[0]["log_index"]) + 1, found[0]["recorded_at"]) if found else (0, None)


def tree_size(cursor: Cursor, dialect: Dialect) -> int:
    return tree_head(cursor, dialect)[0]


def read_nodes(cursor: Cursor, dialect: Dialect, nodes: Iterable[Node]) -> dict[Node, bytes]:
    """The stored hashes of `nodes`; a node not stored is left out (the caller's check then
    names it)."""
    wanted = sorted(set(nodes))
    leaves = [idx for level, idx in wanted if level == 0]
    inner = [(level, idx) for level, idx in wanted if level > 0]
    found: dict[Node, bytes] = {}
    if leaves:
        marks = ",".join("?" * len(leaves))
        for row in _rows(cursor, dialect, f"SELECT log_index, leaf_hash FROM nl_leaves WHERE log_index IN ({marks})",
                         leaves):
            found[(0, int(row["log_index"]))] = bytes(row["leaf_hash"])
    if inner:
        # One primary-key lookup per level (a row-value IN list would scan the table in SQLite).
        by_level: dict[int, list[int]] = {}
        for level, idx in inner:
            by_level.setdefault(level, []).append(idx)
        where = " OR ".join(f"(level = ? AND idx IN ({','.join('?' * len(idxs))}))" for idxs in by_level.values())
        params = [x for level, idxs in by_level.items() for x in (level, *idxs)]
        for row in _rows(cursor, dialect, f"SELECT level, idx, hash FROM nl_tree WHERE {where}", params):
            found[(int(row["level"]), int(row["idx"]))] = bytes(row["hash"])
    return found


def read_range(cursor: Cursor, dialect: Dialect, level: int, start: int, end: int) -> list[bytes]:
    """The hashes of nodes (level, start) … (level, end - 1) that are stored, in order."""
    if level == 0:
        found = _rows(cursor, dialect, "SELECT leaf_hash AS hash FROM nl_leaves WHERE log_index >= ? AND log_index < ? "
                                       "ORDER BY log_index", [start, end])
    else:
        found = _rows(cursor, dialect, "SELECT hash FROM nl_tree WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                      [level, start, end])
    return [bytes(r["hash"]) for r in found]


def write_nodes(cursor: Cursor, dialect: Dialect, nodes: Sequence[tuple[Node, bytes]]) -> None:
    rows = [(level, idx, h) for (level, idx), h in nodes if level > 0]
    if rows:
        cursor.executemany(dialect.sql("INSERT INTO nl_tree (level, idx, hash) VALUES (?, ?, ?)"), rows)  # type: ignore[attr-defined]


class TreeCache:
    """The right edge of the tree as this process last committed it, so an append reads no
    nodes. Trusted only at the size it was taken at: another process (or a rolled-back
    transaction, which never reaches `committed`) leaves it behind, and it is read again."""

    def __init__(self) -> None:
        self._frontier: Frontier | None = None

    def frontier(self, cursor: Cursor, dialect: Dialect, size: int) -> Frontier:
        cached = self._frontier
        if cached is not None and cached.size == size:
            return cached.copy()
        return Frontier.resume(size, read_nodes(cursor, dialect, Frontier.nodes(size)))

    def committed(self, frontier: Frontier) -> None:
        self._frontier = frontier


def parse_recorded_at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def root_at(cursor: Cursor, dialect: Dialect, size: int) -> bytes:
    """The root of the stored tree at `size` (any size up to the current one)."""
    return root_from(size, read_nodes(cursor, dialect, root_nodes(size)))
