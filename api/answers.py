"""The JSON answers' schemas, for the OpenAPI document only.

Routes hand these to FastAPI as `response_model` and answer with a ready JSONBody, which FastAPI
passes through untouched: the schemas describe the answers without ever validating or
re-serializing one (that would cost the busiest routes a share of their time, and the answers
are built by the projections, not by these models). tests/http/test_answer_schemas.py holds
real answers to these schemas instead."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.event_fields import Duration, Person, Source, Venue
from domain.event_types import EVENT_TYPES


class _Shape(BaseModel):
    """An answer whose every field is listed: anything else in it is a bug the tests catch."""

    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """An answer that also carries the event's data fields, which depend on its type."""

    model_config = ConfigDict(extra="allow")


# -- enums -----------------------------------------------------------------------------------


class NegotiationStatus(str, Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CONCLUDED = "concluded"
    COLLAPSED = "collapsed"


class RoundStatus(str, Enum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    POSTPONED = "postponed"
    IN_PROGRESS = "in_progress"
    CONCLUDED = "concluded"
    CANCELLED = "cancelled"


class DisputeStatus(str, Enum):
    OPEN = "open"
    UNDER_DISCUSSION = "under_discussion"
    EXCLUDED = "excluded"
    RESOLVED = "resolved"
    DEADLOCKED = "deadlocked"
    DEFERRED = "deferred"
    DROPPED = "dropped"


class ProposalStatus(str, Enum):
    TABLED = "tabled"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COUNTERED = "countered"
    UNDER_REVIEW = "under_review"
    WITHDRAWN = "withdrawn"


class ProposalResponse(str, Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    COUNTERED = "countered"
    UNDER_REVIEW = "under_review"


class CommitmentStatus(str, Enum):
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    FULFILLED = "fulfilled"
    BREACH_ALLEGED = "breach_alleged"
    BREACHED = "breached"
    WITHDRAWN = "withdrawn"


class ParticipantRole(str, Enum):
    PARTY = "party"
    MEDIATOR = "mediator"
    HOST = "host"
    OBSERVER = "observer"


class NegotiationFormat(str, Enum):
    BILATERAL = "bilateral"
    MULTILATERAL = "multilateral"
    MEDIATED = "mediated"


class Stance(str, Enum):
    DEMAND = "demand"
    OFFER = "offer"
    ACCEPT = "accept"
    REJECT = "reject"
    RED_LINE = "red_line"
    NEUTRAL = "neutral"


class TokenRole(str, Enum):
    READER = "reader"
    RECORDER = "recorder"
    AUDITOR = "auditor"
    ADMIN = "admin"


class EntityKind(str, Enum):
    NEGOTIATION = "negotiation"
    ROUND = "round"
    DISPUTE = "dispute"
    PROPOSAL = "proposal"
    COMMITMENT = "commitment"


class AuditOrder(str, Enum):
    ASC = "asc"
    DESC = "desc"


EventType = Enum("EventType", {name.replace(".", "_").upper(): name for name in EVENT_TYPES},  # type: ignore[misc]
                 type=str)
EventType.__doc__ = "An event type; its data fields are those of its request schema (Event)."

_AS_OF = "the valid time answered for, as a UTC instant; null: now"
_KNOWN_AT = "the recorded time answered for, as a UTC instant; null: everything recorded"
_POSITION = ("the highest global position among the events the answer was computed from (known by "
             "`known_at`, whether or not they fell before `as_of`)")
_TIME = "as recorded in `occurred_at` (e.g. `2025-05`, `2025-02-27T10:00:00+03:00`)"


# -- shapes inside events and states: the event types' own (domain.event_fields) ---------------


# -- negotiations ----------------------------------------------------------------------------


class NegotiationParticipant(_Shape):
    id: str
    name: str | None = Field(description="null once erased")
    role: ParticipantRole
    code: str | None = Field(None, description="an actor code such as RUS (ISO 3166-1 alpha-3)")
    wikidata: str | None = Field(None, description="a Wikidata item id such as Q159")
    present: bool = Field(description="taking part at the point answered (false once left)")


class Counts(_Shape):
    rounds: int
    disputes: int
    proposals: int
    commitments: int
    statements: int
    events: int = Field(description="live facts counted (corrections and retractions are not facts)")


class _NegotiationFields(_Shape):
    id: str = Field(description="assigned by the service (a UUID)")
    title: str | None
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


class _Recorded(_Open):
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


class EventPage(_Shape):
    items: list[StoredEvent]
    next_after: int = Field(description="pass as `after` for the next page")
    has_more: bool = Field(description="more events were already committed when this page was read")
    head: int = Field(description="the highest committed position when the page was read")


class TimelineItem(_Recorded):
    """A fact as it now reads: corrections applied (so no leaf `hash`)."""

    position: int
    retracted: bool
    corrected_by: list[str] = Field(description="ids of the corrections and retraction that touched it")


class _PointPage(_Shape):
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


class _Entity(_Shape):
    position: int | None = Field(None, description=_ENTITY_POSITION)
    as_of: str | None = Field(None, description=_ENTITY_AS_OF)
    known_at: str | None = Field(None, description=_ENTITY_KNOWN_AT)
    approximate: bool | None = Field(None, description="present, true, when a date it shows carries `~` or `%`")
    uncertain: bool | None = Field(None, description="present, true, when a date it shows carries `?` or `%`")


class Delegation(_Shape):
    head: Person | None
    members: list[Person]


class Postponement(_Shape):
    at: str = Field(description=_TIME)
    reason: str | None
    requested_by: str | None


class Cancellation(_Shape):
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


class Position(_Shape):
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


class ResponseDetail(_Shape):
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


class CommitmentHistoryEntry(_Shape):
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


class AddedEntity(_Shape):
    kind: EntityKind
    id: str
    after: dict[str, Any] = Field(description=_BODY)


class RemovedEntity(_Shape):
    kind: EntityKind
    id: str
    before: dict[str, Any] = Field(description=_BODY)


class FieldChange(_Shape):
    before: Any
    after: Any


class ChangedEntity(_Shape):
    kind: EntityKind
    id: str
    fields: dict[str, FieldChange] = Field(description="only the fields that differ")


class Changes(_Shape):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    added: list[AddedEntity]
    removed: list[RemovedEntity]
    changed: list[ChangedEntity]
    position: int = Field(description=_POSITION)
    as_of: str | None = Field(description="the later point compared (as `to`)")
    known_at: str | None = Field(description=_KNOWN_AT)
    from_: str | None = Field(alias="from", description="the first instant included; null: before anything")
    to: str | None = Field(description="the later point compared; null: now")


# -- verifiable log --------------------------------------------------------------------------

_DISCLOSURES = "`[salt, name, value]` for every field the leaf commits to and that is not erased"


class InclusionProof(_Shape):
    log_index: int
    tree_size: int
    leaf: str = Field(description="the leaf, base64 of its RFC 8785 canonical JSON")
    leaf_hash: str = Field(description="lowercase hex")
    inclusion: list[str] = Field(description="RFC 9162 inclusion proof, base64 hashes")
    disclosures: list[list[Any]] = Field(description=_DISCLOSURES)
    checkpoint: str | None = Field(None, description="the signed note proved against, when `tree_size` "
                                                     "was not given")


class ConsistencyProof(_Shape):
    first: int
    second: int
    consistency: list[str] = Field(description="RFC 9162 consistency proof, base64 hashes")


class Receipt(_Shape):
    event: ReceiptEvent
    disclosures: list[list[Any]] = Field(description=_DISCLOSURES)
    leaf: str = Field(description="base64 of the leaf's canonical JSON")
    proof: str = Field(description="a C2SP tlog-proof: `c2sp.org/tlog-proof@v1`, `index N`, the inclusion "
                                   "hashes, a blank line, the signed checkpoint")


# -- audit -----------------------------------------------------------------------------------


class AuditFilters(_Shape):
    recorded_by: str | None
    negotiation_id: str | None
    type: list[str] | None
    since: str | None
    until: str | None


class AuditPage(_Shape):
    items: list[StoredEvent]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")
    order: AuditOrder
    filters: AuditFilters = Field(description="the filters applied, as read")
    position: int = Field(description="the highest committed position when the page was read")


class VerifiedHead(_Shape):
    position: int
    hash: str | None


class VerifiedCheckpoint(_Shape):
    tree_size: int
    root: str = Field(description="base64")
    extends: bool = Field(description="the log still extends the last checkpoint signed")


class VerifyResult(_Shape):
    ok: bool
    checked: int = Field(description="events checked")
    head: VerifiedHead
    first_bad_position: int | None
    tree_size: int
    root: str | None = Field(description="the tree's root hash, base64")
    checkpoint: VerifiedCheckpoint | None = Field(description="the last checkpoint signed, held to the log")
    problems: list[str]


# -- tokens and health -----------------------------------------------------------------------


class Token(_Shape):
    token_id: str
    name: str
    role: TokenRole
    created_at: str
    revoked_at: str | None


class CreatedToken(Token):
    token: str = Field(description="the token itself, shown this once")


class TokenList(_Shape):
    items: list[Token]


class Health(_Shape):
    status: str


class Me(_Shape):
    """Who the bearer is: a client (the web page) shows only what the role may do."""

    name: str = Field(description="the principal's name, as `recorded_by` will say it; `anonymous` for a "
                                  "request with no token on a service with public reads")
    role: TokenRole


# -- problems --------------------------------------------------------------------------------


class ProblemFieldError(_Shape):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str = Field(description="names the field or rule")
    rule: str | None = None
    index: int | None = Field(None, description="the event of a batch")
    errors: list[ProblemFieldError] | None = Field(None, description="for validation errors: each field refused")
    correlation_id: str | None = Field(None, description="on a 500: names the failure in the service's log")
