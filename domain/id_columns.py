"""Event ids held by the thousand without an object each: a canonical UUID as two 64-bit
numbers in flat arrays (16 bytes rather than the 85 of its text), any other id (an import may
keep ids of another shape) as text beside them. Finding an id scans the arrays, in C; callers
ask that only for what corrections and retractions name, which is rare next to appends."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from uuid import UUID

# The canonical lower-case form is one 128-bit number and back again, exactly.
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_LOW = 0xFFFF_FFFF_FFFF_FFFF


def halves(event_id: str) -> tuple[int, int] | None:
    if not _CANONICAL.match(event_id):
        return None
    number = int(event_id.replace("-", ""), 16)
    return number >> 64, number & _LOW


def text_of(high: int, low: int) -> str:
    return str(UUID(int=high << 64 | low))


class EventIdColumn:
    def __init__(self) -> None:
        self.high = array("Q")
        self.low = array("Q")
        self.other: dict[int, str] = {}  # by index: ids not in the canonical form

    def __len__(self) -> int:
        return len(self.high)

    def append(self, event_id: str) -> int:
        at = len(self.high)
        split = halves(event_id)
        if split is None:
            self.other[at] = event_id
            split = (0, 0)
        self.high.append(split[0])
        self.low.append(split[1])
        return at

    def drop_last(self) -> None:
        self.high.pop()
        self.low.pop()
        self.other.pop(len(self.high), None)

    def at(self, index: int) -> str:
        other = self.other.get(index)
        return other if other is not None else text_of(self.high[index], self.low[index])

    def find(self, event_id: str, wanted: Callable[[int], bool]) -> int | None:
        """The index holding `event_id` for which `wanted(index)` holds (the first, if several)."""
        split = halves(event_id)
        if split is None:
            return next((i for i, other in self.other.items() if other == event_id and wanted(i)), None)
        high, low = split
        start = 0
        while True:
            try:
                at = self.high.index(high, start)
            except ValueError:
                return None
            if self.low[at] == low and at not in self.other and wanted(at):
                return at
            start = at + 1
