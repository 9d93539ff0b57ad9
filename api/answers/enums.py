"""The status values and other closed vocabularies answers carry, as enums."""

from __future__ import annotations

from enum import Enum

from domain.event_types import EVENT_TYPES


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
