"""The read-model folds, pure: which event moves which status, which fields each keeps, and
that the order facts were recorded in never matters, only when they happened."""

from __future__ import annotations

from typing import Any

import pytest

from domain.valid_time import parse_instant
from projections import commitments, disputes, proposals, rounds
from projections.entities import states, touches, view
from tests.facts import NID, correction, fact, retraction


def at(kind: str, events: list[dict[str, Any]], key: str, as_of: str | None = None) -> dict[str, Any] | None:
    found = states(kind, events, as_of=parse_instant(as_of) if as_of else None)
    return view(kind, found[key]) if key in found else None


def statuses(kind: str, events: list[dict[str, Any]], key: str, dates: list[str]) -> list[str | None]:
    return [(at(kind, events, key, d) or {}).get("status") for d in dates]


# -- rounds -------------------------------------------------------------------------------------

def test_a_round_goes_from_proposed_through_postponed_and_rescheduled_to_concluded() -> None:
    events = [
        fact("round.proposed", "2025-01-10", round_id="r1", proposed_by="us", label="First round"),
        fact("round.scheduled", "2025-01-20", round_id="r1", scheduled_for="2025-02-10", number=1,
             venue={"city": "Riyadh"}),
        fact("round.postponed", "2025-02-05", round_id="r1", reason="travel", requested_by="ru"),
        fact("round.scheduled", "2025-02-12", round_id="r1", scheduled_for="2025-02-27"),
        fact("round.started", "2025-02-27T10:00:00+03:00", round_id="r1", venue={"city": "Istanbul"}),
        fact("round.concluded", "2025-02-27T16:30:00+03:00", round_id="r1", summary="six hours",
             duration={"min_hours": 6, "max_hours": 7}),
    ]
    assert statuses("round", events, "r1", ["2025-01-09", "2025-01-15", "2025-01-25", "2025-02-06", "2025-02-20",
                                            "2025-02-27T12:00:00+03:00", "2025-02-27"]) == [
        None, "proposed", "scheduled", "postponed", "scheduled", "in_progress", "concluded"]
    r1 = at("round", events, "r1")
    assert r1 is not None
    assert r1["scheduled_for"] == "2025-02-27" and r1["number"] == 1 and r1["label"] == "First round"
    assert r1["venue"] == {"city": "Istanbul"}  # where it was held, not where it was first planned
    assert r1["started_at"] == "2025-02-27T10:00:00+03:00" and r1["summary"] == "six hours"
    assert r1["postponement"] == {"at": "2025-02-05", "reason": "travel", "requested_by": "ru"}


def test_a_cancelled_round_is_cancelled_from_that_day_on() -> None:
    events = [fact("round.scheduled", "2025-03-01", round_id="r3", scheduled_for="2025-03-20"),
              fact("round.cancelled", "2025-03-15", round_id="r3", reason="strikes", cancelled_by="us")]
    assert statuses("round", events, "r3", ["2025-03-14", "2025-03-15"]) == ["scheduled", "cancelled"]
    assert at("round", events, "r3")["cancellation"]["cancelled_by"] == "us"  # type: ignore[index]


def test_being_proposed_never_follows_being_scheduled() -> None:
    events = [fact("round.scheduled", "2025-03-01", round_id="r1"), fact("round.proposed", "2025-03-05", round_id="r1")]
    assert at("round", events, "r1")["status"] == "scheduled"  # type: ignore[index]


def test_a_round_lists_its_delegations_and_each_dispute_discussed_once() -> None:
    events = [fact("round.started", "2025-04-10", round_id="r2"),
              fact("delegation.named", "2025-04-10", round_id="r2", participant_id="ru", head={"name": "A"}),
              fact("delegation.named", "2025-04-10", round_id="r2", participant_id="ru", head={"name": "B"},
                   members=[{"name": "C"}]),
              fact("dispute.discussed", "2025-04-10", round_id="r2", dispute_id="visas"),
              fact("dispute.discussed", "2025-04-10", round_id="r2", dispute_id="visas")]
    r2 = at("round", events, "r2")
    assert r2 is not None and r2["status"] == "in_progress"
    assert r2["delegations"] == {"ru": {"head": {"name": "B"}, "members": [{"name": "C"}]}}
    assert r2["disputes_discussed"] == ["visas"]


def test_a_round_known_only_from_a_delegation_does_not_exist() -> None:
    events = [fact("delegation.named", "2025-04-10", round_id="r9", participant_id="ru", head={"name": "A"})]
    assert at("round", events, "r9") is None


# -- disputes -----------------------------------------------------------------------------------

def test_a_position_moves_a_dispute_only_once_it_was_raised() -> None:
    events = [fact("position.stated", "2025-01-05", dispute_id="property", participant_id="ru", stance="demand",
                   text="return them"),
              fact("dispute.raised", "2025-02-27", dispute_id="property", title="Property", raised_by="ru"),
              fact("position.stated", "2025-03-10", dispute_id="property", participant_id="us", stance="reject",
                   text="no")]
    assert statuses("dispute", events, "property", ["2025-02-01", "2025-03-01", "2025-03-10"]) == [
        None, "open", "under_discussion"]
    assert at("dispute", events, "property", "2025-03-01")["positions"]["ru"]["stance"] == "demand"  # type: ignore[index]


def test_a_dispute_keeps_each_partys_latest_position_and_its_rounds() -> None:
    events = [fact("dispute.raised", "2025-02-27", dispute_id="visas", title="Visas"),
              fact("position.stated", "2025-04-01", dispute_id="visas", participant_id="ru", stance="offer", text="b"),
              fact("position.stated", "2025-02-28", dispute_id="visas", participant_id="ru", stance="demand", text="a"),
              fact("position.stated", "2025-03-01", dispute_id="visas", participant_id="us", stance="reject", text="c"),
              fact("dispute.discussed", "2025-04-10", dispute_id="visas", round_id="r2")]
    visas = at("dispute", events, "visas")
    assert visas is not None and visas["status"] == "under_discussion" and visas["rounds"] == ["r2"]
    assert visas["positions"] == {"ru": {"stance": "offer", "text": "b", "stated_at": "2025-04-01"},
                                  "us": {"stance": "reject", "text": "c", "stated_at": "2025-03-01"}}
    assert at("dispute", events, "visas", "2025-03-15")["positions"]["ru"]["text"] == "a"  # type: ignore[index]


@pytest.mark.parametrize("closing, status", [("dispute.resolved", "resolved"), ("dispute.deadlocked", "deadlocked"),
                                             ("dispute.deferred", "deferred"), ("dispute.dropped", "dropped"),
                                             ("dispute.excluded", "excluded")])
def test_a_closing_event_sets_its_status_and_reopening_opens_it_again(closing: str, status: str) -> None:
    events = [fact("dispute.raised", "2025-01-01", dispute_id="d", title="D"),
              fact(closing, "2025-02-01", dispute_id="d", summary="agreed text"),
              fact("dispute.reopened", "2025-03-01", dispute_id="d")]
    assert statuses("dispute", events, "d", ["2025-02-15", "2025-03-15"]) == [status, "open"]
    if closing == "dispute.resolved":
        assert at("dispute", events, "d", "2025-02-15")["resolution"] == "agreed text"  # type: ignore[index]
        assert at("dispute", events, "d")["resolution"] is None  # type: ignore[index]


# -- proposals ----------------------------------------------------------------------------------

def tabled(*responses: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [fact("proposal.tabled", "2025-02-27", proposal_id="p", proposed_by="ru", text="direct flights"),
            *(fact("proposal.responded", when, proposal_id="p", participant_id=who, response=what)
              for when, who, what in responses)]


@pytest.mark.parametrize("responses, status", [
    ((), "tabled"),
    ((("2025-03-01", "us", "accepted"),), "accepted"),
    ((("2025-03-01", "us", "under_review"), ("2025-03-05", "us", "accepted")), "accepted"),
    ((("2025-03-01", "us", "accepted"), ("2025-03-02", "cn", "rejected")), "rejected"),
    ((("2025-03-01", "us", "countered"), ("2025-03-02", "cn", "accepted")), "countered"),
    ((("2025-03-01", "us", "under_review"), ("2025-03-02", "cn", "accepted")), "under_review"),
    ((("2025-03-01", "ru", "accepted"),), "tabled"),  # the proposer's own answer does not count
])
def test_a_proposals_status_combines_each_participants_latest_response(responses: tuple, status: str) -> None:
    assert at("proposal", tabled(*responses), "p")["status"] == status  # type: ignore[index]


def test_a_withdrawn_proposal_is_withdrawn_and_keeps_its_responses() -> None:
    events = [*tabled(("2025-03-01", "us", "rejected")), fact("proposal.withdrawn", "2025-03-10", proposal_id="p")]
    assert statuses("proposal", events, "p", ["2025-03-05", "2025-03-10"]) == ["rejected", "withdrawn"]
    assert at("proposal", events, "p")["responses"] == {"us": "rejected"}  # type: ignore[index]


# -- commitments --------------------------------------------------------------------------------

def agreed(*later: dict[str, Any]) -> list[dict[str, Any]]:
    return [fact("commitment.agreed", "2025-02-27", commitment_id="c", parties=["ru", "us"], text="fund missions",
                 due="2025-06"), *later]


def test_a_commitment_goes_from_agreed_through_in_progress_to_fulfilled_over_an_interval() -> None:
    events = agreed(fact("commitment.progress_reported", "2025-04-01", commitment_id="c", text="first transfer"),
                    fact("commitment.fulfilled", "2025-05-01/2025-05-31", commitment_id="c"),
                    fact("commitment.progress_reported", "2025-05-15", commitment_id="c", text="last transfer"))
    assert statuses("commitment", events, "c", ["2025-03-01", "2025-04-30", "2025-05-01", "2025-06-30"]) == [
        "agreed", "in_progress", "fulfilled", "fulfilled"]
    history = at("commitment", events, "c")["history"]  # type: ignore[index]
    assert [h["status"] for h in history] == ["agreed", "in_progress", "fulfilled", "fulfilled"]
    assert history[1]["text"] == "first transfer"


def test_an_alleged_breach_does_not_override_an_established_outcome() -> None:
    fulfilled = agreed(fact("commitment.fulfilled", "2025-04-01", commitment_id="c"),
                       fact("commitment.breach_alleged", "2025-04-10", commitment_id="c", alleged_by="ru", text="x"))
    assert at("commitment", fulfilled, "c")["status"] == "fulfilled"  # type: ignore[index]
    later = agreed(fact("commitment.breach_alleged", "2025-04-10", commitment_id="c", alleged_by="ru", text="x"),
                   fact("commitment.breached", "2025-04-20", commitment_id="c"))
    assert statuses("commitment", later, "c", ["2025-04-15", "2025-04-25"]) == ["breach_alleged", "breached"]
    backfilled = agreed(fact("commitment.breach_alleged", "2025-04-10", commitment_id="c", alleged_by="ru", text="x"),
                        fact("commitment.fulfilled", "2025-04-05", commitment_id="c"))
    assert at("commitment", backfilled, "c")["status"] == "fulfilled"  # type: ignore[index]


def test_a_withdrawn_commitment_is_withdrawn() -> None:
    events = agreed(fact("commitment.withdrawn", "2025-03-01", commitment_id="c", by="us", reason="moot"))
    assert at("commitment", events, "c")["status"] == "withdrawn"  # type: ignore[index]
    assert at("commitment", events, "c")["history"][-1]["by"] == "us"  # type: ignore[index]


# -- corrections, retractions, recording order --------------------------------------------------

def test_a_corrected_date_moves_a_fact_in_valid_time() -> None:
    started = fact("round.started", "2025-03-01", round_id="r1")
    events = [fact("round.scheduled", "2025-02-01", round_id="r1"), started,
              correction(started, {"occurred_at": "2025-04-01"})]
    assert statuses("round", events, "r1", ["2025-03-15", "2025-04-02"]) == ["scheduled", "in_progress"]
    assert at("round", events, "r1")["started_at"] == "2025-04-01"  # type: ignore[index]


def test_a_retracted_fact_never_happened() -> None:
    cancelled = fact("round.cancelled", "2025-03-01", round_id="r1")
    events = [fact("round.scheduled", "2025-02-01", round_id="r1"), cancelled, retraction(cancelled)]
    assert at("round", events, "r1")["status"] == "scheduled"  # type: ignore[index]
    assert at("round", [events[0], retraction(events[0])], "r1") is None


def test_a_backfilled_earlier_fact_gives_the_state_a_full_replay_gives() -> None:
    scheduled = fact("round.scheduled", "2025-02-01", round_id="r1", venue={"city": "Riyadh"})
    concluded = fact("round.concluded", "2025-02-27", round_id="r1")
    late = fact("round.scheduled", "2025-02-20", round_id="r1", venue={"city": "Istanbul"})
    in_order = [scheduled, late, concluded]
    backfilled = [scheduled, concluded, late]
    assert at("round", backfilled, "r1") == at("round", in_order, "r1")
    assert at("round", backfilled, "r1")["status"] == "concluded"  # type: ignore[index]


def test_events_touch_the_entities_they_are_about() -> None:
    assert touches(fact("dispute.discussed", "2025-04-10", dispute_id="d", round_id="r2")) == [
        ("round", "r2"), ("dispute", "d")]
    assert touches(fact("participant.left", "2025-04-10", participant_id="us")) == [("negotiation", NID)]
    assert touches(fact("statement.issued", "2025-04-10", speaker={"name": "x"}, text="y")) == []


@pytest.mark.parametrize("module", [rounds, disputes, proposals, commitments])
def test_a_fold_never_changes_the_state_it_was_given(module: Any) -> None:
    state = module.initial("k")
    before = repr(state)
    for kind in sorted(module.TYPES):
        event = fact(kind, "2025-01-01", round_id="k", dispute_id="k", proposal_id="k", commitment_id="k",
                     title="t", participant_id="ru", stance="offer", text="t", head={"name": "h"},
                     proposed_by="ru", response="accepted", parties=["ru"], alleged_by="ru")
        module.apply(state, event)
    assert repr(state) == before
