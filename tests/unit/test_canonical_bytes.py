"""The chain hashes `canonical_json`, defined as Python's json.dumps(sort_keys, compact,
ensure_ascii=False) in UTF-8. orjson writes it where it gives the same bytes; these bodies
hold what could tell the two apart: every control and special character, non-BMP text, key
order, nesting, floats (orjson writes 1e-05 as 0.00001), integers beyond 64 bits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.chain import canonical_json

TEXT = "".join(chr(i) for i in range(0x80)) + "é\u2028\u2029\ufeff\U0001F600\uffff"
BODIES: list[dict[str, Any]] = [
    {"text": TEXT, TEXT: 1, "b": {"z": [1, None, True, {"y": TEXT}], "a": False}},
    {"n": -(2**63), "m": 2**64 - 1, "big": 10**30},
    {"floats": [0.1, 4.5, 1e-05, 1e16, 1e300, -0.0, 123456789.123]},
    {"nested": [[[{"deep": 1.5}]]], "type": "x"},
    {"\U0001F600": 1, "\uffff": 2, "a": 3, "A": 4, "": 5},
]


def defining(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("body", BODIES)
def test_canonical_bytes_are_the_defining_json_dumps(body: dict[str, Any]) -> None:
    assert canonical_json({**body, "hash": "h", "prev_hash": "p"}) == defining(body)


def test_a_body_the_definition_cannot_write_is_refused_alike() -> None:
    with pytest.raises(UnicodeEncodeError):
        defining({"s": "\ud800"})
    with pytest.raises(UnicodeEncodeError):
        canonical_json({"s": "\ud800"})
