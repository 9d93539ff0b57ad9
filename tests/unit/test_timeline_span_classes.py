"""The timeline index's span classes (projections.timeline_index): a fact's class bounds how far
before a `from` the index looks for the facts of that class still going on at it, so a class
must hold every form a fact is commonly known by, and no fact of a class still going on at a
point may have begun before the class's bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.valid_time import parse_valid_time
from projections.store.schema import micros
from projections.timeline_index import CLASSES, LONGEST, earliest_going_on, span_class

DAY_US = 86_400_000_000


def class_of(occurred_at: str) -> int:
    valid = parse_valid_time(occurred_at)
    return span_class(micros(valid.start), micros(valid.end))


@pytest.mark.parametrize(("occurred_at", "expected"), [
    ("2025-06-30T10:15:00Z", 0), ("2025-06-30T10:15+03:00", 0), ("2025-06-30T10:15:00.25Z", 0),
    ("2025-06-30", 1), ("2025-06-30~", 1), ("2025-06-30T08:00Z/2025-06-30T17:00Z", 1),
    ("2025-06-29/2025-06-30", 2), ("2025-06", 2), ("2025-02", 2), ("2025-01", 2), ("2025-06-XX", 2),
    ("2025-07-01/2025-07-31", 2), ("2025-06-01/2025-07-02", 3), ("2025", 3), ("202X", 3), ("2025-06-30/..", 3), ("../2025-06-30", 3),
])
def test_each_form_of_valid_time_falls_in_the_class_of_its_precision(occurred_at: str, expected: int) -> None:
    assert class_of(occurred_at) == expected


def test_a_span_one_microsecond_past_a_class_bound_falls_in_the_next_class() -> None:
    for span_class_, longest in enumerate(LONGEST):
        assert span_class(10, 10 + longest) == span_class_
        assert span_class(10, 10 + longest + 1) == span_class_ + 1


def test_a_day_fact_of_the_day_before_begins_too_early_to_be_read_for_the_day_class() -> None:
    day_before = parse_valid_time("2025-06-30")
    start = micros(parse_valid_time("2025-07-01").start)
    assert micros(day_before.start) < earliest_going_on(1, start) <= micros(day_before.end) + 1


def test_the_longest_class_has_no_bound() -> None:
    assert earliest_going_on(CLASSES[-1], 10**15) is None
    assert span_class(0, 200 * 365 * DAY_US) == CLASSES[-1]


@given(begun=st.integers(0, 10**17), span=st.integers(0, 400 * DAY_US), ahead=st.integers(0, 400 * DAY_US))
def test_a_fact_still_going_on_at_a_point_begun_no_earlier_than_its_class_bound(
        begun: int, span: int, ahead: int) -> None:
    at = begun + min(ahead, span)  # a point within the fact's span
    earliest = earliest_going_on(span_class(begun, begun + span), at)
    assert earliest is None or begun >= earliest
