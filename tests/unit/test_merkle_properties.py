"""Hypothesis properties of the pure Merkle tree against the slow reference (the RFC's
recursive definitions over the leaf list), for trees larger than the exhaustive tests reach."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.merkle import (
    Frontier,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    node_complete,
    root_from,
    verify_consistency,
    verify_inclusion,
)
from tests.merkle_reference import ReferenceTree, leaves

MAX = 3000


@st.composite
def tree_and_size(draw: st.DrawFn) -> tuple[ReferenceTree, int]:
    size = draw(st.integers(1, MAX))
    return ReferenceTree(leaves(size, salt=draw(st.text(max_size=3)))), size


@settings(max_examples=60, deadline=None)
@given(tree_and_size(), st.data())
def test_inclusion_proofs_equal_the_reference_and_verify(
    tree_size: tuple[ReferenceTree, int], data: st.DataObject
) -> None:
    tree, size = tree_size
    nodes = tree.nodes(size)
    assert root_from(size, nodes) == tree.root(size)
    for index in data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=8)):
        proof = inclusion_proof(index, size, nodes)
        assert proof == tree.inclusion(index, size)
        verify_inclusion(index, size, tree.leaf_hash(index), proof, tree.root(size))


@settings(max_examples=60, deadline=None)
@given(tree_and_size(), st.data())
def test_consistency_proofs_equal_the_reference_and_verify(
    tree_size: tuple[ReferenceTree, int], data: st.DataObject
) -> None:
    tree, second = tree_size
    nodes = tree.nodes(second)
    for first in data.draw(st.lists(st.integers(0, second), min_size=1, max_size=8)):
        proof = consistency_proof(first, second, nodes)
        assert proof == tree.consistency(first, second)
        verify_consistency(first, second, tree.root(first), tree.root(second), proof)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, MAX))
def test_a_frontier_grown_leaf_by_leaf_matches_the_reference_root(size: int) -> None:
    tree = ReferenceTree(leaves(size))
    frontier = Frontier.empty()
    for i in range(size):
        frontier.append(leaf_hash(tree.leaves[i]))
    assert frontier.root() == tree.root(size)


@given(st.integers(1, 2**62), st.data())
def test_proofs_name_few_complete_nodes_in_any_tree(size: int, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(0, size))
    for named in (inclusion_nodes(index, size), consistency_nodes(first, size)):
        assert len(named) <= 2 * size.bit_length()
        assert all(node_complete(node, size) for node in named)
