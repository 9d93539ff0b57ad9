"""A slow, obviously correct RFC 9162 section 2.1 Merkle tree, written straight from the RFC's
recursive definitions over the list of leaves, to check `domain.merkle` against."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from functools import cache

from domain.merkle import Hash, Node


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class ReferenceTree:
    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.mth = cache(self._mth)

    def _mth(self, lo: int, hi: int) -> Hash:
        """MTH(D[lo:hi]) (RFC 9162 2.1.1)."""
        n = hi - lo
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return hashlib.sha256(b"\x00" + self.leaves[lo]).digest()
        k = _split(n)
        return hashlib.sha256(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi)).digest()

    def root(self, size: int) -> Hash:
        return self.mth(0, size)

    def leaf_hash(self, index: int) -> Hash:
        return self.mth(index, index + 1)

    def path(self, m: int, lo: int, hi: int) -> list[Hash]:
        """PATH(m, D[lo:hi]) (RFC 9162 2.1.3.1), m relative to lo."""
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[Hash]:
        """SUBPROOF(m, D[lo:hi], b) (RFC 9162 2.1.4.1), m relative to lo."""
        n = hi - lo
        if m == n:
            return [] if whole else [self.mth(lo, hi)]
        k = _split(n)
        if m <= k:
            return self.subproof(m, lo, lo + k, whole) + [self.mth(lo + k, hi)]
        return self.subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]

    def inclusion(self, index: int, size: int) -> list[Hash]:
        return self.path(index, 0, size)

    def consistency(self, first: int, second: int) -> list[Hash]:
        return [] if first == 0 else self.subproof(first, 0, second, True)

    def nodes(self, size: int) -> NodeReader:
        """The stored nodes of the tree of `size` leaves, computed when read."""
        return NodeReader(self, size)

    def complete_nodes(self, size: int) -> dict[Node, Hash]:
        """Every complete subtree of the tree of `size` leaves, with its hash."""
        nodes: dict[Node, Hash] = {}
        level = 0
        while 1 << level <= size:
            for index in range(size >> level):
                nodes[(level, index)] = self.mth(index << level, (index + 1) << level)
            level += 1
        return nodes


class NodeReader(Mapping[Node, Hash]):
    """The complete subtrees of one tree size as a mapping, remembering which were read: a
    node not complete at that size is missing, as it would be from storage."""

    def __init__(self, tree: ReferenceTree, size: int) -> None:
        self.tree, self.size, self.read = tree, size, []

    def __getitem__(self, node: Node) -> Hash:
        level, index = node
        if level < 0 or index < 0 or (index + 1) << level > self.size:
            raise KeyError(node)
        self.read.append(node)
        return self.tree.mth(index << level, (index + 1) << level)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.tree.complete_nodes(self.size))

    def __len__(self) -> int:
        return len(self.tree.complete_nodes(self.size))


def leaves(count: int, salt: str = "") -> list[bytes]:
    return [f"leaf {salt}{i}".encode() for i in range(count)]
