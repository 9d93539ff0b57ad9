"""Properties of the read models on SQLite, checked by hypothesis:

1. Recording the same facts in any order the log accepts gives the same `as_of` answers.
2. The stored views equal a full replay of the log after any sequence of appends,
   corrections and retractions.
3. A `known_at` before an event was recorded never shows it: the answer is exactly what the
   stored views said before that event was appended."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.errors import DomainError
from domain.valid_time import parse_instant
from projections.entities import KINDS, is_correction, view
from projections.entities import states as replayed_states
from projections.negotiation import summarize
from projections.store.queries import ReadModels
from tests.conftest import OPENING
from tests.views import all_items, replayed_everything, stored_everything
from tests.strategies import INTRODUCERS, operations, timelines, when

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    services = Services.open(Settings(db=str(Path(tmp_path_factory.mktemp("props")) / "log.db")))
    yield services
    services.close()


def open_negotiation(svc: Services) -> str:
    return svc.log.append(AppendRequest(principal="prop", events=[{**OPENING, "occurred_at": "2025-01"}])).negotiation_id


def try_append(svc: Services, nid: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        return svc.log.append(AppendRequest(principal="prop", negotiation_id=nid, events=events, batch=True)).events
    except DomainError:
        return []


def record_with_deferral(svc: Services, nid: str, facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Appends one at a time; what the log refuses now is tried again after the rest."""
    pending, stored = list(facts), []
    while pending:
        refused = []
        for fact in pending:
            accepted = try_append(svc, nid, [fact])
            stored += accepted
            if not accepted:
                refused.append(fact)
        if len(refused) == len(pending):
            break
        pending = refused
    return stored


def without_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entity views, minus what differs between two recordings of the same facts."""
    return [{**i, "history": [{k: v for k, v in h.items() if k != "event_id"} for h in i.get("history", [])]}
            for i in items]


@PROPERTY
@given(facts=timelines(), seed=st.integers(0, 2**32 - 1))
def test_the_same_facts_in_any_order_give_the_same_answers(svc: Services, facts: list[dict[str, Any]],
                                                           seed: int) -> None:
    shuffled = list(facts)
    random.Random(seed).shuffle(shuffled)
    # Introducing events first: the log refuses a second introduction of an entity it knows.
    shuffled.sort(key=lambda f: f["type"] not in INTRODUCERS)
    first, second = open_negotiation(svc), open_negotiation(svc)
    assert len(record_with_deferral(svc, first, facts)) == len(facts)
    assert len(record_with_deferral(svc, second, shuffled)) == len(facts)
    models = ReadModels(svc.log)
    minutes = sorted(parse_instant(f["occurred_at"]) for f in facts)
    points = [None, *random.Random(seed).sample(minutes, min(4, len(minutes)))]
    for point in points:
        for at in ([point, point - timedelta(microseconds=1)] if point else [None]):
            for kind in KINDS:
                assert without_ids(all_items(models, first, kind, as_of=at)) == \
                    without_ids(all_items(models, second, kind, as_of=at)), (kind, at)


def run(svc: Services, nid: str, ops: list[tuple[str, Any]], after_each: Any = None) -> list[dict[str, Any]]:
    facts: list[dict[str, Any]] = []
    for what, arg in ops:
        if what == "append":
            stored = try_append(svc, nid, arg)
        elif not facts:
            continue
        elif what == "correct":
            target = facts[arg[0] % len(facts)]
            stored = try_append(svc, nid, [{"type": "record.corrected", "occurred_at": target["occurred_at"],
                                            "target_event_id": target["event_id"], "changes": arg[1],
                                            "reason": "misreported"}])
        else:
            target = facts[arg % len(facts)]
            stored = try_append(svc, nid, [{"type": "record.retracted", "occurred_at": target["occurred_at"],
                                            "target_event_id": target["event_id"], "reason": "false"}])
        facts += [e for e in stored if not is_correction(e)]
        if stored and after_each is not None:
            after_each(stored)
    return facts


@PROPERTY
@given(ops=operations())
def test_the_stored_views_equal_a_full_replay(svc: Services, ops: list[tuple[str, Any]]) -> None:
    nid = open_negotiation(svc)
    run(svc, nid, ops)
    assert stored_everything(ReadModels(svc.log), nid) == replayed_everything(nid, svc.log.stream(nid))


def replayed_at(nid: str, stream: list[dict[str, Any]], **axes: Any) -> dict[str, Any]:
    """Every answer at a point, from the pure folds over the whole stream."""
    found: dict[str, Any] = {"negotiation": summarize(nid, stream, **axes)}
    for kind in KINDS:
        ordered = sorted(replayed_states(kind, stream, **axes).items(), key=lambda kv: (kv[1]["_since"], kv[0]))
        found[kind] = [view(kind, state) for _, state in ordered]
    return found


def indexed_at(models: ReadModels, nid: str, **axes: Any) -> dict[str, Any]:
    """The same answers from the service, which reads the index and each entity's own events."""
    try:
        summary: dict[str, Any] | None = models.negotiation(nid, **axes)
    except DomainError:
        summary = None
    try:
        return {"negotiation": summary, **{kind: all_items(models, nid, kind, **axes) for kind in KINDS}}
    except DomainError:  # 404 throughout: the log did not hold the negotiation yet at known_at
        assert summary is None
        return {"negotiation": None, **{kind: [] for kind in KINDS}}


@PROPERTY
@given(ops=operations(), picks=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000),
                                                  st.sampled_from([-1, 0, 1])), min_size=1, max_size=4))
def test_time_travel_answers_equal_a_replay_of_the_whole_log(svc: Services, ops: list[tuple[str, Any]],
                                                             picks: list[tuple[int, int, int]]) -> None:
    nid = open_negotiation(svc)
    run(svc, nid, ops)
    stream = svc.log.stream(nid)
    models = ReadModels(svc.log)
    for valid, recorded, nudge in picks:
        # Points right at, just before and just after an event on each axis, where off-by-one
        # errors would show; the corrected valid times are among them.
        as_of = parse_instant(stream[valid % len(stream)]["occurred_from"]) + timedelta(microseconds=nudge)
        known_at = parse_instant(stream[recorded % len(stream)]["recorded_at"]) + timedelta(microseconds=nudge)
        for axes in ({"as_of": as_of}, {"known_at": known_at}, {"as_of": as_of, "known_at": known_at}):
            assert indexed_at(models, nid, **axes) == replayed_at(nid, stream, **axes), axes


@PROPERTY
@given(ops=operations())
def test_known_at_before_an_event_was_recorded_never_shows_it(svc: Services, ops: list[tuple[str, Any]]) -> None:
    nid = open_negotiation(svc)
    models = ReadModels(svc.log)
    seen: list[tuple[str, dict[str, Any]]] = [(svc.log.stream(nid)[-1]["recorded_at"], stored_everything(models, nid))]
    run(svc, nid, ops, after_each=lambda stored: seen.append((stored[-1]["recorded_at"],
                                                                stored_everything(models, nid))))
    for (recorded_at, then), (next_recorded_at, _) in zip(seen, seen[1:] + [(None, None)], strict=True):
        assert stored_everything(models, nid, known_at=parse_instant(recorded_at)) == then
        if next_recorded_at is not None:
            just_before = parse_instant(next_recorded_at) - timedelta(microseconds=1)
            assert stored_everything(models, nid, known_at=just_before) == then


def test_the_timeline_strategy_starts_where_the_fixtures_expect() -> None:
    assert when(0) == "2025-02-01T00:00:00Z"
