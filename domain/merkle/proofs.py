"""RFC 9162 inclusion (2.1.3.1) and consistency (2.1.4.1) proofs, built from stored nodes.

Each proof is a list of subtree hashes. The RFC defines them recursively; here the recursion
is unrolled into the list of leaf ranges whose hashes make up the proof, in proof order. Only
the first range met on the tree's right edge can be incomplete (every range after it ends on a
power-of-two boundary), so a proof needs O(log n) stored nodes, which `*_nodes` names for the
caller to read and `*_proof` turns into hashes."""

from __future__ import annotations

from collections.abc import Mapping

from domain.merkle.hashing import Hash
from domain.merkle.nodes import Node, largest_power_of_two_below, range_hash, range_nodes


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")


def _check_sizes(first: int, second: int) -> None:
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from a tree of {first} to a tree of {second}")


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[0:size]) as leaf ranges, the leaf's sibling first."""
    _check_index(index, size)
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """PROOF(first, D[0:second]) as leaf ranges, in proof order; [] when first is 0 or second."""
    _check_sizes(first, second)
    if first == 0 or first == second:
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, whole_old_tree = 0, second, True  # the RFC's flag b
    while hi != first:
        k = largest_power_of_two_below(hi - lo)
        if first - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def _nodes_of(ranges: list[tuple[int, int]]) -> list[Node]:
    nodes: list[Node] = []
    for lo, hi in ranges:
        nodes.extend(range_nodes(lo, hi))
    return nodes


def inclusion_nodes(index: int, size: int) -> list[Node]:
    """Every stored node `inclusion_proof(index, size, ...)` reads."""
    return _nodes_of(inclusion_ranges(index, size))


def inclusion_proof(index: int, size: int, hashes: Mapping[Node, Hash]) -> list[Hash]:
    """The audit path of leaf `index` in the tree of `size` leaves, leaf's sibling first."""
    return [range_hash(lo, hi, hashes) for lo, hi in inclusion_ranges(index, size)]


def consistency_nodes(first: int, second: int) -> list[Node]:
    """Every stored node `consistency_proof(first, second, ...)` reads."""
    return _nodes_of(consistency_ranges(first, second))


def consistency_proof(first: int, second: int, hashes: Mapping[Node, Hash]) -> list[Hash]:
    """The proof that the tree of `second` leaves extends the tree of `first` leaves."""
    return [range_hash(lo, hi, hashes) for lo, hi in consistency_ranges(first, second)]
