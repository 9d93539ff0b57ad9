"""The right edge of a growing RFC 9162 tree: the complete subtrees of `root_nodes(size)`.

Appending a leaf only ever combines it with the rightmost of these, so the edge is all an
append needs (O(log n) hashes), and each append reports the nodes it completes, for the caller
to store in the same transaction as the leaf."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.merkle.hashing import EMPTY_ROOT, HASH_SIZE, Hash, is_hash, node_hash
from domain.merkle.nodes import Node, root_nodes


class Frontier:
    __slots__ = ("_size", "_edge")

    def __init__(self, size: int, edge: list[tuple[Node, Hash]]) -> None:
        if [node for node, _ in edge] != root_nodes(size):
            raise ValueError(f"the edge of a tree of {size} is {root_nodes(size)}")
        self._size = size
        self._edge = edge

    @property
    def size(self) -> int:
        return self._size

    @staticmethod
    def nodes(size: int) -> list[Node]:
        """The stored nodes to read to resume appending to a tree of `size` leaves."""
        return root_nodes(size)

    @classmethod
    def resume(cls, size: int, hashes: Mapping[Node, Hash]) -> Frontier:
        edge = []
        for node in root_nodes(size):
            value = hashes[node]
            if not is_hash(value):
                raise ValueError(f"the hash of node {node} is not {HASH_SIZE} bytes")
            edge.append((node, bytes(value)))
        return cls(size, edge)

    @classmethod
    def empty(cls) -> Frontier:
        return cls(0, [])

    def append(self, leaf_hash: Hash) -> list[tuple[Node, Hash]]:
        """Add the leaf with this hash; answer the nodes it completes, (0, index) first, then
        each level up."""
        if not is_hash(leaf_hash):
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
        node, value = (0, self._size), bytes(leaf_hash)
        completed = [(node, value)]
        edge = self._edge
        while edge and edge[-1][0][0] == node[0]:
            _, left = edge.pop()
            node, value = (node[0] + 1, node[1] >> 1), node_hash(left, value)
            completed.append((node, value))
        edge.append((node, value))
        self._size += 1
        return completed

    def extend(self, leaf_hashes: Iterable[Hash]) -> list[tuple[Node, Hash]]:
        """Append each leaf in turn; answer every node completed, in order."""
        completed: list[tuple[Node, Hash]] = []
        for leaf in leaf_hashes:
            completed.extend(self.append(leaf))
        return completed

    def root(self) -> Hash:
        if not self._edge:
            return EMPTY_ROOT
        result = self._edge[-1][1]
        for _, value in reversed(self._edge[:-1]):
            result = node_hash(value, result)
        return result

    def copy(self) -> Frontier:
        return Frontier(self._size, list(self._edge))

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"
