"""The entities a negotiation's facts are about, each numbered, with how many live facts it has.

A long negotiation has tens of thousands of entities (each dispute, round, proposal...), and a
cached negotiation holds all of them for as long as the server runs. A (kind, key) tuple per
entity in several dictionaries cost about 270 bytes an entity, in objects of a few dozen bytes
that, interleaved with each request's short-lived ones, kept the allocator's arenas from being
given back. Here an entity is its key, one entry in its kind's dictionary, and a slot in two
flat arrays: about 120 bytes, most of it the key itself."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

Entity = tuple[str, str]  # (kind, key)
# Where a change records how to undo it (domain.knowledge's journal), or None.
Journal = list[Callable[[], None]] | None


class EntityTable:
    def __init__(self) -> None:
        self._kind_names: list[str] = []
        self._numbers: dict[str, dict[str, int]] = {}  # kind -> key -> number
        self._kinds = array("B")  # per number: index into _kind_names
        self._keys: list[str] = []
        self._live = array("q")  # per number: live facts about it, kept or not

    def __len__(self) -> int:
        return len(self._keys)

    def number(self, entity: Entity) -> int | None:
        by_key = self._numbers.get(entity[0])
        return None if by_key is None else by_key.get(entity[1])

    def entity(self, number: int) -> Entity:
        return self._kind_names[self._kinds[number]], self._keys[number]

    def add(self, entity: Entity, journal: Journal = None) -> int:
        """The entity's number, numbering it if it is new."""
        kind, key = entity
        by_key = self._numbers.get(kind)
        if by_key is None:
            if len(self._kind_names) == 256:
                raise ValueError("more than 256 kinds of entity")
            self._kind_names.append(kind)
            by_key = self._numbers[kind] = {}
            if journal is not None:
                journal.append(lambda: self._forget_kind(kind))
        number = by_key.get(key)
        if number is None:
            number = by_key[key] = len(self._keys)
            self._kinds.append(self._kind_names.index(kind))
            self._keys.append(key)
            self._live.append(0)
            if journal is not None:
                journal.append(self._forget_last)
        return number

    def live(self, number: int) -> int:
        return self._live[number]

    def count(self, number: int, change: int, journal: Journal = None) -> None:
        before = self._live[number]
        self._live[number] = before + change
        if journal is not None:
            journal.append(lambda: self._live.__setitem__(number, before))

    def counts(self) -> Iterator[tuple[str, str, int]]:
        """(kind, key, live facts) of every entity, in the order they were numbered."""
        names = self._kind_names
        for kind, key, live in zip(self._kinds, self._keys, self._live):
            yield names[kind], key, live

    # The columns held as flat arrays, with their array typecodes (domain.snapshots packs them).
    ARRAYS: ClassVar[dict[str, str]] = {"kind": "B", "live": "q"}

    def columns(self) -> dict[str, Any]:
        """What a snapshot keeps (domain.snapshots): the kinds' names, then per entity its
        kind, key and live count, in number order."""
        return {"kinds": list(self._kind_names), "kind": self._kinds, "keys": self._keys, "live": self._live}

    @classmethod
    def from_columns(cls, columns: Mapping[str, Any]) -> EntityTable:
        """The table `columns` described (its ARRAYS as arrays of their typecodes); ValueError
        if the columns do not agree."""
        kinds, kind, keys, live = columns["kinds"], columns["kind"], columns["keys"], columns["live"]
        if not (len(kind) == len(keys) == len(live)) or len(set(kinds)) != len(kinds):
            raise ValueError("entity columns of different lengths, or a kind named twice")
        if kind and max(kind) >= len(kinds):
            raise ValueError("an entity of an unnamed kind")
        table = cls()
        table._kind_names = [str(k) for k in kinds]
        table._numbers = {k: {} for k in table._kind_names}
        for number, (code, key) in enumerate(zip(kind, keys)):
            if not isinstance(key, str):
                raise ValueError("an entity key that is not text")
            if table._numbers[table._kind_names[code]].setdefault(key, number) != number:
                raise ValueError("an entity numbered twice")
        table._kinds, table._keys, table._live = kind, list(keys), live
        return table

    # -- undoing (in the reverse order of the changes) -------------------------------------

    def _forget_last(self) -> None:
        kind = self._kind_names[self._kinds.pop()]
        del self._numbers[kind][self._keys.pop()]
        self._live.pop()

    def _forget_kind(self, kind: str) -> None:
        del self._numbers[kind]
        self._kind_names.pop()
