"""What the log knows about one negotiation, as far as the write rules need it.

Only live events count (retracted ones are forgotten, corrections are applied), and each fact
keeps its valid time, so rules can be order-independent: a fact recorded late (backfilled) is
judged by when it happened, not by when it was recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from domain.entity_table import Entity, EntityTable
from domain.fact_owners import FactOwners
from domain.kept_facts import Fact, KeptFacts
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


def entity_of(event_type: str, fields: dict[str, Any]) -> tuple[str, str] | None:
    if event_type in ENTITY_KEYS:
        kind, key_field = ENTITY_KEYS[event_type]
        return kind, fields[key_field]
    if event_type in ("participant.joined", "participant.left"):
        pid = fields["participant"]["id"] if event_type == "participant.joined" else fields["participant_id"]
        return "participant", pid
    return None


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
    """Kept facts (in columns, domain.kept_facts); of every other live fact only its entity,
    so that what a cached negotiation holds grows by a few bytes per event (a negotiation may
    run to a million).

    While a journal is kept (`keep_journal`), every change records how to undo it, so that
    the writer can take back a refused request (or a whole group that lost a race) without
    reloading the stream; replaying a stream keeps none."""

    def __init__(self) -> None:
        self.entities = EntityTable()  # every entity a live fact was about, and its live facts
        self.kept = KeptFacts(self.entities)  # kept facts only (KEPT_TYPES)
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
        entity = entity_of(event_type, record)
        number = None if entity is None else self.entities.add(entity, journal)
        if event_type in KEPT_TYPES:
            membership = None
            if event_type == "negotiation.opened":
                membership = (list(record.get("participants", [])), None)
            elif event_type == "participant.joined":
                membership = ([record["participant"]], None)
            elif event_type == "participant.left":
                membership = ((), record["participant_id"])
            self.kept.add(record["event_id"], event_type, version, parse_valid_time(record["occurred_at"]).start,
                          number, membership, journal)
            if membership is not None and membership[0]:
                self._refresh_participants()
        elif number is not None:
            self.others.add(record["event_id"], number, journal)
        if number is not None:
            self.entities.count(number, 1, journal)

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
        at = self.kept.find(target_id)
        if at is None:  # not kept: the rules read only its entity, which cannot be corrected
            return
        members = None
        if "participants" in changes:
            members = list(changes["participants"])
        if "participant" in changes:
            members = [changes["participant"]]
        start = parse_valid_time(changes["occurred_at"]).start if "occurred_at" in changes else None
        self.kept.correct(at, start, members, journal)
        if self.kept.members(at):
            self._refresh_participants()

    def _forget(self, target_id: str) -> None:
        journal = self._journal
        was_live = target_id not in self.retracted
        if journal is not None and was_live:
            journal.append(lambda: self.retracted.discard(target_id))
        self.retracted.add(target_id)
        at = self.kept.find(target_id)
        if at is None:
            number = self.others.pop(target_id, journal)
            if number is None and was_live and self.before is not None:
                entity = self.before.entity_of(target_id)  # `retracted` now marks it forgotten
                number = None if entity is None else self.entities.number(entity)
        else:
            number = self.kept.entity_number(at)
            had_members = bool(self.kept.members(at))
            self.kept.remove(at, journal)
            if had_members:
                self._refresh_participants()
        if number is not None:
            self.entities.count(number, -1, journal)

    def _refresh_participants(self) -> None:
        if self._journal is not None:
            before = self.participants

            def unrefresh() -> None:
                self.participants = before
            self._journal.append(unrefresh)
        participants: dict[str, dict[str, Any]] = {}
        for fact in sorted(self.kept.membership_changes(), key=lambda f: f.version):
            for member in fact.members:
                participants[member["id"]] = member
        self.participants = participants

    # -- questions the rules ask ---------------------------------------------------------

    def entity_of_fact(self, event_id: str) -> Entity | None:
        at = self.kept.find(event_id)
        number = self.others.get(event_id) if at is None else self.kept.entity_number(at)
        if number is not None:
            return self.entities.entity(number)
        if at is None and self.before is not None and event_id not in self.retracted:
            return self.before.entity_of(event_id)
        return None

    def history(self, entity: Entity, *, exclude: str | None = None) -> list[Fact]:
        """The entity's live kept facts (its endings, for rounds, proposals and commitments)
        in valid-time order (ties by recording order)."""
        number = self.entities.number(entity)
        if number is None:
            return []
        facts = [fact for fact in map(self.kept.fact, self.kept.of_entity(number)) if fact.event_id != exclude]
        return sorted(facts, key=lambda f: (f.start, f.version))

    def exists(self, entity: Entity, *, exclude: str | None = None) -> bool:
        """Whether any live fact is about the entity (leaving out `exclude`)."""
        number = self.entities.number(entity)
        count = 0 if number is None else self.entities.live(number)
        if count and exclude is not None and self.entity_of_fact(exclude) == entity:
            count -= 1
        return count > 0

    def membership_changes(self, *, exclude: str | None = None) -> list[Fact]:
        """The live openings, joins and leaves, in recording order."""
        return [f for f in self.kept.membership_changes() if f.event_id != exclude]

    def is_present(self, participant_id: str, at: datetime, *, exclude: str | None = None) -> bool:
        """Whether the participant is part of the talks at `at`: the latest membership
        change at or before then was joining (or the opening that named them)."""
        present = False
        changes = [f for f in self.membership_changes(exclude=exclude) if f.start <= at
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
