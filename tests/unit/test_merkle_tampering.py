"""Proofs that were tampered with are refused with a ProofError saying what failed: a hash
flipped, dropped or added, a proof checked for another leaf, another tree size, another leaf
hash or another root; for every proof in trees of up to 32 leaves."""

from __future__ import annotations

import pytest

from domain.merkle import ProofError, verify_consistency, verify_inclusion
from tests.merkle_reference import ReferenceTree, leaves

SIZE = 32
TREE = ReferenceTree(leaves(SIZE))
OTHER = b"\x5a" * 32


def flipped(proof: list[bytes], position: int, bit: int = 0) -> list[bytes]:
    changed = bytearray(proof[position])
    changed[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:position], bytes(changed), *proof[position + 1 :]]


def variants(proof: list[bytes]) -> list[list[bytes]]:
    """Every proof one edit away: a bit flipped (first and last bit), a hash dropped, a hash
    added, two neighbours swapped."""
    out = []
    for i in range(len(proof)):
        out += [flipped(proof, i), flipped(proof, i, 255), proof[:i] + proof[i + 1 :]]
        if i + 1 < len(proof) and proof[i] != proof[i + 1]:
            out.append([*proof[:i], proof[i + 1], proof[i], *proof[i + 2 :]])
    for i in range(len(proof) + 1):
        out.append([*proof[:i], OTHER, *proof[i:]])
    return out


def refused(check, *args) -> str:
    with pytest.raises(ProofError) as error:
        check(*args)
    return str(error.value)


def test_every_edited_inclusion_proof_is_refused() -> None:
    for size in range(1, SIZE + 1):
        root = TREE.root(size)
        for index in range(size):
            leaf, proof = TREE.leaf_hash(index), TREE.inclusion(index, size)
            for bad in variants(proof):
                refused(verify_inclusion, index, size, leaf, bad, root)


def test_an_inclusion_proof_holds_for_its_own_leaf_size_and_root_only() -> None:
    for size in range(1, SIZE + 1):
        root = TREE.root(size)
        for index in range(size):
            leaf, proof = TREE.leaf_hash(index), TREE.inclusion(index, size)
            for other in range(size):
                if other != index:
                    refused(verify_inclusion, other, size, leaf, proof, root)
            for other_size in range(index + 1, SIZE + 1):
                if other_size != size:
                    refused(verify_inclusion, index, other_size, leaf, proof, TREE.root(other_size))
            refused(verify_inclusion, index, size, OTHER, proof, root)
            refused(verify_inclusion, index, size, leaf, proof, OTHER)


def test_every_edited_consistency_proof_is_refused() -> None:
    for second in range(2, SIZE + 1):
        for first in range(1, second):
            old, new = TREE.root(first), TREE.root(second)
            for bad in variants(TREE.consistency(first, second)):
                refused(verify_consistency, first, second, old, new, bad)


def test_a_consistency_proof_holds_for_its_own_sizes_and_roots_only() -> None:
    for second in range(2, SIZE + 1):
        for first in range(1, second):
            old, new = TREE.root(first), TREE.root(second)
            proof = TREE.consistency(first, second)
            refused(verify_consistency, first, second, OTHER, new, proof)
            refused(verify_consistency, first, second, old, OTHER, proof)
            refused(verify_consistency, first, second, new, old, proof)
            for other in range(1, SIZE + 1):
                if other != first and other < second:
                    refused(verify_consistency, other, second, TREE.root(other), new, proof)
                if other != second and other > first:
                    refused(verify_consistency, first, other, old, TREE.root(other), proof)


def test_the_trivial_consistency_cases_hold_only_for_matching_roots() -> None:
    verify_consistency(0, 7, TREE.root(0), TREE.root(7), [])
    verify_consistency(7, 7, TREE.root(7), TREE.root(7), [])
    assert "empty tree" in refused(verify_consistency, 0, 7, OTHER, TREE.root(7), [])
    verify_consistency(0, 0, TREE.root(0), TREE.root(0), [])
    assert "second root" in refused(verify_consistency, 0, 0, TREE.root(0), OTHER, [])
    assert "differ" in refused(verify_consistency, 7, 7, TREE.root(7), OTHER, [])
    assert "needs 0" in refused(verify_consistency, 7, 7, TREE.root(7), TREE.root(7), [OTHER])


def test_refusals_say_what_failed() -> None:
    proof = TREE.inclusion(5, 10)
    assert refused(verify_inclusion, 5, 10, TREE.leaf_hash(5), proof[:-1], TREE.root(10)) == (
        "the inclusion proof has 3 hashes; leaf 5 of a tree of 10 needs 4"
    )
    assert refused(verify_inclusion, 5, 10, TREE.leaf_hash(5), proof, OTHER) == (
        "the inclusion proof of leaf 5 does not lead to the root of the tree of 10"
    )
    assert refused(verify_inclusion, 5, 10, TREE.leaf_hash(5), [b"x", *proof[1:]], OTHER) == (
        "hash 0 of the inclusion proof must be a 32-byte hash, not 1 bytes"
    )
    assert "leaf 10 is not in a tree of 10" in refused(
        verify_inclusion, 10, 10, TREE.leaf_hash(5), proof, OTHER
    )
    assert "must be a non-negative integer" in refused(
        verify_inclusion, True, 10, TREE.leaf_hash(5), proof, OTHER
    )
    assert "must be a list of hashes" in refused(
        verify_inclusion, 5, 10, TREE.leaf_hash(5), b"".join(proof), TREE.root(10)
    )
    consistency = TREE.consistency(3, 10)
    assert refused(verify_consistency, 3, 10, TREE.root(3), TREE.root(10), consistency[1:]) == (
        "the consistency proof has 4 hashes; from a tree of 3 to a tree of 10 it needs 5"
    )
    assert refused(verify_consistency, 3, 10, OTHER, TREE.root(10), consistency) == (
        "the consistency proof does not lead to the root of the tree of 3"
    )
    assert refused(verify_consistency, 3, 10, TREE.root(3), OTHER, consistency) == (
        "the consistency proof does not lead to the root of the tree of 10"
    )
    assert refused(verify_consistency, 10, 3, TREE.root(3), TREE.root(10), []) == (
        "a tree of 3 cannot extend a tree of 10"
    )
