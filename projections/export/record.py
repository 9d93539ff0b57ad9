"""What a renderer reads: one negotiation's record at a point on both time axes. Each part is
an iterator made on demand, so a renderer that streams reads storage a page at a time, and a
test hands it lists. Pure: nothing here reads storage."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Events = Callable[[], Iterator[dict[str, Any]]]


def _none() -> Iterator[dict[str, Any]]:
    return iter(())


@dataclass(frozen=True)
class Record:
    # The negotiation's state at the point (title, participants, format...), as GET
    # /negotiations/{id} answers it; None for an export of the whole log.
    negotiation: dict[str, Any] | None
    # The stored events known at the point, as stored (corrections and retractions among them).
    events: Events = _none
    # The live facts: corrections applied, retracted facts left out, begun by `as_of`; in
    # position order, without the chain's hashes (a corrected fact is not the stored event).
    facts: Events = _none
    # The negotiation's rounds at the point, as GET /negotiations/{id}/rounds/{round_id} answers.
    rounds: Events = _none
    as_of: datetime | None = None
    known_at: datetime | None = None
    # `recorded_at` of the latest event in the record: when the record was last changed.
    recorded_until: str | None = None

    @classmethod
    def of(cls, negotiation: dict[str, Any] | None, *, events: Iterable[dict[str, Any]] = (),
           facts: Iterable[dict[str, Any]] = (), rounds: Iterable[dict[str, Any]] = (),
           **others: Any) -> Record:
        """A record over lists already in memory (tests, small negotiations)."""
        kept = [list(events), list(facts), list(rounds)]
        return cls(negotiation, events=lambda: iter(kept[0]), facts=lambda: iter(kept[1]),
                   rounds=lambda: iter(kept[2]), **others)


def chunked(parts: Iterable[str], size: int = 64 * 1024) -> Iterator[str]:
    """Small text parts joined into chunks of about `size` characters: a streamed response or
    a pipe gets a few large writes rather than one per event."""
    buffer: list[str] = []
    length = 0
    for part in parts:
        buffer.append(part)
        length += len(part)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)
