"""The Negotiation aggregate: one event stream per negotiation, the consistency boundary.

Every event is stored as one `Recorded` domain event carrying the contract-level record
(envelope and data). Before an event is recorded it is checked against what the stream
already knows (domain.rules); corrections and retractions are checked against their target."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.erasure import ERASURE_TYPE, check_erasable
from domain.errors import FieldError, NotFound, RuleViolation, ValidationFailed
from domain.workspaces import workspace_of_opening
from domain.event_validation import ValidatedEvent, validate_event
from domain.knowledge import KEY_FIELDS, Knowledge
from domain.rules import check_event


def merge_changes(target: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The target's client fields with a correction's changes laid over them."""
    return {**target, **changes}


def _top(name: str) -> str:
    """The top-level field an erased name is part of (`sources[1]` is part of `sources`)."""
    return name.split("[", 1)[0]


class Negotiation(Aggregate):
    class Opened(Aggregate.Created):
        record: dict[str, Any]

    class Recorded(Aggregate.Event):
        record: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Negotiation)
            aggregate.knowledge.learn(self.record, self.originator_version)

    # The version of the stream's latest stored snapshot (domain.snapshots) this object knows of.
    snapshot_at = 0

    def __init__(self, record: dict[str, Any]) -> None:
        self.workspace = workspace_of_opening(record)
        self.knowledge = Knowledge()
        self.knowledge.learn(record, 1)

    @classmethod
    def restored(cls, negotiation_id: UUID, version: int, created_on: datetime, modified_on: datetime,
                 workspace: str, knowledge: Knowledge) -> Negotiation:
        """The stream as of `version`, from a snapshot's knowledge rather than its events."""
        aggregate = cls.__new__(cls)
        aggregate.__base_init__(negotiation_id, version, created_on)
        aggregate.modified_on = modified_on
        aggregate.workspace = workspace
        aggregate.knowledge = knowledge
        aggregate.snapshot_at = version
        return aggregate

    # -- taking back what was not saved ------------------------------------------------------

    def savepoint(self) -> tuple[int, datetime, int, int]:
        """The state to come back to with `roll_back`; the knowledge must keep a journal."""
        return self.version, self.modified_on, len(self.pending_events), self.knowledge.mark()

    def roll_back(self, savepoint: tuple[int, datetime, int, int]) -> None:
        """Back to the savepoint: the events triggered since (pending, or collected by a save
        that failed) are gone, and so is what the knowledge learned from them."""
        version, modified_on, pending, mark = savepoint
        self.knowledge.undo_to(mark)
        del self.pending_events[pending:]
        self.version, self.modified_on = version, modified_on

    @classmethod
    def open(cls, event: ValidatedEvent, record: dict[str, Any], negotiation_id: UUID,
             recorded_at: datetime) -> Negotiation:
        check_event(Knowledge(), event.type, event.fields, event.valid_time.start)
        return cls._create(cls.Opened, id=negotiation_id, record=record, timestamp=recorded_at)

    def record(self, event: ValidatedEvent, record: dict[str, Any], recorded_at: datetime,
               target: dict[str, Any] | None = None, *, importing: bool = False) -> None:
        """Checks `event` against the record and, if it holds, appends it to the stream.
        For corrections and retractions `target` is the targeted event as it now reads
        (stored fields with earlier corrections applied), for an erasure as it is stored; None
        if it is not in this stream."""
        if event.type == "record.corrected":
            self._check_correction(event, target)
        elif event.type == "record.retracted":
            self._check_retraction(event, target)
        elif event.type == ERASURE_TYPE:
            self._check_erasure(event, target, importing)
        check_event(self.knowledge, event.type, event.fields, event.valid_time.start)
        self.trigger_event(self.Recorded, record=record, timestamp=recorded_at)

    # -- corrections and retractions ----------------------------------------------------------

    def _live_target(self, event: ValidatedEvent, target: dict[str, Any] | None) -> dict[str, Any]:
        target_id = event.fields["target_event_id"]
        # `target` is None unless the event is stored (or pending) in this very negotiation.
        if target is None:
            raise RuleViolation(f"target_event_id: no event {target_id} in this negotiation",
                                rule="target-in-negotiation")
        if target_id in self.knowledge.retracted:
            raise RuleViolation(f"target_event_id: event {target_id} was retracted",
                                rule="target-live")
        if target["type"].startswith("record."):
            raise RuleViolation(
                f"target_event_id: event {target_id} is a {target['type']}; corrections and "
                "retractions target facts, not other corrections (record a new correction instead)",
                rule="target-is-fact")
        return target

    def _check_retraction(self, event: ValidatedEvent, target: dict[str, Any] | None) -> None:
        target = self._live_target(event, target)
        if target["type"] == "negotiation.opened":
            raise RuleViolation("target_event_id: the opening of a negotiation cannot be retracted",
                                rule="opening-stays")

    def _check_correction(self, event: ValidatedEvent, target: dict[str, Any] | None) -> None:
        target = self._live_target(event, target)
        changes: dict[str, Any] = event.fields["changes"]
        for key in sorted(KEY_FIELDS & changes.keys()):
            if changes[key] != target.get(key):
                raise RuleViolation(
                    f"changes.{key}: a correction cannot move a fact to another entity; "
                    "retract the event and record a new one", rule="keys-fixed")
        if "workspace" in changes and changes["workspace"] != workspace_of_opening(target):
            # Who may see the record must not change under those already reading it.
            raise RuleViolation("changes.workspace: a negotiation stays in the workspace it was opened in",
                                rule="workspace-fixed")
        if "participants" in changes or "participant" in changes:
            self._check_member_ids_kept(target, changes)
        erased = [name for name in target.pop("erased", ()) if _top(name) not in changes]
        try:
            corrected = validate_event(merge_changes(target, changes), erased)
        except ValidationFailed as e:
            raise ValidationFailed([FieldError(f"changes.{err.field}".rstrip("."), err.message)
                                    for err in e.errors]) from None
        check_event(self.knowledge, corrected.type, corrected.fields, corrected.valid_time.start,
                    exclude=event.fields["target_event_id"])

    def _check_erasure(self, event: ValidatedEvent, target: dict[str, Any] | None, importing: bool) -> None:
        if target is None:
            raise NotFound(f"target_event_id: no event {event.fields['target_event_id']} in this negotiation",
                           rule="target-in-negotiation")
        names = event.fields["fields"]
        if importing:  # an export carries its erasures with the events already erased
            names = [n for n in names if n not in (target.get("erased") or ())]
            if not names:
                return
        names = check_erasable(target, names)
        membership = {"participants", "participant"} & set(names)
        if membership:
            # The ids every other event refers to must stay on record: erasing a participant's
            # name takes a correction that restates the entry first (with the name withheld).
            corrections = self.knowledge.corrections_of(target["event_id"])
            if not any(name in changes for changes in corrections for name in membership):
                name = sorted(membership)[0]
                raise RuleViolation(
                    f"fields: {name} holds the participant ids the record refers to; record a correction "
                    f"restating {name} (with the names you keep) first, then erase it", rule="erasure-keeps-members")

    @staticmethod
    def _check_member_ids_kept(target: dict[str, Any], changes: dict[str, Any]) -> None:
        def ids(fields: dict[str, Any]) -> list[str]:
            members = fields.get("participants") or [fields.get("participant") or {}]
            return sorted(str(m.get("id")) for m in members if isinstance(m, dict))

        if ids(merge_changes(target, changes)) != ids(target):
            raise RuleViolation("changes: a correction may rename participants or change their "
                                "role, not add or remove their ids", rule="keys-fixed")
