"""The tamper-evident chain (CONTRACT §6): each stored event's hash covers the previous hash
and the event exactly as stored, envelope included, so editing, deleting, inserting or
reordering any stored row changes every hash after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

GENESIS_HASH = "0" * 64

# The chain fields are excluded from what they hash: a hash cannot cover itself.
CHAIN_FIELDS = ("hash", "prev_hash")


def canonical_json(event: Mapping[str, Any]) -> bytes:
    """One byte string per event, independent of key order or whitespace, so that any
    implementation (or an auditor's script) can recompute the hash."""
    body = {k: v for k, v in event.items() if k not in CHAIN_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json(event)).hexdigest()
