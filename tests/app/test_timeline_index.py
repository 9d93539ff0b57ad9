"""The timeline and `changes` answered through the timeline index (projections.timeline_index)
equal a replay of the whole stream through the pure folds, on SQLite and PostgreSQL:

1. on random streams with corrections (some moving valid time) and retractions, for every
   page of the timeline (filters, `as_of`, `known_at`, cursors) and for `changes`, with facts
   known to the moment, and known to the day, month or year or by intervals (each of the
   index's span classes, `from` at and about their bounds);
2. after an erasure takes back the time a correction had moved;
3. when the index is dropped, emptied, without its mark, behind the log or of an older shape
   (the rows an older version wrote included): it is not trusted (the stream is replayed), and
   the next start makes it whole; the online rebuild rebuilds it (rows damaged under a whole
   mark included)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
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
from domain.valid_time import parse_instant, parse_valid_time
from projections import paging, timeline_index
from projections.changes import diff, snapshot
from projections.entities import last_position
from projections.replay import known, utc
from projections.store.queries import ReadModels
from projections.store.rebuild import rebuild
from projections.store.schema import micros
from projections.target_index import TargetIndex
from projections.timeline import TimelineFilter, timeline
from projections.timeline_index import TimelineIndex
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


# -- 1. random streams ------------------------------------------------------------------------

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
    nid, stream, models = recorded_through_the_index(svc, ops)
    for f in filters:
        start, end = _valid(stream, f["start"]), _valid(stream, f["end"])
        wanted = TimelineFilter(known_at=_valid(stream, f["known_at"], "recorded_at"), as_of=_valid(stream, f["as_of"]),
                                start=start, end=end, types=frozenset(f["types"]))
        assert_served_as_replayed(models, nid, stream, wanted, f["limit"])


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
    nid, stream, models = recorded_through_the_index(svc, ops)
    for f in filters:
        wanted = TimelineFilter(known_at=_valid(stream, f["known_at"], "recorded_at"),
                                start=_near(stream, f["start"], f["bound"]), end=_valid(stream, f["end"]))
        assert_served_as_replayed(models, nid, stream, wanted, f["limit"])


# -- 2. erasure ---------------------------------------------------------------------------------

def _fact(occurred_at: str, n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": occurred_at, "text": f"Statement {n}.",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


# -- 3. an index not to be trusted ----------------------------------------------------------------

DAMAGE = {
    "dropped": ["DROP TABLE nl_timeline"],
    "emptied": ["DELETE FROM nl_timeline"],
    "without its mark": ["DELETE FROM nl_timeline WHERE position = 0"],
    "of an older shape": ["UPDATE nl_timeline SET type = '0' WHERE position = 0"],
    "behind the log": ["UPDATE nl_timeline SET source_position = source_position - 3 WHERE position = 0"],
}


def _history(svc: Services) -> str:
    nid = open_negotiation(svc)
    stored = try_append(svc, nid, [_fact(f"2025-04-{d:02d}", d) for d in range(1, 21)])
    try_append(svc, nid, [{"type": "record.corrected", "occurred_at": "2025-04-25", "target_event_id":
                           stored[3]["event_id"], "changes": {"occurred_at": "2025-04-30"}, "reason": "misdated"}])
    try_append(svc, nid, [{"type": "record.retracted", "occurred_at": "2025-04-25",
                           "target_event_id": stored[5]["event_id"], "reason": "never said"}])
    return nid


def _answers(models: ReadModels, nid: str) -> list[Any]:
    return [served_pages(models, nid, TimelineFilter(), 7),
            served_pages(models, nid, TimelineFilter(start=parse_instant("2025-04-10")), 3),
            served_changes(models, nid, parse_instant("2025-04-05"), parse_instant("2025-04-15"), None)]


def _replayed(stream: list[dict[str, Any]], nid: str) -> list[Any]:
    return [replayed_pages(stream, TimelineFilter(), 7),
            replayed_pages(stream, TimelineFilter(start=parse_instant("2025-04-10")), 3),
            replayed_changes(nid, stream, parse_instant("2025-04-05"), parse_instant("2025-04-15"), None)]


@contextmanager
def restarted_whole(settings: Settings, nid: str) -> Iterator[tuple[ReadModels, list[dict[str, Any]]]]:
    """The services started again: the start has made the index whole, and it is used."""
    services = Services.open(settings)
    try:
        models = ReadModels(services.log)
        assert index_is_used(models, nid)
        yield models, services.log.stream(nid)
    finally:
        services.close()


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_timeline_index_is_not_trusted_and_the_next_start_makes_it_whole(
        settings: Settings, damage: str) -> None:
    services = Services.open(settings)
    try:
        nid = _history(services)
        stream = services.log.stream(nid)
        for statement in DAMAGE[damage]:
            services.log.database.execute(statement)
        models = ReadModels(services.log)
        assert not index_is_used(models, nid)
        assert _answers(models, nid) == _replayed(stream, nid)
        if damage != "dropped":  # (as with the target index, appends need its table)
            # Appends go on meanwhile, and the answers stay right.
            assert try_append(services, nid, [_fact("2025-04-12", 99)])
            assert _answers(models, nid) == _replayed(services.log.stream(nid), nid)
    finally:
        services.close()
    services = Services.open(settings)
    try:
        models = ReadModels(services.log)
        assert index_is_used(models, nid)
        assert _answers(models, nid) == _replayed(services.log.stream(nid), nid)
    finally:
        services.close()


def test_an_index_of_the_shape_before_the_span_classes_is_rebuilt_at_the_next_start(settings: Settings) -> None:
    """Rows as version 1 of the index wrote them (a span class of two, split at 32 days), under
    its mark: read as they are, the longer facts would be missed by a `from` filter."""
    services = Services.open(settings)
    try:
        nid = open_negotiation(services)
        known_to = ["2025-06-30T10:00:00Z", "2025-06-30", "2025-06", "2025", "2025-06-20/..", "2025-06-29/2025-07-01",
                    "2025-07-01T00:00:00Z", "2025-07-01", "2025-07-02T09:00:00Z/2025-07-02", "2025-07-03"]
        try_append(services, nid, [_fact(when, n) for n, when in enumerate(known_to)])
        database = services.log.database
        database.execute(f"UPDATE nl_timeline SET long = CASE WHEN until_us - from_us > {32 * 86_400_000_000} "
                         "THEN 1 ELSE 0 END WHERE position > 0")
        database.execute("UPDATE nl_timeline SET type = '1' WHERE position = 0")
        assert not index_is_used(ReadModels(services.log), nid)
    finally:
        services.close()
    with restarted_whole(settings, nid) as (models, stream):
        for start in ("2025-06-30T12:00:00Z", "2025-07-01", "2025-07-02", "2025-07-03"):
            wanted = TimelineFilter(start=parse_valid_time(start).start)
            assert served_pages(models, nid, wanted, 3) == replayed_pages(stream, wanted, 3)
        from_july = [i["text"] for i in models.timeline(nid, TimelineFilter(start=parse_valid_time("2025-07").start),
                                                          limit=20)["items"]]
        assert from_july == [f"Statement {n}." for n in (3, 4, 5, 6, 7, 8, 9)]


def test_the_online_rebuild_rebuilds_the_timeline_index(settings: Settings) -> None:
    services = Services.open(settings)
    try:
        nid = _history(services)
        services.log.database.execute("UPDATE nl_timeline SET from_us = 0, until_us = 0")
        rebuild(services.log.database, also=[TargetIndex(), TimelineIndex()])
        models = ReadModels(services.log)
        assert index_is_used(models, nid)
        with services.log.database.transaction(commit=False) as cursor:
            assert timeline_index.page(cursor, services.log.database.dialect, nid, TimelineFilter(), None, 100) == \
                [(micros(utc(f["occurred_from"])), f["position"]) for f in timeline(services.log.stream(nid),
                                                                                    TimelineFilter())]
        assert _answers(models, nid) == _replayed(services.log.stream(nid), nid)
    finally:
        services.close()


def test_a_long_fact_still_going_on_at_from_is_found(settings: Settings) -> None:
    """A fact of the longest span class begun long before `from`."""
    services = Services.open(settings)
    try:
        nid = open_negotiation(services)
        try_append(services, nid, [_fact("2025-02", 0), _fact("2025", 1), _fact("2025-03-01/2025-09-30", 2)] +
                   [_fact(f"2025-08-{d:02d}", d + 10) for d in range(1, 6)])
        stream = services.log.stream(nid)
        models = ReadModels(services.log)
        wanted = TimelineFilter(start=parse_instant("2025-08-03"))
        pages = served_pages(models, nid, wanted, 2)
        assert [i["text"] for p in pages for i in p["items"]] == [
            "Statement 1.", "Statement 2.", "Statement 13.", "Statement 14.", "Statement 15."]
        assert pages == replayed_pages(stream, wanted, 2)
        assert index_is_used(models, nid)
    finally:
        services.close()


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


def test_a_catch_up_over_corrections_made_out_of_turn_gives_each_its_known_at(settings: Settings) -> None:
    """A correction written without the index's hook (a writer of an older version), then a
    later one with it: the catch-up at the next start meets the first after the second was
    applied, and the rows still say what the log knew between the two."""
    services = Services.open(settings)
    try:
        nid = open_negotiation(services)
        [fact] = try_append(services, nid, [_fact("2025-06-01", 0)])
        try_append(services, nid, [_fact(f"2025-06-{d:02d}", d) for d in range(2, 6)])
        every = list(services.log.hooks)
        services.log.hooks = [h for h in every if not isinstance(getattr(h, "hook", h), TimelineIndex)]
        move = {"type": "record.corrected", "occurred_at": "2025-06-10", "target_event_id": fact["event_id"],
                "reason": "misdated"}
        [first] = try_append(services, nid, [{**move, "changes": {"occurred_at": "2025-06-03T12:00:00Z"}}])
        services.log.hooks = every
        try_append(services, nid, [{**move, "changes": {"occurred_at": "2025-06-09"}}])
        assert not index_is_used(ReadModels(services.log), nid)  # behind: the first was not indexed
    finally:
        services.close()
    with restarted_whole(settings, nid) as (models, stream):
        between = TimelineFilter(known_at=parse_instant(first["recorded_at"]))
        assert [i["text"] for i in models.timeline(nid, between, limit=5)["items"][1:4]] == \
            ["Statement 2.", "Statement 3.", "Statement 0."]
        for wanted in (between, TimelineFilter(), TimelineFilter(start=parse_instant("2025-06-04"))):
            assert served_pages(models, nid, wanted, 2) == replayed_pages(stream, wanted, 2)
