"""The timeline and `changes` answered through the timeline index (projections.timeline_index)
equal a replay of the whole stream through the pure folds, on SQLite and PostgreSQL, on random
streams with corrections (some moving valid time) and retractions, for every page of the
timeline (filters, `as_of`, `known_at`, cursors) and for `changes`, with facts known to the
moment, and known to the day, month or year or by intervals (each of the index's span classes,
`from` at and about their bounds). When the index is not to be trusted:
tests/app/test_timeline_index_trust.py."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, composite

from api.services import Services
from api.settings import Settings
from domain.errors import DomainError
from domain.valid_time import parse_instant
from projections import paging
from projections.changes import diff, snapshot
from projections.entities import last_position
from projections.replay import known, utc
from projections.store.queries import ReadModels
from projections.store.schema import micros
from projections.timeline import TimelineFilter, timeline
from tests.app.test_read_model_properties import open_negotiation, run, try_append
from tests.conftest import fresh_postgres_database
from tests.strategies import operations

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])
TYPES = ["round", "dispute", "statement.issued", "proposal.tabled", "commitment", "negotiation"]


def _open(db: str, tmp: Path) -> Services:
    return Services.open(Settings(db=db, signing_key=tmp / "signing.ed25519"))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def svc(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    tmp = Path(tmp_path_factory.mktemp("timeline-index"))
    if request.param == "sqlite":
        services = _open(str(tmp / "log.db"), tmp)
        yield services
        services.close()
        return
    with fresh_postgres_database() as url:
        services = _open(url, tmp)
        yield services
        services.close()


# -- the answers a replay of the whole stream gives ----------------------------------------

def replayed_pages(stream: list[dict[str, Any]], wanted: TimelineFilter, limit: int) -> list[dict[str, Any]]:
    """Every page, walked with cursors, as ReadModels answered before the index (from the fold
    over the whole stream)."""
    if not known(stream, wanted.known_at):
        return []
    ordered = [(micros(utc(f["occurred_from"])), f["position"], f) for f in timeline(stream, wanted)]
    pages, start = [], None
    while True:
        rest = [o for o in ordered if start is None or (o[0], o[1]) > start]
        items, cursor = paging.page(rest, limit)
        pages.append({"items": items, "next_cursor": cursor, "position": last_position(stream, wanted.known_at)})
        if cursor is None:
            return pages
        micros_, key = paging.decode(cursor)
        start = (micros_, int(key))


def served_pages(models: ReadModels, nid: str, wanted: TimelineFilter, limit: int) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        try:
            page = models.timeline(nid, wanted, limit=limit, cursor=cursor)
        except DomainError:  # 404: nothing of the negotiation was known at known_at
            return []
        pages.append(page)
        if (cursor := page["next_cursor"]) is None:
            return pages


def replayed_changes(nid: str, stream: list[dict[str, Any]], start: datetime | None, end: datetime | None,
                     known_at: datetime | None) -> dict[str, Any] | None:
    if not known(stream, known_at):
        return None
    before = snapshot(nid, stream, as_of=start, known_at=known_at) if start else {}
    after = snapshot(nid, stream, as_of=end, known_at=known_at)
    return {**diff(before, after), "position": last_position(stream, known_at)}


def served_changes(models: ReadModels, nid: str, start: datetime | None, end: datetime | None,
                   known_at: datetime | None) -> dict[str, Any] | None:
    try:
        return models.changes(nid, start=start, end=end, known_at=known_at)
    except DomainError:
        return None


def index_is_used(models: ReadModels, nid: str) -> bool:
    return models._indexed_timeline(nid, TimelineFilter(), None, 1) is not None


# -- random streams --------------------------------------------------------------------------

POINT = st.tuples(st.integers(0, 10_000), st.sampled_from([-1, 0, 1]))
FILTERS = st.fixed_dictionaries({
    "as_of": st.none() | POINT, "known_at": st.none() | POINT, "start": st.none() | POINT, "end": st.none() | POINT,
    "types": st.lists(st.sampled_from(TYPES), max_size=2), "limit": st.integers(1, 4)})


def _valid(stream: list[dict[str, Any]], pick: tuple[int, int] | None, field: str = "occurred_from") -> datetime | None:
    if pick is None:
        return None
    index, nudge = pick
    return parse_instant(stream[index % len(stream)][field]) + timedelta(microseconds=nudge)


@PROPERTY
@given(ops=operations(), filters=st.lists(FILTERS, min_size=1, max_size=3))
def test_indexed_timeline_pages_and_changes_equal_a_replay_of_the_stream(
        svc: Services, ops: list[tuple[str, Any]], filters: list[dict[str, Any]]) -> None:
    assert_each_served_as_replayed(svc, ops, filters, lambda stream, f: TimelineFilter(
        known_at=_valid(stream, f["known_at"], "recorded_at"), as_of=_valid(stream, f["as_of"]),
        start=_valid(stream, f["start"]), end=_valid(stream, f["end"]), types=frozenset(f["types"])))


def assert_each_served_as_replayed(svc: Services, ops: list[tuple[str, Any]], filters: list[dict[str, Any]],
                                   wanted: Callable[[list[dict[str, Any]], dict[str, Any]], TimelineFilter]) -> None:
    """The stream `ops` records, then each filter's pages (`wanted` of the stream) as replayed."""
    nid, stream, models = recorded_through_the_index(svc, ops)
    for f in filters:
        assert_served_as_replayed(models, nid, stream, wanted(stream, f), f["limit"])


def recorded_through_the_index(svc: Services, ops: list[tuple[str, Any]]) -> tuple[str, list[dict[str, Any]],
                                                                                ReadModels]:
    nid = open_negotiation(svc)
    run(svc, nid, ops)
    models = ReadModels(svc.log)
    assert index_is_used(models, nid)
    return nid, svc.log.stream(nid), models


def assert_served_as_replayed(models: ReadModels, nid: str, stream: list[dict[str, Any]], wanted: TimelineFilter,
                              limit: int) -> None:
    """The pages of `wanted`, and the changes between its `from` and `to` (in order), as a replay."""
    assert served_pages(models, nid, wanted, limit) == replayed_pages(stream, wanted, limit), wanted
    start, end = wanted.start, wanted.end
    if start and end and start > end:
        start, end = end, start
    assert served_changes(models, nid, start, end, wanted.known_at) == \
        replayed_changes(nid, stream, start, end, wanted.known_at), (start, end, wanted.known_at)


def _next_day(day: str) -> str:
    return (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()


# The forms a moment (`2025-02-01T00:00:00Z`) is coarsened to: one or more of each span class.
COARSER = [
    lambda moment: moment,
    lambda moment: f"{moment}/{moment[:10]}",  # the rest of its day: within a day, not from midnight
    lambda moment: moment[:10],
    lambda moment: f"{moment[:10]}/{_next_day(moment[:10])}",  # two days
    lambda moment: moment[:7],
    lambda moment: moment[:4],
    lambda moment: f"{moment[:10]}/..",
]


@composite
def coarsened_operations(draw: DrawFn) -> list[tuple[str, Any]]:
    """operations(), with each fact's time, and each time a correction moves one to, known to
    the moment or coarser."""
    def coarse(moment: str) -> str:
        return draw(st.sampled_from(COARSER))(moment)
    ops = []
    for what, arg in draw(operations()):
        if what == "append":
            arg = [{**event, "occurred_at": coarse(event["occurred_at"])} for event in arg]
        elif what == "correct" and "occurred_at" in arg[1]:
            arg = (arg[0], {"occurred_at": coarse(arg[1]["occurred_at"])})
        ops.append((what, arg))
    return ops


FROMS = st.fixed_dictionaries({
    "start": POINT, "bound": st.sampled_from(["occurred_from", "occurred_until"]), "end": st.none() | POINT,
    "known_at": st.none() | POINT, "limit": st.integers(1, 4)})


def _near(stream: list[dict[str, Any]], pick: tuple[int, int], field: str) -> datetime:
    """_valid, but a nudge past the last instant there is (an open interval's end) is left off."""
    try:
        return _valid(stream, pick, field)  # type: ignore[return-value]
    except OverflowError:
        return _valid(stream, (pick[0], 0), field)  # type: ignore[return-value]


@PROPERTY
@given(ops=coarsened_operations(), filters=st.lists(FROMS, min_size=1, max_size=3))
def test_indexed_timeline_from_a_point_equals_a_replay_whatever_the_facts_are_known_to(
        svc: Services, ops: list[tuple[str, Any]], filters: list[dict[str, Any]]) -> None:
    assert_each_served_as_replayed(svc, ops, filters, lambda stream, f: TimelineFilter(
        known_at=_valid(stream, f["known_at"], "recorded_at"), start=_near(stream, f["start"], f["bound"]),
        end=_valid(stream, f["end"])))


def _fact(occurred_at: str, n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": occurred_at, "text": f"Statement {n}.",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


def test_random_cursor_walks_agree_on_a_longer_stream(svc: Services) -> None:
    """Many facts on few instants (ties broken by position), some moved by corrections."""
    nid = open_negotiation(svc)
    rng = random.Random(15)
    stored: list[dict[str, Any]] = []
    for batch in range(6):
        stored += try_append(svc, nid, [_fact(f"2025-05-{rng.randint(1, 4):02d}", batch * 20 + i) for i in range(20)])
        target = rng.choice(stored)
        try_append(svc, nid, [{"type": "record.corrected", "occurred_at": "2025-05-05", "reason": "misdated",
                               "target_event_id": target["event_id"],
                               "changes": {"occurred_at": f"2025-05-{rng.randint(1, 4):02d}"}}])
    stream = svc.log.stream(nid)
    models = ReadModels(svc.log)
    for limit in (1, 7, 50):
        for wanted in (TimelineFilter(), TimelineFilter(start=parse_instant("2025-05-03")),
                       TimelineFilter(end=parse_instant("2025-05-02"), known_at=parse_instant(stream[60]["recorded_at"]))):
            assert served_pages(models, nid, wanted, limit) == replayed_pages(stream, wanted, limit)
