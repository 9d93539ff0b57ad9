"""Hypothesis strategies for negotiations: timelines that make sense in valid time (each
entity's lifecycle in order), and free mixes of events that the rules may partly refuse."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from domain.valid_time import format_utc

START = datetime(2025, 2, 1, tzinfo=timezone.utc)
PARTIES = ("ru", "us")
INTRODUCERS = frozenset({"round.proposed", "dispute.raised", "proposal.tabled", "commitment.agreed"})


def when(minute: int) -> str:
    return format_utc(START + timedelta(minutes=minute))


def _event(kind: str, minute: int, **data: Any) -> dict[str, Any]:
    return {"type": kind, "occurred_at": when(minute), **data}


@st.composite
def round_life(draw: st.DrawFn, round_id: str, times: list[int]) -> list[dict[str, Any]]:
    steps = [("round.proposed", {})] if draw(st.booleans()) else []
    steps.append(("round.scheduled", {"scheduled_for": "2025-06", "number": draw(st.integers(1, 9))}))
    if draw(st.booleans()):
        steps += [("round.postponed", {"requested_by": draw(st.sampled_from(PARTIES))}),
                  ("round.scheduled", {"venue": {"city": draw(st.sampled_from(["Istanbul", "Riyadh"]))}})]
    steps += draw(st.sampled_from([[], [("round.cancelled", {})], [("round.started", {})],
                                   [("round.started", {}), ("round.concluded", {"summary": "held"})]]))
    return [_event(kind, t, round_id=round_id, **data) for (kind, data), t in zip(steps, times, strict=False)]


@st.composite
def dispute_life(draw: st.DrawFn, dispute_id: str, times: list[int], round_ids: list[str]) -> list[dict[str, Any]]:
    events = [_event("dispute.raised", times[0], dispute_id=dispute_id, title=dispute_id.title())]
    for t in times[1:]:
        kind = draw(st.sampled_from(["position.stated", "position.stated", "dispute.discussed", "dispute.resolved",
                                     "dispute.deferred", "dispute.reopened", "dispute.deadlocked"]))
        if kind == "position.stated":
            events.append(_event(kind, t, dispute_id=dispute_id, participant_id=draw(st.sampled_from(PARTIES)),
                                 stance=draw(st.sampled_from(["demand", "offer", "reject", "accept"])), text=f"at {t}"))
        elif kind == "dispute.discussed":
            if round_ids:
                events.append(_event(kind, t, dispute_id=dispute_id, round_id=draw(st.sampled_from(round_ids))))
        else:
            events.append(_event(kind, t, dispute_id=dispute_id, summary=f"{kind} at {t}"))
    return events


@st.composite
def proposal_life(draw: st.DrawFn, times: list[int]) -> list[dict[str, Any]]:
    events = [_event("proposal.tabled", times[0], proposal_id="p1", proposed_by="ru", text="flights")]
    for t in times[1:-1]:
        events.append(_event("proposal.responded", t, proposal_id="p1", participant_id=draw(st.sampled_from(PARTIES)),
                             response=draw(st.sampled_from(["accepted", "rejected", "countered", "under_review"]))))
    if len(times) > 1 and draw(st.booleans()):
        events.append(_event("proposal.withdrawn", times[-1], proposal_id="p1"))
    return events


@st.composite
def commitment_life(draw: st.DrawFn, times: list[int]) -> list[dict[str, Any]]:
    events = [_event("commitment.agreed", times[0], commitment_id="c1", parties=list(PARTIES), text="fund", due="2025-06")]
    for t in times[1:]:
        kind = draw(st.sampled_from(["commitment.progress_reported", "commitment.fulfilled",
                                     "commitment.breach_alleged", "commitment.breached"]))
        extra = {"alleged_by": "ru", "text": "x"} if kind == "commitment.breach_alleged" else {"text": f"at {t}"}
        events.append(_event(kind, t, commitment_id="c1", **extra))
    return events


@st.composite
def timelines(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Facts of two rounds, two disputes, a proposal and a commitment, each entity's in a
    sensible valid-time order, every fact at its own minute (so no tie needs breaking)."""
    sizes = [draw(st.integers(1, 7)) for _ in range(6)]
    minutes = draw(st.lists(st.integers(0, 200_000), min_size=sum(sizes), max_size=sum(sizes), unique=True))
    chunks, at = [], 0
    for size in sizes:
        chunks.append(sorted(minutes[at:at + size]))
        at += size
    rounds = draw(round_life("r1", chunks[0])) + draw(round_life("r2", chunks[1]))
    round_ids = sorted({e["round_id"] for e in rounds})
    return [*rounds, *draw(dispute_life("d1", chunks[2], round_ids)), *draw(dispute_life("d2", chunks[3], round_ids)),
            *draw(proposal_life(chunks[4])), *draw(commitment_life(chunks[5]))]


# -- free mixes, with corrections and retractions -------------------------------------------------

def _any_fact(minute: int, kind: str, key: str, party: str, choice: str) -> dict[str, Any]:
    """One event of `kind` ("<shape>:<type>") about entity `key`, with `choice` as its free text
    (or its response, for a response)."""
    shape, event_type = kind.split(":")
    data: dict[str, Any] = {
        "round": {"round_id": key}, "delegation": {"round_id": key, "participant_id": party, "head": {"name": choice}},
        "raised": {"dispute_id": key, "title": choice}, "dispute": {"dispute_id": key, "summary": choice},
        "position": {"dispute_id": key, "participant_id": party, "stance": "offer", "text": choice},
        "discussed": {"dispute_id": key, "round_id": key.replace("d", "r")},
        "tabled": {"proposal_id": key, "proposed_by": party, "text": choice}, "proposal": {"proposal_id": key},
        "response": {"proposal_id": key, "participant_id": party, "response": choice},
        "agreed": {"commitment_id": key, "parties": [party], "text": choice},
        "commitment": {"commitment_id": key, "text": choice},
        "alleged": {"commitment_id": key, "alleged_by": party, "text": choice},
        "statement": {"speaker": {"name": choice, "participant_id": party}, "text": choice},
        "negotiation": {},
    }[shape]
    return {"type": event_type, "occurred_at": when(minute), **data}


ANY_TYPES = [
    "round:round.proposed", "round:round.scheduled", "round:round.postponed", "round:round.started",
    "round:round.concluded", "round:round.cancelled", "delegation:delegation.named", "raised:dispute.raised",
    "discussed:dispute.discussed", "position:position.stated", "position:position.stated",
    "dispute:dispute.resolved", "dispute:dispute.reopened", "dispute:dispute.deferred",
    "tabled:proposal.tabled", "response:proposal.responded", "response:proposal.responded",
    "proposal:proposal.withdrawn", "agreed:commitment.agreed", "commitment:commitment.progress_reported",
    "commitment:commitment.fulfilled", "alleged:commitment.breach_alleged", "commitment:commitment.breached",
    "statement:statement.issued", "negotiation:negotiation.suspended", "negotiation:negotiation.resumed",
]
PREFIX = {"round": "r", "delegation": "r", "raised": "d", "dispute": "d", "position": "d", "discussed": "d",
          "tabled": "p", "proposal": "p", "response": "p", "agreed": "c", "commitment": "c", "alleged": "c"}
RESPONSES = ["accepted", "rejected", "countered", "under_review"]
KEYS = ["1", "1", "1", "2"]  # mostly one entity of each kind, so events find it


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """("append", [events]) for a batch, ("correct", (index, changes)) or ("retract", index) of an
    earlier accepted fact (by its index among them)."""
    # Most events need their entity introduced first; without a head start nearly every one
    # would be refused and the interesting paths never reached.
    intros = draw(st.lists(st.sampled_from(["round:round.scheduled", "raised:dispute.raised",
                                            "tabled:proposal.tabled", "agreed:commitment.agreed"]), max_size=6))
    ops: list[tuple[str, Any]] = [
        ("append", [_any_fact(draw(st.integers(0, 100_000)), intro, PREFIX[intro.split(":")[0]] +
                              draw(st.sampled_from(KEYS)), draw(st.sampled_from(PARTIES)), "a")])
        for intro in intros]
    for _ in range(draw(st.integers(1, 16))):
        what = draw(st.sampled_from(["append", "append", "append", "append", "correct", "retract"]))
        if what == "append":
            batch = []
            for _ in range(draw(st.integers(1, 2))):
                kind = draw(st.sampled_from(ANY_TYPES))
                key = draw(st.sampled_from(KEYS))
                prefix = PREFIX.get(kind.split(":")[0], "")
                choice = draw(st.sampled_from(RESPONSES)) if kind.startswith("response") else draw(st.sampled_from("abc"))
                batch.append(_any_fact(draw(st.integers(0, 100_000)), kind, prefix + key,
                                       draw(st.sampled_from(PARTIES)), choice))
            ops.append(("append", batch))
        elif what == "correct":
            changes = draw(st.sampled_from([{"occurred_at": when(draw(st.integers(0, 100_000)))},
                                            {"summary": "corrected"}, {"text": "corrected"}, {"note": "checked"}]))
            ops.append(("correct", (draw(st.integers(0, 50)), changes)))
        else:
            ops.append(("retract", draw(st.integers(0, 50))))
    return ops
