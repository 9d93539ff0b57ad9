"""Event ids are RFC 9562 version 7 UUIDs: unique, and in the order they were made, so the
index from id to position grows at its end."""

from __future__ import annotations

import time
import uuid

import pytest

from domain.appending import new_event_ids


@pytest.mark.parametrize("count", [1, 2, 500, 4096, 5000])
def test_a_requests_ids_are_version_7_uuids_in_the_order_made(count: int) -> None:
    before = time.time_ns() // 1_000_000
    ids = new_event_ids(count)
    after = time.time_ns() // 1_000_000
    parsed = [uuid.UUID(i) for i in ids]
    assert [str(u) for u in parsed] == ids  # canonical lower-case text
    assert {u.version for u in parsed} == {7} and {u.variant for u in parsed} == {uuid.RFC_4122}
    assert len(set(ids)) == count
    assert all(before <= u.int >> 80 <= after for u in parsed)
    assert ids[:4096] == sorted(ids[:4096])


def test_ids_of_a_later_millisecond_sort_after_earlier_ones() -> None:
    first = new_event_ids(3)
    time.sleep(0.002)
    assert sorted(first + new_event_ids(3))[:3] == first
