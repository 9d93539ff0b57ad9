"""The stored nodes of an RFC 9162 (section 2.1) Merkle tree and the subtree ranges built on them.

A tree is stored as the hashes of its *complete* subtrees, as Go's golang.org/x/mod/sumdb/tlog
stores it: the node `(level, index)` is the complete subtree over the leaves
`[index * 2**level, (index + 1) * 2**level)`; level 0 holds the leaf hashes. Such a node never
changes once its last leaf is appended, so it can be written once and read by anyone.

Every range the RFC's recursive definitions split a tree into, `[lo, hi)` with `lo` a multiple
of the largest power of two not above `hi - lo`, is a run of complete subtrees of decreasing
size; its hash folds them from the right. A range therefore costs O(log n) stored nodes."""

from __future__ import annotations

from collections.abc import Mapping

from domain.merkle.hashing import EMPTY_ROOT, Hash, node_hash

Node = tuple[int, int]  # (level, index)


def node_leaves(node: Node) -> tuple[int, int]:
    """The leaves `[lo, hi)` that the node covers."""
    level, index = node
    return index << level, (index + 1) << level


def node_complete(node: Node, size: int) -> bool:
    """Whether the node exists (all its leaves are appended) in a tree of `size` leaves."""
    level, index = node
    return level >= 0 and index >= 0 and (index + 1) << level <= size


def largest_power_of_two_below(n: int) -> int:
    """The RFC's split point k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(lo: int, hi: int) -> list[Node]:
    """The complete subtrees making up the leaves `[lo, hi)`, left to right (largest first)."""
    if not 0 <= lo <= hi:
        raise ValueError(f"[{lo}, {hi}) is not a range of leaves")
    nodes: list[Node] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo & ((1 << level) - 1):
            raise ValueError(f"[{lo}, {hi}) is not a subtree of an RFC 9162 tree")
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def range_hash(lo: int, hi: int, hashes: Mapping[Node, Hash]) -> Hash:
    """MTH(D[lo:hi]) from the hashes of `range_nodes(lo, hi)`."""
    nodes = range_nodes(lo, hi)
    if not nodes:
        return EMPTY_ROOT
    result = hashes[nodes[-1]]
    for node in reversed(nodes[:-1]):
        result = node_hash(hashes[node], result)
    return result


def root_nodes(size: int) -> list[Node]:
    """The complete subtrees making up a tree of `size` leaves, left to right."""
    return range_nodes(0, size)


def root_from(size: int, hashes: Mapping[Node, Hash]) -> Hash:
    """The root hash MTH(D[0:size]) from the hashes of `root_nodes(size)`."""
    return range_hash(0, size, hashes)
