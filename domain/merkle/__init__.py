"""An RFC 9162 (section 2.1) Merkle tree over the log, pure: no I/O, standard library only.

The tree is held as the hashes of its complete subtrees, `Node = (level, index)`. Functions
never read storage: `*_nodes` name the nodes a computation needs, and the computation takes
a mapping of those nodes' hashes. Every function costs O(log n) nodes and hashes.

- `hashing`: leaf and node hashes, the empty root.
- `nodes`: stored nodes, subtree ranges, tree roots.
- `proofs`: inclusion and consistency proofs built from stored nodes.
- `verification`: checking proofs from hashes alone.
- `frontier`: the right edge a growing tree appends to.
- `tiles`: C2SP tlog-tiles hash tiles and their paths."""

from domain.merkle.frontier import Frontier
from domain.merkle.hashing import EMPTY_ROOT, HASH_SIZE, Hash, leaf_hash, node_hash
from domain.merkle.nodes import (
    Node,
    node_complete,
    node_leaves,
    range_hash,
    range_nodes,
    root_from,
    root_nodes,
)
from domain.merkle.proofs import (
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
)
from domain.merkle.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    parse_tile_path,
    tile_available,
    tile_nodes,
    tile_path,
    tile_width,
)
from domain.merkle.verification import (
    ProofError,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Frontier",
    "Hash",
    "Node",
    "ProofError",
    "consistency_nodes",
    "consistency_proof",
    "inclusion_nodes",
    "inclusion_proof",
    "leaf_hash",
    "node_complete",
    "node_hash",
    "node_leaves",
    "parse_tile_path",
    "range_hash",
    "range_nodes",
    "root_from",
    "root_from_inclusion",
    "root_nodes",
    "tile_available",
    "tile_nodes",
    "tile_path",
    "tile_width",
    "verify_consistency",
    "verify_inclusion",
]
