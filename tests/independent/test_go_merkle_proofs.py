"""Our Merkle tree (domain.merkle) against Go's sumdb/tlog: the same leaf hashes and roots for
every tree of 1 … 300 leaves, every inclusion and consistency proof of those trees accepted by
tlog.CheckRecord / tlog.CheckTree, and our proofs equal to Go's own across the tile boundaries
(255, 256, 257, 65,536 and 65,537 leaves)."""

from __future__ import annotations

import pytest

from domain.merkle import (
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from,
)
from tests.independent.go_verifier import GoRefusal, GoVerifier
from tests.merkle_reference import leaves

SIZE = 300
LEAVES = leaves(SIZE)


def grown(leaf_list: list[bytes]) -> dict[tuple[int, int], bytes]:
    return dict(Frontier.empty().extend(leaf_hash(leaf) for leaf in leaf_list))


NODES = grown(LEAVES)
ROOTS = [root_from(n, NODES) for n in range(SIZE + 1)]


def test_leaf_hashes_and_roots_of_every_tree_up_to_300_leaves_are_gos(
    go_verifier: GoVerifier,
) -> None:
    go = go_verifier.tree(LEAVES, sizes=range(SIZE + 1))
    assert go.leaf_hashes == [leaf_hash(leaf) for leaf in LEAVES]
    # Go's tlog.TreeHash(0) is 32 zero bytes; RFC 9162 (and we) make it SHA-256 of nothing.
    assert go.roots[0] == bytes(32)
    assert go.roots[1:] == ROOTS[1:]


def test_go_accepts_every_inclusion_proof_up_to_300_leaves(go_verifier: GoVerifier) -> None:
    requests = [
        go_verifier.inclusion_request(
            index, size, NODES[(0, index)], inclusion_proof(index, size, NODES), ROOTS[size]
        )
        for size in range(1, SIZE + 1)
        for index in range(size)
    ]
    assert len(requests) == SIZE * (SIZE + 1) // 2
    refused = [(r["index"], r["size"], e) for r, e in zip(requests, go_verifier.refusals(requests))]
    assert [r for r in refused if r[2] is not None] == []


def test_go_accepts_every_consistency_proof_up_to_300_leaves(go_verifier: GoVerifier) -> None:
    requests = [
        go_verifier.consistency_request(
            first, second, ROOTS[first], ROOTS[second], consistency_proof(first, second, NODES)
        )
        for second in range(1, SIZE + 1)
        for first in range(1, second + 1)  # tlog.CheckTree has no tree of 0
    ]
    refused = [(r["first"], r["second"], e) for r, e in zip(requests, go_verifier.refusals(requests))]
    assert [r for r in refused if r[2] is not None] == []


def test_go_refuses_our_proofs_once_tampered(go_verifier: GoVerifier) -> None:
    """The check above can fail: an edited proof, or one checked for another leaf or root."""
    proof = inclusion_proof(37, 300, NODES)
    flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    consistency = consistency_proof(100, 300, NODES)
    cases = [
        go_verifier.inclusion_request(37, 300, NODES[(0, 37)], flipped, ROOTS[300]),
        go_verifier.inclusion_request(37, 300, NODES[(0, 37)], proof[:-1], ROOTS[300]),
        go_verifier.inclusion_request(38, 300, NODES[(0, 37)], proof, ROOTS[300]),
        go_verifier.inclusion_request(37, 300, NODES[(0, 37)], proof, ROOTS[299]),
        go_verifier.consistency_request(100, 300, ROOTS[99], ROOTS[300], consistency),
        go_verifier.consistency_request(100, 300, ROOTS[100], ROOTS[300], consistency[1:]),
    ]
    assert all(go_verifier.refusals(cases))
    with pytest.raises(GoRefusal, match="invalid transparency proof"):
        go_verifier.check_inclusion(37, 300, NODES[(0, 37)], flipped, ROOTS[300])


BIG = 65_537
EDGE_SIZES = [1, 2, 255, 256, 257, 511, 512, 513, 65_535, 65_536, 65_537]
EDGE_INDEXES = [0, 1, 254, 255, 256, 257, 511, 512, 65_534, 65_535, 65_536]


@pytest.fixture(scope="module")
def big_tree() -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    big_leaves = leaves(BIG, salt="big ")
    return big_leaves, grown(big_leaves)


def test_proofs_across_tile_boundaries_are_gos(
    go_verifier: GoVerifier, big_tree: tuple[list[bytes], dict[tuple[int, int], bytes]]
) -> None:
    big_leaves, nodes = big_tree
    inclusions = [(i, n) for n in EDGE_SIZES for i in EDGE_INDEXES if i < n]
    consistencies = [(m, n) for n in EDGE_SIZES for m in EDGE_SIZES if m <= n]
    go = go_verifier.tree(big_leaves, EDGE_SIZES, inclusions, consistencies)
    assert go.roots == [root_from(n, nodes) for n in EDGE_SIZES]
    assert go.inclusion == [inclusion_proof(i, n, nodes) for i, n in inclusions]
    assert go.consistency == [consistency_proof(m, n, nodes) for m, n in consistencies]
    root = dict(zip(EDGE_SIZES, go.roots))
    checks = [
        go_verifier.inclusion_request(i, n, nodes[(0, i)], inclusion_proof(i, n, nodes), root[n])
        for i, n in inclusions
    ] + [
        go_verifier.consistency_request(m, n, root[m], root[n], consistency_proof(m, n, nodes))
        for m, n in consistencies
    ]
    assert go_verifier.refusals(checks) == [None] * len(checks)
