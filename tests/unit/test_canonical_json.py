"""Canonical JSON is RFC 8785 (JCS), defined here by the `rfc8785` package; orjson writes the
same bytes for float-free values with ASCII keys. These values hold what could tell the two
apart: every control and special character, non-BMP text, key order, nesting, floats,
integers at the edge of what JSON numbers hold exactly."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from domain.canonical import MAX_SAFE_INTEGER, canonical

TEXT = "".join(chr(i) for i in range(0x80)) + "é\u2028\u2029\ufeff\U0001F600\uffff"
VALUES: list[Any] = [
    {"text": TEXT, TEXT: 1, "b": {"z": [1, None, True, {"y": TEXT}], "a": False}},
    {"n": -MAX_SAFE_INTEGER, "m": MAX_SAFE_INTEGER},
    {"floats": [0.1, 4.5, 1e-05, 1e16, 1e21, 1e300, -0.0, 6.0, 123456789.123]},
    {"nested": [[[{"deep": 1.5}]]], "type": "x"},
    {"\U0001F600": 1, "\uffff": 2, "a": 3, "A": 4, "": 5},
    ["salt", "sources[0]", {"title": "Ведомости", "reliability": "reported"}],
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@pytest.mark.parametrize("value", VALUES)
def test_canonical_bytes_are_rfc_8785(value: Any) -> None:
    assert canonical(value) == rfc8785.dumps(value)


@given(json_values)
def test_any_json_value_is_written_as_rfc_8785_writes_it(value: Any) -> None:
    assert canonical(value) == rfc8785.dumps(value)


def test_floats_are_written_as_ecmascript_writes_them() -> None:
    assert canonical({"h": 6.0, "m": 6.5, "s": 1e-05}) == b'{"h":6,"m":6.5,"s":0.00001}'


@pytest.mark.parametrize("value", [2**53, -(2**60), float("nan"), "\ud800", {"k": "\udfff"}])
def test_what_json_cannot_hold_exactly_is_refused(value: Any) -> None:
    with pytest.raises(ValueError):
        canonical(value)
