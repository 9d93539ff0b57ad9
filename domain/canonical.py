"""Canonical JSON as RFC 8785 (JCS) defines it (docs/api.md §9): sorted keys, no whitespace,
UTF-8, numbers as ECMAScript writes them, so that a verifier in any language gets the bytes
every digest and leaf is computed over.

The `rfc8785` package is the definition here. orjson with sorted keys writes the same bytes,
several times faster, for everything but floats (`6.0` is `6` in JCS, `6.0` in orjson) and for
keys outside ASCII (JCS sorts by UTF-16 code units, orjson by code points: they differ only
beyond U+FFFF, but ASCII is a check that costs nothing). A value with either goes through
`rfc8785`; tests/unit/test_canonical_json.py holds the two paths equal."""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

# JCS (I-JSON) numbers are IEEE doubles: an integer beyond this cannot be written exactly.
MAX_SAFE_INTEGER = 2**53 - 1


def canonical(value: Any) -> bytes:
    """The JCS bytes of a JSON value; raises ValueError for what JSON cannot hold exactly
    (an integer beyond 2**53 - 1, a NaN, a lone surrogate)."""
    try:
        if _plain(value):
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, UnicodeEncodeError) as e:
        raise ValueError(f"not canonical JSON: {e}") from None


def _plain(value: Any) -> bool:
    """Whether orjson's bytes are the JCS bytes: no floats, ASCII keys, exact integers.
    Iterative (a hostile value may nest deep) and written for the common case, text."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is dict:
            for key, inner in item.items():
                if type(key) is not str or not key.isascii():
                    return False
                if type(inner) is not str:
                    pending.append(inner)
        elif kind is list:
            pending.extend(item)
        elif kind is not int or not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
            return False
    return True
