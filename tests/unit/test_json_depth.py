"""Nesting depth: bounded once, where JSON is parsed, and every walk over user data copes
with any depth without recursion."""

from __future__ import annotations

from typing import Any

import pytest

from api.body import parse_json
from api.problems import Problem
from domain.event_fields import has_nul
from domain.jsonfast import MAX_DEPTH, depth_exceeds


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for n in range(depth):
        value = {"a": value} if n % 2 else [value]
    return value


def nested_text(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_the_nul_check_walks_any_depth_without_recursion() -> None:
    assert has_nul(nested(100_000, "a\x00b"))
    assert not has_nul(nested(100_000))


@pytest.mark.parametrize("depth,deeper", [(1, False), (MAX_DEPTH, False), (MAX_DEPTH + 1, True), (100_000, True)])
def test_depth_is_measured_without_recursion(depth: int, deeper: bool) -> None:
    assert depth_exceeds(nested(depth), MAX_DEPTH) is deeper


def test_a_scalar_and_empty_containers_count_as_their_own_level() -> None:
    assert not depth_exceeds("x", 0) and depth_exceeds([], 0) and not depth_exceeds({"a": []}, 2)
    assert depth_exceeds({"a": [{}]}, 2)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 400, 1100, 100_000])
def test_a_body_nested_deeper_than_the_limit_is_refused_when_parsed(depth: int) -> None:
    with pytest.raises(Problem) as refused:
        parse_json(nested_text(depth))
    assert refused.value.status == 400 and refused.value.rule == "json"
    assert f"{MAX_DEPTH} levels" in refused.value.detail


def test_a_body_at_the_limit_is_parsed() -> None:
    assert parse_json(nested_text(MAX_DEPTH - 1))["a"]["a"]
