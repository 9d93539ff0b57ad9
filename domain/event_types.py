"""The event types of docs/api.md §4 as pydantic models: each model is the object a client submits,
envelope fields (§3) and the type's data fields side by side at the top level.

Checking a submitted event against them is domain.event_validation.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from domain.event_examples import EXAMPLES
from domain.event_fields import (
    SERVER_FIELDS, Count, Duration, EventRef, Flag, Format, Key, Label, Name, Participant,
    ParticipantRef, Person, RequiredText, Response, Source, Speaker, Stance, Text, TimeText, Venue,
    has_nul, many, refuse,
)

def _add_example(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    example = EXAMPLES.get(get_args(cls.model_fields["type"].annotation)[0])
    if example:
        schema["examples"] = [example]


class Event(BaseModel):
    """Envelope fields common to every event type (docs/api.md §3)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_add_example)

    type: str
    occurred_at: TimeText
    sources: many(Source) | None = None
    attributed_to: ParticipantRef | None = None
    note: Text | None = None


class NegotiationOpened(Event):
    """A negotiation begins; needs at least one participant with role `party`."""

    type: Literal["negotiation.opened"]
    title: Name
    participants: many(Participant, min_length=1)
    subject: Text | None = None
    format: Format | None = None
    # Fixed at opening (docs/api.md §7); the server fills it in when the client leaves it out.
    workspace: Key | None = None

    @field_validator("participants")
    @classmethod
    def _parties(cls, participants: list[Participant]) -> list[Participant]:
        seen: dict[str, int] = {}
        for i, p in enumerate(participants):
            if p.id in seen:
                message = f"duplicate participant id {p.id!r} (also at participants.{seen[p.id]})"
                raise refuse("duplicate", message, f"{i}.id")
            seen[p.id] = i
        if not any(p.role == "party" for p in participants):
            raise refuse("no_party", "at least one participant must have role 'party'")
        return participants


class ParticipantJoined(Event):
    type: Literal["participant.joined"]
    participant: Participant


class ParticipantLeft(Event):
    type: Literal["participant.left"]
    participant_id: ParticipantRef


class NegotiationSuspended(Event):
    type: Literal["negotiation.suspended"]
    reason: Text | None = None


class NegotiationResumed(Event):
    type: Literal["negotiation.resumed"]
    reason: Text | None = None


class NegotiationConcluded(Event):
    type: Literal["negotiation.concluded"]
    outcome: Text | None = None


class NegotiationCollapsed(Event):
    type: Literal["negotiation.collapsed"]
    outcome: Text | None = None


class RoundProposed(Event):
    type: Literal["round.proposed"]
    round_id: Key
    label: Label | None = None
    proposed_by: ParticipantRef | None = None


class RoundScheduled(Event):
    type: Literal["round.scheduled"]
    round_id: Key
    label: Label | None = None
    number: Count | None = None
    venue: Venue | None = None
    scheduled_for: TimeText | None = None
    provisional: Flag | None = None


class RoundPostponed(Event):
    type: Literal["round.postponed"]
    round_id: Key
    reason: Text | None = None
    requested_by: ParticipantRef | None = None


class RoundCancelled(Event):
    type: Literal["round.cancelled"]
    round_id: Key
    reason: Text | None = None
    cancelled_by: ParticipantRef | None = None


class DelegationNamed(Event):
    type: Literal["delegation.named"]
    round_id: Key
    participant_id: ParticipantRef
    head: Person
    members: many(Person) | None = None


class RoundStarted(Event):
    """Creates the round if it is not yet known."""

    type: Literal["round.started"]
    round_id: Key
    venue: Venue | None = None


class RoundConcluded(Event):
    type: Literal["round.concluded"]
    round_id: Key
    duration: Duration | None = None
    summary: Text | None = None


class DisputeRaised(Event):
    type: Literal["dispute.raised"]
    dispute_id: Key
    title: Name
    description: Text | None = None
    raised_by: ParticipantRef | None = None


class DisputeDiscussed(Event):
    type: Literal["dispute.discussed"]
    dispute_id: Key
    round_id: Key
    summary: Text | None = None


class DisputeExcluded(Event):
    """The dispute is kept off the agenda."""

    type: Literal["dispute.excluded"]
    dispute_id: Key
    excluded_by: ParticipantRef | None = None
    reason: Text | None = None


class PositionStated(Event):
    type: Literal["position.stated"]
    dispute_id: Key
    participant_id: ParticipantRef
    stance: Stance
    text: RequiredText


class DisputeResolved(Event):
    type: Literal["dispute.resolved"]
    dispute_id: Key
    summary: Text | None = None


class DisputeDeadlocked(Event):
    type: Literal["dispute.deadlocked"]
    dispute_id: Key
    summary: Text | None = None


class DisputeDeferred(Event):
    type: Literal["dispute.deferred"]
    dispute_id: Key
    summary: Text | None = None


class DisputeDropped(Event):
    type: Literal["dispute.dropped"]
    dispute_id: Key
    summary: Text | None = None


class DisputeReopened(Event):
    type: Literal["dispute.reopened"]
    dispute_id: Key
    summary: Text | None = None


class ProposalTabled(Event):
    type: Literal["proposal.tabled"]
    proposal_id: Key
    proposed_by: ParticipantRef
    text: RequiredText
    dispute_id: Key | None = None
    via: ParticipantRef | None = None  # the mediator who carried it


class ProposalResponded(Event):
    type: Literal["proposal.responded"]
    proposal_id: Key
    participant_id: ParticipantRef
    response: Response
    text: Text | None = None


class ProposalWithdrawn(Event):
    type: Literal["proposal.withdrawn"]
    proposal_id: Key


class CommitmentAgreed(Event):
    type: Literal["commitment.agreed"]
    commitment_id: Key
    parties: many(ParticipantRef, min_length=1)
    text: RequiredText
    round_id: Key | None = None
    dispute_id: Key | None = None
    due: TimeText | None = None

    @field_validator("parties")
    @classmethod
    def _unique(cls, parties: list[str]) -> list[str]:
        for i, party in enumerate(parties):
            if party in parties[:i]:
                raise refuse("duplicate", f"participant {party!r} is listed more than once", str(i))
        return parties


class CommitmentProgressReported(Event):
    type: Literal["commitment.progress_reported"]
    commitment_id: Key
    text: RequiredText


class CommitmentFulfilled(Event):
    type: Literal["commitment.fulfilled"]
    commitment_id: Key
    text: Text | None = None


class CommitmentBreachAlleged(Event):
    type: Literal["commitment.breach_alleged"]
    commitment_id: Key
    alleged_by: ParticipantRef
    text: RequiredText


class CommitmentBreached(Event):
    """The breach is established, not merely alleged."""

    type: Literal["commitment.breached"]
    commitment_id: Key
    text: Text | None = None


class CommitmentWithdrawn(Event):
    type: Literal["commitment.withdrawn"]
    commitment_id: Key
    by: ParticipantRef | None = None
    reason: Text | None = None


class StatementIssued(Event):
    type: Literal["statement.issued"]
    speaker: Speaker
    text: RequiredText
    channel: Label | None = None


class RecordCorrected(Event):
    """Replaces fields of an earlier event; `changes` is checked again by the application,
    merged into its target, so only what can never be corrected is refused here."""

    type: Literal["record.corrected"]
    target_event_id: EventRef
    changes: Annotated[dict[str, Any], Field(min_length=1, max_length=1000)]
    reason: RequiredText

    @field_validator("changes")
    @classmethod
    def _correctable(cls, changes: dict[str, Any]) -> dict[str, Any]:
        for key in changes:
            if key == "type":
                message = "an event's type cannot be corrected; retract it and record a new event"
                raise refuse("not_correctable", message, key)
            if key in SERVER_FIELDS:
                raise refuse("not_correctable", "set by the server; it cannot be corrected", key)
        if has_nul(changes):
            raise refuse("nul_character", "must not contain NUL characters")
        return changes


class RecordRetracted(Event):
    """The target is treated as never having happened."""

    type: Literal["record.retracted"]
    target_event_id: EventRef
    reason: RequiredText


class RecordErased(Event):
    """Fields of an earlier event erased: their values and salts deleted, the digests its leaf
    commits to kept (docs/api.md §10). Recorded through POST /negotiations/{id}/erasures (role
    admin), never among ordinary appends; `fields` names them as leaves do (`sources[1]`)."""

    type: Literal["record.erased"]
    target_event_id: EventRef
    fields: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=80)]],
                      Field(min_length=1, max_length=1000)]
    reason: RequiredText


_MODELS: tuple[type[Event], ...] = (
    NegotiationOpened, ParticipantJoined, ParticipantLeft, NegotiationSuspended,
    NegotiationResumed, NegotiationConcluded, NegotiationCollapsed, RoundProposed,
    RoundScheduled, RoundPostponed, RoundCancelled, DelegationNamed, RoundStarted,
    RoundConcluded, DisputeRaised, DisputeDiscussed, DisputeExcluded, PositionStated,
    DisputeResolved, DisputeDeadlocked, DisputeDeferred, DisputeDropped, DisputeReopened,
    ProposalTabled, ProposalResponded, ProposalWithdrawn, CommitmentAgreed,
    CommitmentProgressReported, CommitmentFulfilled, CommitmentBreachAlleged,
    CommitmentBreached, CommitmentWithdrawn, StatementIssued, RecordCorrected, RecordRetracted, RecordErased,
)
EVENT_TYPES: Mapping[str, type[BaseModel]] = types.MappingProxyType(
    {get_args(m.model_fields["type"].annotation)[0]: m for m in _MODELS}
)
AnyEvent = Annotated[Union[_MODELS], Field(discriminator="type")]  # type: ignore[valid-type]
