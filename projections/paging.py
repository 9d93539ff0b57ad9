"""Cursors for the list endpoints: the sort key of the last item served, `<micros>.<key>`.
A key (`^[a-z0-9][a-z0-9_-]*$`) or a position never holds a dot, so the split is unambiguous,
and a cursor stays valid while entities are added before or after it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

_CURSOR = re.compile(r"(-?[0-9]{1,19})\.([a-z0-9][a-z0-9_-]{0,63})\Z")
T = TypeVar("T")
# What both databases store as an integer: anything beyond is not a cursor we issued.
INT64 = range(-(2**63), 2**63)
_NOT_OURS = "not a cursor this service issued; pass next_cursor from the previous page"


class BadCursor(ValueError):
    """A cursor this service did not issue (or issued for another list)."""


def encode(micros: int, key: str | int) -> str:
    return f"{micros}.{key}"


def decode(text: str) -> tuple[int, str]:
    match = _CURSOR.match(text)
    if match is None or int(match.group(1)) not in INT64:
        raise BadCursor(_NOT_OURS)
    return int(match.group(1)), match.group(2)


def position_key(key: str) -> int:
    """The key of a cursor over events, which is a position."""
    if not key.isdigit() or int(key) not in INT64:
        raise BadCursor(_NOT_OURS)
    return int(key)


def page(ordered: Sequence[tuple[int, Any, T]], limit: int) -> tuple[list[T], str | None]:
    """The first `limit` items of `(micros, key, item)` triples, and the cursor for the rest."""
    items = [item for _, _, item in ordered[:limit]]
    if len(ordered) <= limit:
        return items, None
    micros, key, _ = ordered[limit - 1]
    return items, encode(micros, key)
