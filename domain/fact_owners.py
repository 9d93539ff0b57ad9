"""Which entity each live fact is about, for the facts the rules only ever count.

A long negotiation is mostly such facts (positions stated, disputes discussed, rounds held),
and a cached negotiation keeps this for every one of them, so it is kept in flat arrays:
about 20 bytes a fact rather than the several hundred of a Python object per fact. Looking a
fact up scans the arrays; that happens only when a retraction or correction names the fact,
which is rare next to appends."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable

Entity = tuple[str, str]  # (kind, key)
# Where a change records how to undo it (domain.knowledge's journal), or None.
Journal = list[Callable[[], None]] | None

# A UUID in the canonical lower-case form is one 128-bit number and back again; any other id
# (an import may keep ids of another shape) is kept as text.
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_GONE = -1


def _halves(event_id: str) -> tuple[int, int] | None:
    if not _CANONICAL.match(event_id):
        return None
    number = int(event_id.replace("-", ""), 16)
    return number >> 64, number & 0xFFFF_FFFF_FFFF_FFFF


class FactOwners:
    def __init__(self) -> None:
        self._entities: list[Entity] = []
        self._numbers: dict[Entity, int] = {}
        self._high = array("Q")
        self._low = array("Q")
        self._entity = array("l")  # index into _entities, or _GONE once forgotten
        self._other: dict[str, Entity] = {}

    def known(self, entity: Entity) -> Entity:
        """The equal entity already held, if any (else `entity` itself)."""
        number = self._numbers.get(entity)
        return entity if number is None else self._entities[number]

    def add(self, event_id: str, entity: Entity, journal: Journal = None) -> None:
        number = self._numbers.get(entity)
        if number is None:
            number = self._numbers[entity] = len(self._entities)
            self._entities.append(entity)
            if journal is not None:
                journal.append(lambda: self._forget_entity(entity))
        halves = _halves(event_id)
        if halves is None:
            if journal is not None:
                before = self._other.get(event_id)
                journal.append(lambda: self._put_other(event_id, before))
            self._other[event_id] = entity
            return
        self._high.append(halves[0])
        self._low.append(halves[1])
        self._entity.append(number)
        if journal is not None:
            journal.append(self._drop_last)

    def get(self, event_id: str) -> Entity | None:
        if event_id in self._other:
            return self._other[event_id]
        at = self._find(event_id)
        return None if at is None else self._entities[self._entity[at]]

    def pop(self, event_id: str, journal: Journal = None) -> Entity | None:
        """The fact's entity, forgetting the fact."""
        if event_id in self._other:
            entity = self._other.pop(event_id)
            if journal is not None:
                journal.append(lambda: self._put_other(event_id, entity))
            return entity
        at = self._find(event_id)
        if at is None:
            return None
        number = self._entity[at]
        self._entity[at] = _GONE
        if journal is not None:
            journal.append(lambda: self._revive(at, number))
        return self._entities[number]

    # -- undoing (in the reverse order of the changes) -------------------------------------

    def _drop_last(self) -> None:
        self._high.pop()
        self._low.pop()
        self._entity.pop()

    def _revive(self, at: int, number: int) -> None:
        self._entity[at] = number

    def _forget_entity(self, entity: Entity) -> None:
        del self._numbers[entity]
        self._entities.pop()

    def _put_other(self, event_id: str, entity: Entity | None) -> None:
        if entity is None:
            self._other.pop(event_id, None)
        else:
            self._other[event_id] = entity

    def _find(self, event_id: str) -> int | None:
        halves = _halves(event_id)
        if halves is None:
            return None
        high, low = halves
        start = 0
        while True:
            try:
                at = self._high.index(high, start)
            except ValueError:
                return None
            if self._low[at] == low and self._entity[at] != _GONE:
                return at
            start = at + 1
