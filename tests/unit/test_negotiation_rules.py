"""The Negotiation aggregate's rules, checked without storage: what the log already knows
decides whether a new event is accepted (409 RuleViolation) or not."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import pytest

from domain.aggregate import Negotiation
from domain.errors import RuleViolation, ValidationFailed
from domain.event_validation import validate_event, validate_opening

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
OPENING = {"title": "Talks", "occurred_at": "2025-02", "participants": [
    {"id": "ru", "name": "Russia", "role": "party"}, {"id": "us", "name": "USA", "role": "party"},
    {"id": "om", "name": "Oman", "role": "mediator"}, {"id": "tr", "name": "Türkiye", "role": "host"}]}


def _record(fields: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), **fields}


def opened() -> Negotiation:
    event = validate_opening(OPENING)
    return Negotiation.open(event, _record(event.fields), uuid.uuid4(), NOW)


def record(n: Negotiation, obj: dict[str, Any], target: dict[str, Any] | None = None) -> dict[str, Any]:
    event = validate_event(obj)
    rec = _record(event.fields)
    n.record(event, rec, NOW, target)
    return rec


def refused(n: Negotiation, obj: dict[str, Any], rule: str, target: dict[str, Any] | None = None) -> str:
    with pytest.raises(RuleViolation) as caught:
        record(n, obj, target)
    assert caught.value.rule == rule, caught.value.detail
    return caught.value.detail


def ev(kind: str, at: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "occurred_at": at, **data}


def test_a_participant_id_that_is_not_in_the_negotiation_is_refused_naming_the_field() -> None:
    n = opened()
    detail = refused(n, ev("dispute.raised", "2025-02-27", dispute_id="p", title="Property", raised_by="cn"),
                     "participant-known")
    assert "raised_by" in detail and "'cn'" in detail


def test_references_inside_lists_and_objects_are_checked_too() -> None:
    n = opened()
    refused(n, ev("commitment.agreed", "2025-02-27", commitment_id="c", text="t", parties=["ru", "xx"]),
            "participant-known")
    refused(n, ev("statement.issued", "2025-02-27", text="t", speaker={"name": "A", "participant_id": "xx"}),
            "participant-known")


def test_a_proposal_routed_via_someone_who_is_not_a_mediator_is_refused() -> None:
    n = opened()
    refused(n, ev("proposal.tabled", "2025-03", proposal_id="p", proposed_by="ru", text="t", via="tr"),
            "via-mediator")
    record(n, ev("proposal.tabled", "2025-03", proposal_id="p", proposed_by="ru", text="t", via="om"))


def test_a_participant_who_joined_later_can_be_referenced_afterwards() -> None:
    n = opened()
    record(n, ev("participant.joined", "2025-03", participant={"id": "sa", "name": "Saudi Arabia", "role": "host"}))
    record(n, ev("statement.issued", "2025-03-02", text="t", speaker={"name": "X", "participant_id": "sa"}))


def test_joining_twice_or_leaving_without_having_joined_is_refused() -> None:
    n = opened()
    refused(n, ev("participant.joined", "2025-03", participant={"id": "ru", "name": "R", "role": "party"}),
            "participant-joins-once")
    record(n, ev("participant.left", "2025-04-01", participant_id="tr"))
    refused(n, ev("participant.left", "2025-04-02", participant_id="tr"), "participant-leaves-once")
    record(n, ev("participant.joined", "2025-05-01", participant={"id": "tr", "name": "Türkiye", "role": "host"}))


def test_the_negotiation_opens_only_once() -> None:
    n = opened()
    refused(n, {**OPENING, "type": "negotiation.opened"}, "opened-once")


def test_a_cancelled_round_cannot_start_or_conclude() -> None:
    n = opened()
    record(n, ev("round.scheduled", "2025-03-01", round_id="r3", scheduled_for="2025-03-20"))
    record(n, ev("round.cancelled", "2025-03-10", round_id="r3"))
    refused(n, ev("round.started", "2025-03-20", round_id="r3"), "round-over")
    refused(n, ev("round.concluded", "2025-03-20", round_id="r3"), "round-over")
    refused(n, ev("round.cancelled", "2025-03-11", round_id="r3"), "round-over")


def test_a_concluded_round_cannot_start_or_conclude_again_nor_be_cancelled() -> None:
    n = opened()
    record(n, ev("round.started", "2025-02-27T10:00+03:00", round_id="r1"))
    record(n, ev("round.concluded", "2025-02-27T17:00+03:00", round_id="r1"))
    refused(n, ev("round.started", "2025-02-28", round_id="r1"), "round-over")
    refused(n, ev("round.concluded", "2025-02-28", round_id="r1"), "round-over")
    refused(n, ev("round.cancelled", "2025-03-01", round_id="r1"), "round-over")


def test_facts_recorded_late_are_judged_by_when_they_happened() -> None:
    n = opened()
    record(n, ev("round.started", "2025-02-27T10:00Z", round_id="r1"))
    record(n, ev("round.concluded", "2025-02-27T16:00Z", round_id="r1"))
    # The announcement came before the meeting, though it is recorded after it.
    record(n, ev("round.scheduled", "2025-02-20", round_id="r1", scheduled_for="2025-02-27"))
    refused(n, ev("round.scheduled", "2025-03-01", round_id="r1"), "round-over")


def test_events_about_unknown_entities_are_refused() -> None:
    n = opened()
    for obj in (
        ev("round.concluded", "2025-02-27", round_id="r9"),
        ev("round.postponed", "2025-02-27", round_id="r9"),
        ev("delegation.named", "2025-02-27", round_id="r9", participant_id="ru", head={"name": "A"}),
        ev("position.stated", "2025-02-27", dispute_id="d9", participant_id="ru", stance="demand", text="t"),
        ev("dispute.resolved", "2025-02-27", dispute_id="d9"),
        ev("proposal.responded", "2025-02-27", proposal_id="p9", participant_id="us", response="accepted"),
        ev("commitment.fulfilled", "2025-02-27", commitment_id="c9"),
    ):
        refused(n, obj, "entity-known")


def test_a_round_started_without_being_scheduled_creates_it() -> None:
    n = opened()
    record(n, ev("round.started", "2025-04-10", round_id="r2"))
    record(n, ev("delegation.named", "2025-04-10", round_id="r2", participant_id="ru", head={"name": "Darchiev"}))


def test_entity_keys_are_unique_within_a_negotiation() -> None:
    n = opened()
    record(n, ev("dispute.raised", "2025-02-27", dispute_id="property", title="Property"))
    refused(n, ev("dispute.raised", "2025-03-01", dispute_id="property", title="Again"), "entity-unique")
    record(n, ev("commitment.agreed", "2025-02-27", commitment_id="c", parties=["ru", "us"], text="t"))
    refused(n, ev("commitment.agreed", "2025-02-28", commitment_id="c", parties=["ru"], text="t"), "entity-unique")


def test_a_withdrawn_proposal_cannot_be_answered_afterwards_but_earlier_answers_stand() -> None:
    n = opened()
    record(n, ev("proposal.tabled", "2025-03-01", proposal_id="flights", proposed_by="ru", text="Direct flights"))
    record(n, ev("proposal.withdrawn", "2025-03-10", proposal_id="flights"))
    refused(n, ev("proposal.responded", "2025-03-11", proposal_id="flights", participant_id="us",
                  response="rejected"), "proposal-withdrawn")
    record(n, ev("proposal.responded", "2025-03-05", proposal_id="flights", participant_id="us",
                 response="under_review"))


def test_a_withdrawn_commitment_cannot_be_fulfilled_afterwards() -> None:
    n = opened()
    record(n, ev("commitment.agreed", "2025-02-27", commitment_id="c", parties=["ru", "us"], text="t"))
    record(n, ev("commitment.withdrawn", "2025-05", commitment_id="c", by="us"))
    refused(n, ev("commitment.fulfilled", "2025-06", commitment_id="c"), "commitment-withdrawn")


def test_a_commitment_may_only_point_at_known_rounds_and_disputes() -> None:
    n = opened()
    refused(n, ev("commitment.agreed", "2025-02-27", commitment_id="c", parties=["ru"], text="t", round_id="r1"),
            "entity-known")


# -- corrections and retractions ---------------------------------------------------------------

def _target_of(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k != "event_id"}


def test_a_correction_must_target_an_event_of_this_negotiation() -> None:
    n = opened()
    refused(n, ev("record.corrected", "2025-03", target_event_id=str(uuid.uuid4()), changes={"title": "x"},
                  reason="r"), "target-in-negotiation")


def test_a_retracted_event_cannot_be_corrected_or_retracted_again() -> None:
    n = opened()
    raised = record(n, ev("dispute.raised", "2025-02-27", dispute_id="d", title="T"))
    target = _target_of(raised)
    record(n, ev("record.retracted", "2025-03", target_event_id=raised["event_id"], reason="false report"), target)
    refused(n, ev("record.retracted", "2025-03", target_event_id=raised["event_id"], reason="again"),
            "target-live", target)
    refused(n, ev("record.corrected", "2025-03", target_event_id=raised["event_id"], changes={"title": "x"},
                  reason="r"), "target-live", target)


def test_retracting_a_cancellation_lets_the_round_conclude() -> None:
    n = opened()
    record(n, ev("round.scheduled", "2025-03-01", round_id="r3"))
    cancelled = record(n, ev("round.cancelled", "2025-03-10", round_id="r3"))
    record(n, ev("record.retracted", "2025-03-11", target_event_id=cancelled["event_id"], reason="false report"),
           _target_of(cancelled))
    record(n, ev("round.concluded", "2025-03-20", round_id="r3"))


def test_a_correction_cannot_move_a_fact_to_another_entity() -> None:
    n = opened()
    started = record(n, ev("round.started", "2025-02-27", round_id="r1"))
    refused(n, ev("record.corrected", "2025-03", target_event_id=started["event_id"],
                  changes={"round_id": "r2"}, reason="r"), "keys-fixed", _target_of(started))


def test_a_corrected_event_must_still_be_valid_and_is_reported_under_changes() -> None:
    n = opened()
    started = record(n, ev("round.started", "2025-02-27", round_id="r1"))
    with pytest.raises(ValidationFailed) as caught:
        record(n, ev("record.corrected", "2025-03", target_event_id=started["event_id"],
                     changes={"venue": {"city": 5}}, reason="r"), _target_of(started))
    assert caught.value.errors[0].field.startswith("changes.venue")


def test_a_correction_is_checked_against_the_rules_as_if_the_target_said_so() -> None:
    n = opened()
    raised = record(n, ev("dispute.raised", "2025-02-27", dispute_id="d", title="T", raised_by="ru"))
    refused(n, ev("record.corrected", "2025-03", target_event_id=raised["event_id"],
                  changes={"raised_by": "zz"}, reason="r"), "participant-known", _target_of(raised))
    record(n, ev("record.corrected", "2025-03", target_event_id=raised["event_id"],
                 changes={"raised_by": "us"}, reason="it was the US"), _target_of(raised))


def test_corrections_and_retractions_cannot_target_each_other() -> None:
    n = opened()
    raised = record(n, ev("dispute.raised", "2025-02-27", dispute_id="d", title="T"))
    fix = record(n, ev("record.corrected", "2025-03", target_event_id=raised["event_id"],
                       changes={"title": "U"}, reason="r"), _target_of(raised))
    refused(n, ev("record.retracted", "2025-03", target_event_id=fix["event_id"], reason="r"),
            "target-is-fact", _target_of(fix))


def test_the_opening_cannot_be_retracted_and_participant_ids_cannot_be_corrected_away() -> None:
    n = opened()
    opening_id = n.knowledge.membership_changes()[0].event_id
    target = {"type": "negotiation.opened", **OPENING}
    refused(n, ev("record.retracted", "2025-03", target_event_id=opening_id, reason="r"), "opening-stays", target)
    refused(n, ev("record.corrected", "2025-03", target_event_id=opening_id, reason="r",
                  changes={"participants": OPENING["participants"][:1]}), "keys-fixed", target)
    renamed = [{**OPENING["participants"][0], "name": "Russian Federation"}, *OPENING["participants"][1:]]
    record(n, ev("record.corrected", "2025-03", target_event_id=opening_id, reason="full name",
                 changes={"participants": renamed}), target)
    assert n.knowledge.participants["ru"]["name"] == "Russian Federation"
