"""The kept facts of a negotiation (domain.knowledge: membership changes and the endings of
entities) in columns rather than an object each.

A negotiation of a million events keeps tens of thousands of endings (each round concluded,
each proposal withdrawn), held for as long as the server runs. As objects (the fact, its id,
its valid time, its version, its place in two dictionaries and a list) each cost about 600
bytes in small allocations; in these columns a fact costs about 50, and a snapshot writes the
columns as they are rather than encoding every fact. A fact is handed out as a `Fact`, made
when asked for: the rules ask for the few facts of one entity at a time.

Indexes only grow (a retracted fact is marked, not removed), so an index names one fact for
the life of the columns, and index order is the order the facts were learned in."""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from domain.entity_table import Entity, EntityTable, Journal
from domain.id_columns import EventIdColumn
from domain.valid_time import from_micros, micros

_NONE = -1


@dataclass(slots=True, frozen=True)
class Fact:
    """One live kept fact, reduced to what the rules look at."""

    event_id: str
    type: str
    version: int
    start: datetime
    entity: Entity | None = None
    members: Sequence[dict[str, Any]] = ()  # the participants it introduces
    leaves: str | None = None  # participant id of participant.left


class KeptFacts:
    def __init__(self, entities: EntityTable) -> None:
        self._entities = entities
        self._type_names: list[str] = []
        self._ids = EventIdColumn()
        self._type = array("B")
        self._version = array("q")
        self._start = array("q")  # valid time's start, in microseconds since 1970 (UTC)
        self._entity = array("q")  # the entity's number, or _NONE
        self._alive = bytearray()
        # The same entity's previous fact (or _NONE), and per entity number its latest fact:
        # an entity's facts without a list per entity.
        self._previous = array("q")
        self._latest = array("q")
        # Of membership changes only (few): the participants they introduce, who leaves.
        self._membership: dict[int, tuple[Sequence[dict[str, Any]], str | None]] = {}
        self._count = 0

    def __len__(self) -> int:
        """How many live facts there are."""
        return self._count

    # -- changing -------------------------------------------------------------------------

    def add(self, event_id: str, event_type: str, version: int, start: datetime, entity: int | None,
            membership: tuple[Sequence[dict[str, Any]], str | None] | None, journal: Journal = None) -> int:
        if event_type not in self._type_names:
            if len(self._type_names) == 256:
                raise ValueError("more than 256 types of kept fact")
            self._type_names.append(event_type)
            if journal is not None:
                journal.append(self._type_names.pop)
        at = self._ids.append(event_id)
        self._type.append(self._type_names.index(event_type))
        self._version.append(version)
        self._start.append(micros(start))
        self._entity.append(_NONE if entity is None else entity)
        self._alive.append(1)
        self._previous.append(_NONE if entity is None else self._link(at, entity))
        if membership is not None:
            self._membership[at] = membership
        self._count += 1
        if journal is not None:
            journal.append(self._drop_last)
        return at

    def remove(self, at: int, journal: Journal = None) -> None:
        """Marks the fact retracted, and takes it out of its entity's facts."""
        self._alive[at] = 0
        self._count -= 1
        entity = self._entity[at]
        relinked: tuple[array, int, int] | None = None
        if entity != _NONE:
            if self._latest[entity] == at:
                relinked = (self._latest, entity, at)
                self._latest[entity] = self._previous[at]
            else:
                later = self._latest[entity]
                while self._previous[later] != at:
                    later = self._previous[later]
                relinked = (self._previous, later, at)
                self._previous[later] = self._previous[at]
        if journal is not None:
            def unremove() -> None:
                self._alive[at] = 1
                self._count += 1
                if relinked is not None:
                    column, index, value = relinked
                    column[index] = value
            journal.append(unremove)

    def correct(self, at: int, start: datetime | None, members: Sequence[dict[str, Any]] | None,
                journal: Journal = None) -> None:
        """A correction's new valid time and participants, where it changed them."""
        before_start, before_membership = self._start[at], self._membership.get(at)
        if start is not None:
            self._start[at] = micros(start)
        if members is not None and before_membership is not None:
            self._membership[at] = (members, before_membership[1])
        if journal is not None:
            def uncorrect() -> None:
                self._start[at] = before_start
                if before_membership is not None:
                    self._membership[at] = before_membership
            journal.append(uncorrect)

    # -- reading --------------------------------------------------------------------------

    def find(self, event_id: str) -> int | None:
        """The index of the live fact `event_id`, if it is one."""
        return self._ids.find(event_id, self._alive.__getitem__)

    def fact(self, at: int) -> Fact:
        entity = self._entity[at]
        members, leaves = self._membership.get(at, ((), None))
        return Fact(self._ids.at(at), self._type_names[self._type[at]], self._version[at],
                    from_micros(self._start[at]), None if entity == _NONE else self._entities.entity(entity),
                    members, leaves)

    def members(self, at: int) -> Sequence[dict[str, Any]]:
        """The participants the fact introduces (none, unless it is a membership change)."""
        membership = self._membership.get(at)
        return () if membership is None else membership[0]

    def entity_number(self, at: int) -> int | None:
        entity = self._entity[at]
        return None if entity == _NONE else entity

    def of_entity(self, entity: int) -> list[int]:
        """The indexes of the entity's live facts, latest learned first."""
        found, at = [], self._latest[entity] if entity < len(self._latest) else _NONE
        while at != _NONE:
            found.append(at)
            at = self._previous[at]
        return found

    def membership_changes(self) -> list[Fact]:
        """The live membership changes, in the order they were learned."""
        return [self.fact(at) for at in sorted(self._membership) if self._alive[at]]

    def live(self) -> Iterator[Fact]:
        """Every live fact, in the order they were learned."""
        return (self.fact(at) for at in range(len(self._alive)) if self._alive[at])

    # -- snapshots (domain.snapshots) -----------------------------------------------------

    # The columns held as flat arrays, with their array typecodes (domain.snapshots packs them).
    ARRAYS: ClassVar[dict[str, str]] = {"id_high": "Q", "id_low": "Q", "type": "B", "version": "q", "start": "q", "entity": "q"}

    def columns(self) -> dict[str, Any]:
        """The live facts' columns, in the order they were learned: a fact's membership change
        by its place among them."""
        keep = None if self._count == len(self._alive) else [i for i, alive in enumerate(self._alive) if alive]

        def live(column: array) -> array:
            return column if keep is None else array(column.typecode, (column[i] for i in keep))
        places = range(self._count) if keep is None else keep
        other = {i: self._ids.other[at] for i, at in enumerate(places) if at in self._ids.other}
        membership = [[i, list(self._membership[at][0]), self._membership[at][1]]
                      for i, at in enumerate(places) if at in self._membership]
        return {"types": list(self._type_names), "id_high": live(self._ids.high), "id_low": live(self._ids.low),
                "other_ids": other, "type": live(self._type), "version": live(self._version),
                "start": live(self._start), "entity": live(self._entity), "membership": membership}

    @classmethod
    def from_columns(cls, entities: EntityTable, columns: Mapping[str, Any]) -> KeptFacts:
        """The facts `columns` described (its ARRAYS as arrays of their typecodes, `other_ids`
        keyed by place, in any form int() reads); ValueError if the columns do not agree."""
        high, entity = columns["id_high"], columns["entity"]
        count = len(high)
        if not all(len(columns[name]) == count for name in cls.ARRAYS):
            raise ValueError("fact columns of different lengths")
        types, type_codes = columns["types"], columns["type"]
        if (type_codes and max(type_codes) >= len(types)) or \
                (entity and not -1 <= min(entity) <= max(entity) < len(entities)):
            raise ValueError("a fact of an unnamed type or entity")
        other_ids = {int(i): str(event_id) for i, event_id in columns["other_ids"].items()}
        membership = {int(i): (members, None if leaves is None else str(leaves))
                      for i, members, leaves in columns["membership"]}
        if any(not 0 <= i < count for i in [*other_ids, *membership]):
            raise ValueError("a fact out of range")
        facts = cls(entities)
        facts._type_names = [str(t) for t in types]
        facts._ids.high, facts._ids.low, facts._ids.other = high, columns["id_low"], other_ids
        facts._type, facts._version, facts._start = type_codes, columns["version"], columns["start"]
        facts._entity, facts._alive = entity, bytearray(b"\1" * count)
        facts._membership = membership
        facts._count = count
        for at, number in enumerate(entity):
            facts._previous.append(_NONE if number == _NONE else facts._link(at, number))
        return facts

    # -- inner workings -------------------------------------------------------------------

    def _link(self, at: int, entity: int) -> int:
        """Makes `at` the entity's latest fact; returns the one before it."""
        latest = self._latest
        if entity >= len(latest):
            latest.extend([_NONE] * (entity + 1 - len(latest)))
        previous, latest[entity] = latest[entity], at
        return previous

    def _drop_last(self) -> None:
        at = len(self._alive) - 1
        entity = self._entity[at]
        if entity != _NONE:
            self._latest[entity] = self._previous[at]
        self._ids.drop_last()
        for column in (self._type, self._version, self._start, self._entity, self._previous):
            column.pop()
        self._alive.pop()
        self._membership.pop(at, None)
        self._count -= 1
