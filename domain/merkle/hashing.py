"""RFC 9162 section 2.1 hashing: SHA-256 with domain separation between leaves (0x00) and
interior nodes (0x01), so that no leaf can be passed off as a node or the other way round."""

from __future__ import annotations

import hashlib

Hash = bytes  # 32 bytes
HASH_SIZE = 32

# RFC 9162 2.1.1: MTH({}) = SHA-256(), the hash of the empty string.
EMPTY_ROOT: Hash = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> Hash:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def is_hash(value: object) -> bool:
    return isinstance(value, (bytes, bytearray)) and len(value) == HASH_SIZE
