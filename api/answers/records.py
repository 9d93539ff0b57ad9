"""What the record reads as: negotiations, stored events, timeline items, entities, changes and their pages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.answers.enums import CommitmentStatus, DisputeStatus, EntityKind, EventType, NegotiationFormat, NegotiationStatus, ParticipantRole, ProposalResponse, ProposalStatus, RoundStatus, Stance
from api.answers.shapes import OpenShape, Shape
from domain.event_fields import Duration, Person, Source, Venue


_AS_OF = "the valid time answered for, as a UTC instant; null: now"
_KNOWN_AT = "the recorded time answered for, as a UTC instant; null: everything recorded"
_POSITION = ("the highest global position among the events the answer was computed from (known by "
             "`known_at`, whether or not they fell before `as_of`)")
_TIME = "as recorded in `occurred_at` (e.g. `2025-05`, `2025-02-27T10:00:00+03:00`)"


# -- shapes inside events and states: the event types' own (domain.event_fields) ---------------


# -- negotiations ----------------------------------------------------------------------------


class NegotiationParticipant(Shape):
    id: str
    name: str | None = Field(description="null once erased")
    role: ParticipantRole
    code: str | None = Field(None, description="an actor code such as RUS (ISO 3166-1 alpha-3)")
    wikidata: str | None = Field(None, description="a Wikidata item id such as Q159")
    present: bool = Field(description="taking part at the point answered (false once left)")


class Counts(Shape):
    rounds: int
    disputes: int
    proposals: int
    commitments: int
    statements: int
    events: int = Field(description="live facts counted (corrections and retractions are not facts)")


class _NegotiationFields(Shape):
    id: str = Field(description="assigned by the service (a UUID)")
    title: str | None
    workspace: str = Field(description="the workspace it belongs to (docs/api.md §7), fixed at opening")
    status: NegotiationStatus
    participants: list[NegotiationParticipant]
    subject: str | None
    format: NegotiationFormat | None
    outcome: str | None
    counts: Counts
    version: int = Field(description="the negotiation's stream version (also its ETag)")
    position: int = Field(description=_POSITION)


class Negotiation(_NegotiationFields):
    as_of: str | None = Field(description=_AS_OF)
    known_at: str | None = Field(description=_KNOWN_AT)


# -- stored events ---------------------------------------------------------------------------


class _Recorded(OpenShape):
    """The envelope of a stored event; its data fields sit beside it, as in its request schema (Event)."""

    event_id: str
    type: EventType  # type: ignore[valid-type]
    negotiation_id: str
    occurred_at: str = Field(description="valid time as the client wrote it")
    occurred_from: str = Field(description="the first instant `occurred_at` may mean, UTC")
    occurred_until: str = Field(description="the last instant `occurred_at` may mean, UTC")
    approximate: bool | None = Field(None, description="present when `occurred_at` carries `~` or `%`")
    uncertain: bool | None = Field(None, description="present when `occurred_at` carries `?` or `%`")
    sources: list[Source | None] | None = Field(None, description="an erased entry is null")
    attributed_to: str | None = None
    note: str | None = None
    version: int = Field(description="1-based place in the negotiation's stream")
    log_index: int = Field(description="0-based leaf index in the log's Merkle tree")
    recorded_at: str = Field(description="when the service stored it, UTC")
    recorded_by: str = Field(description="the principal that recorded it")
    erased: list[str] | None = Field(None, description="the fields erased from it, when any were")


class StoredEvent(_Recorded):
    position: int = Field(description="global position: strictly increasing in storage order")
    hash: str = Field(description="the event's leaf hash, lowercase hex")
    prev_hash: str | None = Field(None, description="events imported from a v1 log")


class ReceiptEvent(_Recorded):
    """The stored event in a receipt: as GET /events/{event_id} serves it, less `position`."""

    hash: str
    prev_hash: str | None = None


class OpenedNegotiation(_NegotiationFields):
    event: StoredEvent = Field(description="the stored negotiation.opened event")


class EventWithCorrections(StoredEvent):
    corrections: list[StoredEvent] = Field(description="the corrections, retractions and erasures that target it")
    retracted: bool


class EventPage(Shape):
    items: list[StoredEvent]
    next_after: int = Field(description="pass as `after` for the next page")
    has_more: bool = Field(description="more events were already committed when this page was read")
    head: int = Field(description="the highest committed position when the page was read")


class TimelineItem(_Recorded):
    """A fact as it now reads: corrections applied (so no leaf `hash`)."""

    position: int
    retracted: bool
    corrected_by: list[str] = Field(description="ids of the corrections and retraction that touched it")


class _PointPage(Shape):
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")
    position: int = Field(description=_POSITION)
    as_of: str | None = Field(description=_AS_OF)
    known_at: str | None = Field(description=_KNOWN_AT)


class NegotiationPage(_PointPage):
    items: list[Negotiation]


class TimelinePage(_PointPage):
    items: list[TimelineItem]


# -- entities --------------------------------------------------------------------------------

_ENTITY_POSITION = "on a single read: " + _POSITION
_ENTITY_AS_OF = "on a single read: " + _AS_OF
_ENTITY_KNOWN_AT = "on a single read: " + _KNOWN_AT


class _Entity(Shape):
    position: int | None = Field(None, description=_ENTITY_POSITION)
    as_of: str | None = Field(None, description=_ENTITY_AS_OF)
    known_at: str | None = Field(None, description=_ENTITY_KNOWN_AT)
    approximate: bool | None = Field(None, description="present, true, when a date it shows carries `~` or `%`")
    uncertain: bool | None = Field(None, description="present, true, when a date it shows carries `?` or `%`")


class Delegation(Shape):
    head: Person | None
    members: list[Person]


class Postponement(Shape):
    at: str = Field(description=_TIME)
    reason: str | None
    requested_by: str | None


class Cancellation(Shape):
    at: str = Field(description=_TIME)
    reason: str | None
    cancelled_by: str | None


class Round(_Entity):
    round_id: str
    label: str | None
    number: int | None
    status: RoundStatus
    venue: Venue | None
    scheduled_for: str | None
    provisional: bool | None
    proposed_by: str | None
    started_at: str | None
    concluded_at: str | None
    duration: Duration | None
    delegations: dict[str, Delegation] = Field(description="by participant id")
    disputes_discussed: list[str]
    summary: str | None
    postponement: Postponement | None
    cancellation: Cancellation | None


class Position(Shape):
    stance: Stance | None
    text: str | None
    stated_at: str = Field(description=_TIME)


class Dispute(_Entity):
    dispute_id: str
    title: str | None
    description: str | None
    status: DisputeStatus
    raised_by: str | None
    raised_at: str | None
    positions: dict[str, Position] = Field(description="each participant's latest position, by participant id")
    rounds: list[str] = Field(description="the rounds where it was discussed")
    resolution: str | None
    excluded_by: str | None


class ResponseDetail(Shape):
    response: ProposalResponse | None
    text: str | None
    responded_at: str = Field(description=_TIME)


class Proposal(_Entity):
    proposal_id: str
    proposed_by: str | None
    text: str | None
    status: ProposalStatus
    responses: dict[str, ProposalResponse | None] = Field(description="each participant's latest response")
    response_details: dict[str, ResponseDetail]
    dispute_id: str | None
    via: str | None
    tabled_at: str | None
    withdrawn_at: str | None


class CommitmentHistoryEntry(Shape):
    event_id: str
    type: EventType  # type: ignore[valid-type]
    occurred_at: str
    status: CommitmentStatus = Field(description="the commitment's status after this event")
    text: str | None = None
    alleged_by: str | None = None
    by: str | None = None
    reason: str | None = None


class Commitment(_Entity):
    commitment_id: str
    parties: list[str]
    text: str | None
    status: CommitmentStatus
    round_id: str | None
    dispute_id: str | None
    due: str | None
    agreed_at: str | None
    history: list[CommitmentHistoryEntry] = Field(description="every event about it, in valid-time order")


class RoundPage(_PointPage):
    items: list[Round]


class DisputePage(_PointPage):
    items: list[Dispute]


class ProposalPage(_PointPage):
    items: list[Proposal]


class CommitmentPage(_PointPage):
    items: list[Commitment]


ENTITY_ANSWERS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "round": (Round, RoundPage), "dispute": (Dispute, DisputePage),
    "proposal": (Proposal, ProposalPage), "commitment": (Commitment, CommitmentPage),
}


# -- changes ---------------------------------------------------------------------------------

_BODY = "the entity's state, as its own read answers it (less version, position and the axes)"


class AddedEntity(Shape):
    kind: EntityKind
    id: str
    after: dict[str, Any] = Field(description=_BODY)


class RemovedEntity(Shape):
    kind: EntityKind
    id: str
    before: dict[str, Any] = Field(description=_BODY)


class FieldChange(Shape):
    before: Any
    after: Any


class ChangedEntity(Shape):
    kind: EntityKind
    id: str
    fields: dict[str, FieldChange] = Field(description="only the fields that differ")


class Changes(Shape):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    added: list[AddedEntity]
    removed: list[RemovedEntity]
    changed: list[ChangedEntity]
    position: int = Field(description=_POSITION)
    as_of: str | None = Field(description="the later point compared (as `to`)")
    known_at: str | None = Field(description=_KNOWN_AT)
    from_: str | None = Field(alias="from", description="the first instant included; null: before anything")
    to: str | None = Field(description="the later point compared; null: now")
