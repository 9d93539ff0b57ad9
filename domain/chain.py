"""The tamper-evident chain (CONTRACT §6): each stored event's hash covers the previous hash
and the event exactly as stored, envelope included, so editing, deleting, inserting or
reordering any stored row changes every hash after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import orjson

GENESIS_HASH = "0" * 64

# The chain fields are excluded from what they hash: a hash cannot cover itself.
CHAIN_FIELDS = ("hash", "prev_hash")


def canonical_json(event: Mapping[str, Any]) -> bytes:
    """One byte string per event, independent of key order or whitespace, so that any
    implementation (or an auditor's script) can recompute the hash.

    The definition is Python's json.dumps(sort_keys, compact, ensure_ascii=False) in UTF-8.
    orjson writes the same bytes for text, integers within 64 bits, booleans and null (and
    sorts keys the same way), five times faster; it writes some floats differently (1e-05 as
    0.00001), so a body with a float, or anything orjson refuses, takes the defining path."""
    body = {k: v for k, v in event.items() if k not in CHAIN_FIELDS}
    if not _has_float(body):
        try:
            return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # integers beyond 64 bits, lone surrogates, keys that are not text
            pass
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _has_float(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return isinstance(value, float)
    for item in value:
        kind = type(item)
        # Most values are text: settled without a call.
        if kind is not str and kind is not int and item is not None and _has_float(item):
            return True
    return False


def link_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json(event)).hexdigest()
