"""Checking RFC 9162 proofs from hashes alone: inclusion (2.1.3.2) and consistency (2.1.4.2).

These follow the RFC's iterative algorithms step by step (bit arithmetic on the leaf index and
tree sizes), independently of how `proofs` builds the proofs. A proof of the wrong length is
refused before any hashing, with a message that says how many hashes it should have had."""

from __future__ import annotations

from collections.abc import Sequence

from domain.merkle.hashing import EMPTY_ROOT, HASH_SIZE, Hash, is_hash, node_hash


class ProofError(ValueError):
    """A proof, or what it is checked against, does not hold; the message says which part."""


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{what} must be a non-negative integer, not {value!r}")
    return value


def _hash(value: object, what: str) -> Hash:
    if not is_hash(value):
        size = len(value) if isinstance(value, (bytes, bytearray)) else None
        got = f"{size} bytes" if size is not None else type(value).__name__
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash, not {got}")
    return bytes(value)  # type: ignore[arg-type]


def _hashes(proof: Sequence[Hash], kind: str) -> list[Hash]:
    if isinstance(proof, (bytes, bytearray, str)) or not isinstance(proof, Sequence):
        raise ProofError(f"the {kind} proof must be a list of hashes")
    return [_hash(h, f"hash {i} of the {kind} proof") for i, h in enumerate(proof)]


def _shift_to_odd(fn: int, sn: int) -> tuple[int, int]:
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def _inclusion_length(index: int, size: int) -> int:
    fn, sn, steps = index, size - 1, 0
    while sn:
        if fn == sn and not fn & 1:
            fn, sn = _shift_to_odd(fn, sn)
        fn, sn, steps = fn >> 1, sn >> 1, steps + 1
    return steps


def root_from_inclusion(index: int, size: int, leaf_hash: Hash, proof: Sequence[Hash]) -> Hash:
    """The root that the audit path `proof` implies for leaf `index` of a tree of `size`."""
    index, size = _count(index, "the leaf index"), _count(size, "the tree size")
    if index >= size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    r = _hash(leaf_hash, "the leaf hash")
    path = _hashes(proof, "inclusion")
    needed = _inclusion_length(index, size)
    if len(path) != needed:
        raise ProofError(
            f"the inclusion proof has {len(path)} hashes; leaf {index} of a tree of {size} "
            f"needs {needed}"
        )
    fn, sn = index, size - 1
    for p in path:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_to_odd(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r


def verify_inclusion(
    index: int, size: int, leaf_hash: Hash, proof: Sequence[Hash], root: Hash
) -> None:
    """Raise ProofError unless `proof` shows leaf `index` in the tree of `size` with `root`."""
    expected = _hash(root, "the root")
    if root_from_inclusion(index, size, leaf_hash, proof) != expected:
        raise ProofError(
            f"the inclusion proof of leaf {index} does not lead to the root of the tree of {size}"
        )


def _consistency_length(first: int, second: int) -> int:
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    steps = 0
    while sn:
        if fn == sn and not fn & 1:
            fn, sn = _shift_to_odd(fn, sn)
        fn, sn, steps = fn >> 1, sn >> 1, steps + 1
    # The RFC prepends the old root itself when `first` is a power of two.
    return steps if first & (first - 1) == 0 else steps + 1


def verify_consistency(
    first: int, second: int, first_root: Hash, second_root: Hash, proof: Sequence[Hash]
) -> None:
    """Raise ProofError unless `proof` shows the tree of `second` leaves with `second_root`
    extends the tree of `first` leaves with `first_root`."""
    first, second = _count(first, "the first tree size"), _count(second, "the second tree size")
    if first > second:
        raise ProofError(f"a tree of {second} cannot extend a tree of {first}")
    old, new = _hash(first_root, "the first root"), _hash(second_root, "the second root")
    path = _hashes(proof, "consistency")
    needed = 0 if first in (0, second) else _consistency_length(first, second)
    if len(path) != needed:
        raise ProofError(
            f"the consistency proof has {len(path)} hashes; from a tree of {first} to a tree "
            f"of {second} it needs {needed}"
        )
    if first == 0:
        if old != EMPTY_ROOT:
            raise ProofError("the first root is not the root of the empty tree")
        if second == 0 and new != EMPTY_ROOT:
            raise ProofError("the second root is not the root of the empty tree")
        return
    if first == second:
        if old != new:
            raise ProofError(f"the two roots of the tree of {first} differ")
        return
    if first & (first - 1) == 0:
        path = [old, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_to_odd(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if fr != old:
        raise ProofError(f"the consistency proof does not lead to the root of the tree of {first}")
    if sr != new:
        raise ProofError(
            f"the consistency proof does not lead to the root of the tree of {second}"
        )
