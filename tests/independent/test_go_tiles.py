"""C2SP tlog-tiles built from our stored nodes, as Go's tlog.TileHashReader reads them over
HTTP: for a tree of 65,537 leaves (full and partial tiles on levels 0, 1 and 2) Go finds our
root and our proofs. The server here is a stand-in (tests/independent/tile_server.py); the
same `tree_from_tiles` checks the service's /tile endpoint."""

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
from tests.independent.tile_server import serve_tiles
from tests.merkle_reference import leaves

SIZE = 65_537
Nodes = dict[tuple[int, int], bytes]


@pytest.fixture(scope="module")
def nodes() -> Nodes:
    return dict(Frontier.empty().extend(leaf_hash(leaf) for leaf in leaves(SIZE, salt="tile ")))


@pytest.mark.parametrize(
    ("size", "indexes", "firsts"),
    [
        (65_537, [0, 255, 256, 65_535, 65_536], [1, 255, 256, 257, 65_535, 65_536, 65_537]),
        (65_536, [0, 65_279, 65_280, 65_535], [1, 256, 65_280, 65_535, 65_536]),
        (257, [0, 255, 256], [1, 255, 256, 257]),
        (256, [0, 255], [1, 255, 256]),
        (255, [0, 254], [1, 254, 255]),
        (1, [0], [1]),
    ],
)
def test_go_reads_our_tree_from_our_tiles(
    go_verifier: GoVerifier, nodes: Nodes, size: int, indexes: list[int], firsts: list[int]
) -> None:
    with serve_tiles(nodes, SIZE) as base_url:
        go = go_verifier.tree_from_tiles(base_url, size, indexes, firsts)
    assert go.root == root_from(size, nodes)
    assert go.leaf_hashes == [nodes[(0, i)] for i in indexes]
    assert go.inclusion == [inclusion_proof(i, size, nodes) for i in indexes]
    assert go.first_roots == [root_from(m, nodes) for m in firsts]
    assert go.consistency == [consistency_proof(m, size, nodes) for m in firsts]


def test_reading_the_largest_tree_needs_full_and_partial_tiles_on_three_levels(
    go_verifier: GoVerifier, nodes: Nodes
) -> None:
    with serve_tiles(nodes, SIZE) as base_url:
        fetched = set(go_verifier.tree_from_tiles(base_url, SIZE, [0, SIZE - 1], [1]).fetched)
    assert {"tile/0/000", "tile/0/256.p/1", "tile/1/000", "tile/2/000.p/1"} <= fetched


def test_go_notices_tiles_that_disagree_with_each_other_or_with_the_tree(
    go_verifier: GoVerifier, nodes: Nodes
) -> None:
    """The comparisons above can fail: a leaf hash edited in tile 0/000 no longer hashes to
    the node above it in tile 1/000, and an edited tile 1/000 moves the root."""
    edited_leaf = {**nodes, (0, 7): bytes(32)}
    with serve_tiles(edited_leaf, SIZE) as base_url:
        with pytest.raises(GoRefusal, match="downloaded inconsistent tile"):
            go_verifier.tree_from_tiles(base_url, 257, [7])
        # At 300 leaves two of the root's subtrees share tile 0/001, and this version of
        # tlog.TileHashReader then leaves tile 0/000 unauthenticated (its loop over the tiles
        # to check starts after len(stx) root hashes, not after the distinct root tiles): the
        # verifier's own CheckRecord of every proof it reads is what refuses it.
        with pytest.raises(GoRefusal, match="invalid transparency proof"):
            go_verifier.tree_from_tiles(base_url, 300, [7])
    edited_node = {**nodes, (8, 0): bytes(32)}
    with serve_tiles(edited_node, SIZE) as base_url:
        assert go_verifier.tree_from_tiles(base_url, 300).root != root_from(300, nodes)


def test_go_refuses_a_tree_whose_tiles_are_not_served(go_verifier: GoVerifier, nodes: Nodes) -> None:
    with serve_tiles(nodes, 1000) as base_url, pytest.raises(GoRefusal, match="404"):
        go_verifier.tree_from_tiles(base_url, 2000)
