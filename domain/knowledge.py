"""What the log knows about one negotiation, as far as the write rules need it.

Only live events count (retracted ones are forgotten, corrections are applied), and each fact
keeps its valid time, so rules can be order-independent: a fact recorded late (backfilled) is
judged by when it happened, not by when it was recorded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain.fact_owners import FactOwners
from domain.valid_time import parse_valid_time

# The entity an event type is about, and the field holding its key.
ENTITY_KEYS: dict[str, tuple[str, str]] = {
    **{t: ("round", "round_id") for t in (
        "round.proposed", "round.scheduled", "round.postponed", "round.cancelled",
        "round.started", "round.concluded",
    )},
    **{t: ("dispute", "dispute_id") for t in (
        "dispute.raised", "dispute.discussed", "dispute.excluded", "dispute.resolved",
        "dispute.deadlocked", "dispute.deferred", "dispute.dropped", "dispute.reopened",
    )},
    **{t: ("proposal", "proposal_id") for t in (
        "proposal.tabled", "proposal.responded", "proposal.withdrawn",
    )},
    **{t: ("commitment", "commitment_id") for t in (
        "commitment.agreed", "commitment.progress_reported", "commitment.fulfilled",
        "commitment.breach_alleged", "commitment.breached", "commitment.withdrawn",
    )},
}

# Fields a correction may never change: moving a fact to another entity is a retraction
# followed by a new event, so each entity's history stays readable.
KEY_FIELDS = frozenset({"round_id", "dispute_id", "proposal_id", "commitment_id", "participant_id",
                        "target_event_id"})


# The facts the rules read more of than their entity: membership changes (who takes part,
# when) and the endings of entities (a round cancelled or concluded, a proposal or commitment
# withdrawn), with their valid time. Every other live fact only makes its entity exist.
MEMBERSHIP_TYPES = frozenset({"negotiation.opened", "participant.joined", "participant.left"})
KEPT_TYPES = MEMBERSHIP_TYPES | {"round.cancelled", "round.concluded", "proposal.withdrawn",
                                 "commitment.withdrawn"}


@dataclass(slots=True)
class Fact:
    """One live kept fact, reduced to what the rules look at."""

    event_id: str
    type: str
    version: int
    start: datetime
    entity: tuple[str, str] | None = None
    # The participants it introduces; most facts introduce none, and share one empty tuple.
    members: Sequence[dict[str, Any]] = ()
    leaves: str | None = None  # participant id of participant.left
    # Its entry in a snapshot (domain.snapshots), encoded the first time one is taken: a
    # negotiation may keep tens of thousands of facts, and a snapshot would otherwise encode
    # every one of them again each time. Whatever changes the fact clears it.
    encoded: str | None = field(default=None, compare=False, repr=False)


def entity_of(event_type: str, fields: dict[str, Any]) -> tuple[str, str] | None:
    if event_type in ENTITY_KEYS:
        kind, key_field = ENTITY_KEYS[event_type]
        return kind, fields[key_field]
    if event_type in ("participant.joined", "participant.left"):
        pid = fields["participant"]["id"] if event_type == "participant.joined" else fields["participant_id"]
        return "participant", pid
    return None


def fact_from_record(record: dict[str, Any], version: int) -> Fact:
    event_type = record["type"]
    members: Sequence[dict[str, Any]] = ()
    if event_type == "negotiation.opened":
        members = list(record.get("participants", []))
    elif event_type == "participant.joined":
        members = [record["participant"]]
    return Fact(
        event_id=record["event_id"],
        type=event_type,
        version=version,
        start=parse_valid_time(record["occurred_at"]).start,
        entity=entity_of(event_type, record),
        members=members,
        leaves=record.get("participant_id") if event_type == "participant.left" else None,
    )


Undo = Callable[[], None]


class StoredBefore(Protocol):
    """The stream's events up to a snapshot (domain.snapshots), read back from storage when a
    rule asks about one of them: a knowledge restored from a snapshot keeps neither the entity
    of every counted fact nor the values of corrections, only what the rules read on every
    append."""

    def entity_of(self, event_id: str) -> tuple[str, str] | None:
        """The entity of the counted (not kept) live fact `event_id`, if it is at or before
        the snapshot in this stream."""
        ...

    def changes(self, correction_ids: list[str]) -> list[dict[str, Any]]:
        """The `changes` of those corrections, as they are stored now."""
        ...


class Knowledge:
    """Kept facts in full; of every other live fact only its entity, so that what a cached
    negotiation holds grows by a few bytes per event (a negotiation may run to a million).

    While a journal is kept (`keep_journal`), every change records how to undo it, so that
    the writer can take back a refused request (or a whole group that lost a race) without
    reloading the stream; replaying a stream keeps none."""

    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}  # kept facts only (KEPT_TYPES)
        self.by_entity: dict[tuple[str, str], list[str]] = {}  # kept facts per entity
        self.live: dict[tuple[str, str], int] = {}  # live facts per entity, kept or not
        self.others = FactOwners()  # the entity of each live fact that is not kept
        self.retracted: set[str] = set()
        # Corrections per target, in recording order: merged over the stored target to get
        # the event as it now reads.
        self.corrections: dict[str, list[dict[str, Any]]] = {}
        # The event ids of those corrections, in the same order: what a snapshot keeps of them.
        self.correction_ids: dict[str, list[str]] = {}
        self.participants: dict[str, dict[str, Any]] = {}
        self._journal: list[Undo] | None = None
        # Restored from a snapshot: where the facts before it are looked up, and the targets
        # whose corrections are still only in storage (read the first time they are asked for).
        self.before: StoredBefore | None = None
        self.unread_corrections: set[str] = set()

    # -- undoing --------------------------------------------------------------------------

    def keep_journal(self) -> None:
        self._journal = []

    def drop_journal(self) -> None:
        self._journal = None

    def mark(self) -> int:
        """Where the journal is now: `undo_to(mark)` takes back every change made since."""
        assert self._journal is not None, "no journal kept"
        return len(self._journal)

    def undo_to(self, mark: int) -> None:
        journal = self._journal
        assert journal is not None, "no journal kept"
        while len(journal) > mark:
            journal.pop()()

    # -- learning -----------------------------------------------------------------------

    def learn(self, record: dict[str, Any], version: int) -> None:
        event_type = record["type"]
        if event_type == "record.corrected":
            self._learn_correction(record["target_event_id"], record["changes"], record["event_id"])
        elif event_type == "record.retracted":
            self._forget(record["target_event_id"])
        journal = self._journal
        if event_type in KEPT_TYPES:
            fact = fact_from_record(record, version)
            # The entity as the facts counted before it named it: one (kind, key) per entity
            # rather than one per kept fact, in a negotiation of tens of thousands of them.
            entity = fact.entity = self.others.known(fact.entity) if fact.entity else None
            if journal is not None:
                journal.append(_restorer(self.facts, fact.event_id))
            self.facts[fact.event_id] = fact
            if entity:
                kept = self.by_entity.get(entity)
                if kept is None:
                    if journal is not None:
                        journal.append(_restorer(self.by_entity, entity))
                    kept = self.by_entity[entity] = []
                kept.append(fact.event_id)
                if journal is not None:
                    journal.append(kept.pop)
            if fact.members:
                self._refresh_participants()
        else:
            entity = entity_of(event_type, record)
            if entity:
                self.others.add(record["event_id"], entity, journal)
        if entity:
            self._count(entity, 1)

    def _count(self, entity: tuple[str, str], change: int) -> None:
        if self._journal is not None:
            self._journal.append(_restorer(self.live, entity))
        self.live[entity] = self.live.get(entity, 0) + change

    def corrections_of(self, target_id: str) -> list[dict[str, Any]]:
        """The changes of the target's corrections, in recording order."""
        if target_id in self.unread_corrections:
            assert self.before is not None
            # Filling in what is stored, not a change: the journal has nothing to take back.
            self.corrections[target_id] = self.before.changes(self.correction_ids[target_id])
            self.unread_corrections.discard(target_id)
        return self.corrections.get(target_id, [])

    def _learn_correction(self, target_id: str, changes: dict[str, Any], correction_id: str) -> None:
        journal = self._journal
        self.corrections_of(target_id)
        for by_target, item in ((self.corrections, changes), (self.correction_ids, correction_id)):
            earlier = by_target.get(target_id)
            if earlier is None:
                if journal is not None:
                    journal.append(_restorer(by_target, target_id))
                by_target[target_id] = [item]
            else:
                earlier.append(item)
                if journal is not None:
                    journal.append(earlier.pop)
        fact = self.facts.get(target_id)
        if fact is None:  # not kept: the rules read only its entity, which cannot be corrected
            return
        if journal is not None:
            start, members, encoded = fact.start, fact.members, fact.encoded

            def unchange() -> None:
                fact.start, fact.members, fact.encoded = start, members, encoded
            journal.append(unchange)
        fact.encoded = None
        if "occurred_at" in changes:
            fact.start = parse_valid_time(changes["occurred_at"]).start
        if "participants" in changes:
            fact.members = list(changes["participants"])
        if "participant" in changes:
            fact.members = [changes["participant"]]
        if fact.members:
            self._refresh_participants()

    def _forget(self, target_id: str) -> None:
        journal = self._journal
        was_live = target_id not in self.retracted
        if journal is not None and was_live:
            journal.append(lambda: self.retracted.discard(target_id))
        self.retracted.add(target_id)
        if journal is not None:
            journal.append(_restorer(self.facts, target_id))
        fact = self.facts.pop(target_id, None)
        if fact is None:
            entity = self.others.pop(target_id, journal)
            if entity is None and was_live and self.before is not None:
                entity = self.before.entity_of(target_id)  # `retracted` now marks it forgotten
        else:
            entity = fact.entity
            if entity:
                kept = self.by_entity[entity]
                at = kept.index(target_id)
                del kept[at]
                if journal is not None:
                    journal.append(lambda: kept.insert(at, target_id))
            if fact.members:
                self._refresh_participants()
        if entity:
            self._count(entity, -1)

    def _refresh_participants(self) -> None:
        if self._journal is not None:
            before = self.participants

            def unrefresh() -> None:
                self.participants = before
            self._journal.append(unrefresh)
        participants: dict[str, dict[str, Any]] = {}
        for fact in sorted(self.facts.values(), key=lambda f: f.version):
            for member in fact.members:
                participants[member["id"]] = member
        self.participants = participants

    # -- questions the rules ask ---------------------------------------------------------

    def entity_of_fact(self, event_id: str) -> tuple[str, str] | None:
        fact = self.facts.get(event_id)
        if fact is not None:
            return fact.entity
        entity = self.others.get(event_id)
        if entity is None and self.before is not None and event_id not in self.retracted:
            entity = self.before.entity_of(event_id)
        return entity

    def history(self, entity: tuple[str, str], *, exclude: str | None = None) -> list[Fact]:
        """The entity's live kept facts (its endings, for rounds, proposals and commitments)
        in valid-time order (ties by recording order)."""
        facts = [self.facts[i] for i in self.by_entity.get(entity, ()) if i != exclude]
        return sorted(facts, key=lambda f: (f.start, f.version))

    def exists(self, entity: tuple[str, str], *, exclude: str | None = None) -> bool:
        """Whether any live fact is about the entity (leaving out `exclude`)."""
        count = self.live.get(entity, 0)
        if count and exclude is not None and self.entity_of_fact(exclude) == entity:
            count -= 1
        return count > 0

    def is_present(self, participant_id: str, at: datetime, *, exclude: str | None = None) -> bool:
        """Whether the participant is part of the talks at `at`: the latest membership
        change at or before then was joining (or the opening that named them)."""
        present = False
        changes = [f for f in self.facts.values()
                   if f.event_id != exclude and f.start <= at
                   and (any(m["id"] == participant_id for m in f.members) or f.leaves == participant_id)]
        for fact in sorted(changes, key=lambda f: (f.start, f.version)):
            present = fact.leaves != participant_id
        return present


_ABSENT = object()


def _restorer(mapping: dict[Any, Any], key: Any) -> Undo:
    """Undoes whatever is about to be done to `mapping[key]`: puts back its value, or its
    absence."""
    before = mapping.get(key, _ABSENT)

    def restore() -> None:
        if before is _ABSENT:
            mapping.pop(key, None)
        else:
            mapping[key] = before
    return restore
