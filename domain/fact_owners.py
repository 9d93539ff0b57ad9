"""Which entity each live fact is about, for the facts the rules only ever count.

A long negotiation is mostly such facts (positions stated, disputes discussed, rounds held),
and a cached negotiation keeps this for every one of them, so it is kept in flat arrays:
about 24 bytes a fact (its id, domain.id_columns, and its entity's number in
domain.entity_table) rather than the several hundred of a Python object per fact."""

from __future__ import annotations

from array import array

from domain.entity_table import Journal
from domain.id_columns import EventIdColumn

_GONE = -1


class FactOwners:
    def __init__(self) -> None:
        self._ids = EventIdColumn()
        self._entity = array("q")  # the entity's number, or _GONE once forgotten

    def add(self, event_id: str, entity: int, journal: Journal = None) -> None:
        self._ids.append(event_id)
        self._entity.append(entity)
        if journal is not None:
            journal.append(self._drop_last)

    def get(self, event_id: str) -> int | None:
        at = self._find(event_id)
        return None if at is None else self._entity[at]

    def pop(self, event_id: str, journal: Journal = None) -> int | None:
        """The fact's entity, forgetting the fact."""
        at = self._find(event_id)
        if at is None:
            return None
        number = self._entity[at]
        self._entity[at] = _GONE
        if journal is not None:
            journal.append(lambda: self._entity.__setitem__(at, number))
        return number

    def _drop_last(self) -> None:
        self._ids.drop_last()
        self._entity.pop()

    def _find(self, event_id: str) -> int | None:
        return self._ids.find(event_id, lambda at: self._entity[at] != _GONE)
