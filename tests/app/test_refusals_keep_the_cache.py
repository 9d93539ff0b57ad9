"""A refused append costs no reload (issue 15): the writer takes back what the refused request
applied to the cached stream, and a stream that lags behind what is stored (a wrong If-Match,
another process having written) is caught up with only the new events."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID

import pytest

from api.services import Services
from domain.aggregate import Negotiation
from domain.appending import AppendRequest, AppendResult
from domain.application import NegotiationLog
from domain.errors import DomainError, RuleViolation, VersionConflict
from domain.storage.backend import eventsourcing_env
from tests.conftest import OPENING
from tests.knowledge_state import state_of

BAD = {"type": "dispute.resolved", "occurred_at": "2025-03-01", "dispute_id": "never-raised",
       "summary": "refused: the dispute was never raised"}


def statement(n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01", "text": f"statement {n}",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


def request(nid: str, *events: dict[str, Any], **options: Any) -> AppendRequest:
    return AppendRequest(principal="alice", negotiation_id=nid, events=list(events), batch=True, **options)


@pytest.fixture
def log(services: Services) -> NegotiationLog:
    return services.log


class StoredReads:
    """Counts the stored events the application reads back (the cost of a reload)."""

    def __init__(self, log: NegotiationLog, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        recorder = log.events.recorder
        select = recorder.select_events

        def counting(*args: Any, **kwargs: Any) -> Any:
            rows = select(*args, **kwargs)
            self.count += len(rows)
            return rows

        monkeypatch.setattr(recorder, "select_events", counting)


def opened_with(log: NegotiationLog, statements: int) -> str:
    nid = log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    log.append(request(nid, *[statement(n) for n in range(statements)]))
    return nid


def cached(log: NegotiationLog, nid: str) -> Negotiation:
    assert log.repository.cache is not None
    aggregate = log.repository.cache.get(UUID(nid))
    assert isinstance(aggregate, Negotiation)
    return aggregate


def state(aggregate: Negotiation) -> dict[str, Any]:
    return {"version": aggregate.version, "modified_on": aggregate.modified_on,
            "pending": list(aggregate.pending_events), "knowledge": state_of(aggregate.knowledge)}


def assert_cached_as_stored(log: NegotiationLog, nid: str) -> None:
    aggregate = cached(log, nid)
    stored = log.repository.get(UUID(nid), version=log.version(nid))  # replayed, bypassing the cache
    assert isinstance(stored, Negotiation)
    assert state(aggregate) == state(stored)
    assert aggregate.knowledge._journal is None


def test_the_append_after_a_refused_append_reads_no_stored_events(log: NegotiationLog,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    nid = opened_with(log, 50)
    log.append(request(nid, statement(50)))  # cached from here on (PostgreSQL caches on first load)
    reads = StoredReads(log, monkeypatch)
    with pytest.raises(RuleViolation):
        log.append(request(nid, statement(51), statement(52), BAD))  # refused after two were applied
    with pytest.raises(VersionConflict):
        log.append(request(nid, statement(53), expected_version=3))
    assert log.append(request(nid, statement(54))).events[0]["version"] == 53
    assert log.append(request(nid, statement(55), expected_version=53)).events[0]["version"] == 54
    assert reads.count == 0
    assert_cached_as_stored(log, nid)


def test_a_refusal_leaves_the_other_streams_of_its_group_cached(log: NegotiationLog,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    nids = [opened_with(log, 20) for _ in range(3)]
    for nid in nids:
        log.append(request(nid, statement(20)))
    reads = StoredReads(log, monkeypatch)
    outcomes = log.append_many([request(nid, statement(21)) for nid in nids]
                               + [request(nids[0], statement(22), BAD)]
                               + [request(nid, statement(23)) for nid in nids])
    assert [isinstance(o, AppendResult) for o in outcomes] == [True] * 3 + [False] + [True] * 3
    assert reads.count == 0
    for nid in nids:
        assert [e["text"] for e in log.stream(nid)[-2:]] == ["statement 21", "statement 23"]
        assert_cached_as_stored(log, nid)


@pytest.mark.parametrize("if_match", [False, True])
def test_a_stream_another_process_wrote_to_is_caught_up_with_just_the_new_events(
        log: NegotiationLog, settings: Any, monkeypatch: pytest.MonkeyPatch, if_match: bool) -> None:
    nid = opened_with(log, 50)
    log.append(request(nid, statement(50)))
    other = NegotiationLog(eventsourcing_env(settings.db))
    try:
        other.append(request(nid, statement(51), statement(52)))
    finally:
        other.close()
    reads = StoredReads(log, monkeypatch)
    options = {"expected_version": 54} if if_match else {}
    assert log.append(request(nid, statement(53), **options)).events[0]["version"] == 55
    assert reads.count == 2  # the other process's two events, once
    assert_cached_as_stored(log, nid)


def random_request(rng: random.Random, nid: str, targets: list[str], n: int) -> AppendRequest:
    """One request of a few events, often refused: a rule it breaks (a round or participant
    twice, a retraction of what is retracted, a trailing event naming no dispute) or a wrong
    If-Match. Kept facts (joins, leaves, corrections of them) change more of the knowledge."""
    events: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["statement", "round", "join", "leave", "retract", "correct", "correct-member"])
        at = f"2025-03-{rng.randint(1, 28):02d}"
        if kind == "statement":
            events.append(statement(n))
        elif kind == "round":
            events.append({"type": "round.proposed", "occurred_at": at, "round_id": f"r{rng.randint(1, 4)}"})
        elif kind == "join":
            pid = rng.choice(["x1", "x2"])
            events.append({"type": "participant.joined", "occurred_at": at,
                           "participant": {"id": pid, "name": f"Observer {pid}", "role": "observer"}})
        elif kind == "leave":
            events.append({"type": "participant.left", "occurred_at": at, "participant_id": rng.choice(["x1", "x2"])})
        elif kind == "retract":
            events.append({"type": "record.retracted", "occurred_at": at, "target_event_id": rng.choice(targets[1:]),
                           "reason": "test"})
        elif kind == "correct":
            events.append({"type": "record.corrected", "occurred_at": at, "target_event_id": rng.choice(targets[1:-1]),
                           "changes": {"text": f"corrected {n}"}, "reason": "test"})
        else:
            events.append({"type": "record.corrected", "occurred_at": at, "target_event_id": targets[-1],
                           "changes": {"occurred_at": at, "participant": {"id": "x0", "name": f"Renamed {n}",
                                                                          "role": "observer"}},
                           "reason": "test"})
        n += 1
    if rng.random() < 0.4:
        events.append(BAD)
    return request(nid, *events, expected_version=rng.choice([None, None, None, 1]))


@pytest.mark.parametrize("seed", range(6))
def test_any_mix_of_accepted_and_refused_requests_leaves_the_cached_stream_as_stored(
        log: NegotiationLog, seed: int) -> None:
    rng = random.Random(seed)
    nid = log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    targets = [e["event_id"] for e in log.append(request(nid, *[statement(n) for n in range(6)])).events]
    joined = {"type": "participant.joined", "occurred_at": "2025-02-20",
              "participant": {"id": "x0", "name": "Observer", "role": "observer"}}
    targets += [e["event_id"] for e in log.append(request(nid, joined)).events]
    refused = 0
    for group in range(4):
        outcomes = log.append_many([random_request(rng, nid, targets, 100 * group + 10 * i) for i in range(12)])
        refused += sum(isinstance(o, DomainError) for o in outcomes)
        assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)]
        assert_cached_as_stored(log, nid)
    assert refused
