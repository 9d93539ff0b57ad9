"""A negotiation's timeline (docs/api.md §5): its facts in valid-time order as they now read,
corrections applied, retracted ones kept but flagged. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.replay import corrected, in_valid_time_order, known, utc

# The leaf hash certifies the event as stored; a corrected item is no longer that, so the
# hash would mislead. GET /events/{event_id} serves the stored event with it.
_DROPPED = ("hash", "prev_hash")


@dataclass(frozen=True)
class TimelineFilter:
    known_at: datetime | None = None
    as_of: datetime | None = None
    start: datetime | None = None  # keeps what was still going on at or after it
    end: datetime | None = None  # keeps what had begun at or before it
    types: frozenset[str] = frozenset()  # exact types, or families such as "round"

    def keeps(self, fact: dict[str, Any]) -> bool:
        begun, until = utc(fact["occurred_from"]), utc(fact["occurred_until"])
        if self.start is not None and until < self.start:
            return False
        if any(bound is not None and begun > bound for bound in (self.end, self.as_of)):
            return False
        return not self.types or fact["type"] in self.types or fact["type"].split(".")[0] in self.types


def timeline(events: Iterable[dict[str, Any]], wanted: TimelineFilter) -> list[dict[str, Any]]:
    facts = [f for f in corrected(known(events, wanted.known_at)) if wanted.keeps(f)]
    return [{k: v for k, v in f.items() if k not in _DROPPED} for f in in_valid_time_order(facts)]
