"""The pure Merkle tree (domain.merkle) against the RFC 9162 definitions, exhaustively for every
tree of up to 100 leaves: roots, inclusion and consistency proofs equal the RFC's recursive
definitions, verify with the RFC's algorithms, and read only the stored nodes they name."""

from __future__ import annotations

import pytest

from domain.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    node_complete,
    node_hash,
    root_from,
    root_from_inclusion,
    root_nodes,
    verify_consistency,
    verify_inclusion,
)
from tests.merkle_reference import ReferenceTree, leaves

SIZE = 100
TREE = ReferenceTree(leaves(SIZE))


def test_hashes_are_domain_separated_sha256() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # RFC 9162 / RFC 6962 test vector: the leaf hash of the empty leaf.
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert node_hash(b"\x00" * 32, b"\x11" * 32) != node_hash(b"\x11" * 32, b"\x00" * 32)


def test_root_nodes_are_the_binary_decomposition_of_the_size() -> None:
    assert root_nodes(0) == []
    assert root_nodes(1) == [(0, 0)]
    assert root_nodes(7) == [(2, 0), (1, 2), (0, 6)]
    assert root_nodes(256) == [(8, 0)]
    assert root_nodes(257) == [(8, 0), (0, 256)]


def test_roots_of_every_tree_up_to_100_leaves() -> None:
    assert root_from(0, {}) == EMPTY_ROOT
    for size in range(1, SIZE + 1):
        nodes = TREE.nodes(size)
        assert root_from(size, nodes) == TREE.root(size)
        assert sorted(nodes.read) == sorted(root_nodes(size))


def test_every_inclusion_proof_up_to_100_leaves_is_the_rfc_path_and_verifies() -> None:
    for size in range(1, SIZE + 1):
        root = TREE.root(size)
        for index in range(size):
            nodes = TREE.nodes(size)
            proof = inclusion_proof(index, size, nodes)
            assert proof == TREE.inclusion(index, size), (index, size)
            assert sorted(set(nodes.read)) == sorted(inclusion_nodes(index, size))
            assert root_from_inclusion(index, size, TREE.leaf_hash(index), proof) == root
            verify_inclusion(index, size, TREE.leaf_hash(index), proof, root)


def test_every_consistency_proof_up_to_100_leaves_is_the_rfc_proof_and_verifies() -> None:
    for second in range(0, SIZE + 1):
        for first in range(0, second + 1):
            nodes = TREE.nodes(second)
            proof = consistency_proof(first, second, nodes)
            assert proof == TREE.consistency(first, second), (first, second)
            assert sorted(set(nodes.read)) == sorted(consistency_nodes(first, second))
            verify_consistency(first, second, TREE.root(first), TREE.root(second), proof)


def test_proofs_of_the_trivial_cases_are_empty() -> None:
    assert inclusion_proof(0, 1, TREE.nodes(1)) == []
    assert consistency_proof(0, 10, TREE.nodes(10)) == []
    assert consistency_proof(10, 10, TREE.nodes(10)) == []
    assert consistency_nodes(0, 10) == consistency_nodes(10, 10) == []


def test_named_nodes_are_complete_subtrees_and_logarithmic_in_number() -> None:
    for size in (1, 2, 3, 255, 256, 257, 65_535, 65_537, 10**6, 2**40 - 1, 2**40 + 5):
        limit = 2 * size.bit_length()
        for index in {0, 1 % size, size // 2, size - 2 if size > 1 else 0, size - 1}:
            named = inclusion_nodes(index, size)
            assert all(node_complete(node, size) for node in named)
            assert len(named) <= limit
        for first in {f for f in (1, 2, size // 3, size // 2, size - 1) if 0 < f <= size}:
            named = consistency_nodes(first, size)
            assert all(node_complete(node, size) for node in named)
            assert len(named) <= limit


@pytest.mark.parametrize(("index", "size"), [(-1, 5), (5, 5), (0, 0)])
def test_inclusion_of_a_leaf_outside_the_tree_is_refused(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_nodes(index, size)
    with pytest.raises(ProofError, match="not in a tree|non-negative"):
        root_from_inclusion(index, size, TREE.leaf_hash(0), [])


@pytest.mark.parametrize(("first", "second"), [(6, 5), (-1, 5)])
def test_consistency_backwards_is_refused(first: int, second: int) -> None:
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_nodes(first, second)
    with pytest.raises(ProofError):
        verify_consistency(first, second, TREE.root(0), TREE.root(5), [])


def test_a_node_missing_from_the_mapping_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match=r"\(0, 3\)"):
        inclusion_proof(2, 4, {(0, 2): b"\x00" * 32})
