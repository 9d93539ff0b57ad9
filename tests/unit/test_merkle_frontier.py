"""Frontier: appending leaf by leaf gives the reference root at every size, reports exactly
the complete subtrees each leaf completes (so storing them stores the whole tree), and resumes
from the stored nodes it names."""

from __future__ import annotations

import pytest

from domain.merkle import EMPTY_ROOT, Frontier, leaf_hash, node_complete, root_nodes
from tests.merkle_reference import ReferenceTree, leaves

SIZE = 300
TREE = ReferenceTree(leaves(SIZE))


def test_each_append_reports_the_nodes_it_completes_and_the_root_follows_the_reference() -> None:
    frontier, stored = Frontier.empty(), {}
    assert frontier.size == 0 and frontier.root() == EMPTY_ROOT
    for index in range(SIZE):
        completed = frontier.append(TREE.leaf_hash(index))
        size = index + 1
        assert [node for node, _ in completed] == [
            (level, index >> level)
            for level in range(size.bit_length())
            if node_complete((level, index >> level), size)
            and not node_complete((level, index >> level), index)
        ]
        assert completed[0][0] == (0, index)
        for node, value in completed:
            assert node not in stored
            stored[node] = value
        assert frontier.size == size
        assert frontier.root() == TREE.root(size)
    assert stored == TREE.complete_nodes(SIZE)


def test_extend_reports_what_each_append_would() -> None:
    one_by_one, batch = Frontier.empty(), Frontier.empty()
    expected = [pair for i in range(40) for pair in one_by_one.append(TREE.leaf_hash(i))]
    assert batch.extend(TREE.leaf_hash(i) for i in range(40)) == expected
    assert batch.root() == one_by_one.root() == TREE.root(40)


def test_a_resumed_frontier_continues_as_if_it_had_never_stopped() -> None:
    for size in range(0, 70):
        assert Frontier.nodes(size) == root_nodes(size)
        nodes = TREE.nodes(size)
        resumed = Frontier.resume(size, nodes)
        assert sorted(nodes.read) == sorted(root_nodes(size))
        assert resumed.size == size and resumed.root() == TREE.root(size)
        for index in range(size, 70):
            resumed.append(TREE.leaf_hash(index))
        assert resumed.root() == TREE.root(70)


def test_a_copy_grows_on_its_own() -> None:
    frontier = Frontier.empty()
    frontier.extend(TREE.leaf_hash(i) for i in range(5))
    copy = frontier.copy()
    copy.append(TREE.leaf_hash(5))
    assert (frontier.size, frontier.root()) == (5, TREE.root(5))
    assert (copy.size, copy.root()) == (6, TREE.root(6))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Frontier.empty().append(b"short")
    with pytest.raises(KeyError):
        Frontier.resume(3, {(1, 0): leaf_hash(b"a")})
    with pytest.raises(ValueError, match="32 bytes"):
        Frontier.resume(1, {(0, 0): b"short"})
    with pytest.raises(ValueError, match="edge of a tree of 3"):
        Frontier(3, [((0, 0), leaf_hash(b"a"))])
