"""A timeline index not to be trusted is not: when it is dropped, emptied, without its mark,
behind the log or of an older shape (the rows an older version wrote included), the stream is
replayed, and the next start makes it whole; the online rebuild rebuilds it (rows damaged under
a whole mark included); facts still going on at `from`, and corrections indexed out of turn,
are answered as a replay answers them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import pytest

from api.services import Services
from api.settings import Settings
from domain.valid_time import parse_instant, parse_valid_time
from projections import timeline_index
from projections.replay import utc
from projections.store.queries import ReadModels
from projections.store.rebuild import rebuild
from projections.store.schema import micros
from projections.target_index import TargetIndex
from projections.timeline import TimelineFilter, timeline
from projections.timeline_index import TimelineIndex
from tests.app.test_read_model_properties import open_negotiation, try_append
from tests.app.test_timeline_index import (_fact, index_is_used, replayed_changes, replayed_pages, served_changes,
                                         served_pages)

# -- an index not to be trusted ----------------------------------------------------------------

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
    with closing(Services.open(settings)) as services:
        models = ReadModels(services.log)
        assert index_is_used(models, nid)
        yield models, services.log.stream(nid)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_timeline_index_is_not_trusted_and_the_next_start_makes_it_whole(
        settings: Settings, damage: str) -> None:
    with closing(Services.open(settings)) as services:
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
    with closing(Services.open(settings)) as services:
        models = ReadModels(services.log)
        assert index_is_used(models, nid)
        assert _answers(models, nid) == _replayed(services.log.stream(nid), nid)


def test_an_index_of_the_shape_before_the_span_classes_is_rebuilt_at_the_next_start(settings: Settings) -> None:
    """Rows as version 1 of the index wrote them (a span class of two, split at 32 days), under
    its mark: read as they are, the longer facts would be missed by a `from` filter."""
    with closing(Services.open(settings)) as services:
        nid = open_negotiation(services)
        known_to = ["2025-06-30T10:00:00Z", "2025-06-30", "2025-06", "2025", "2025-06-20/..", "2025-06-29/2025-07-01",
                    "2025-07-01T00:00:00Z", "2025-07-01", "2025-07-02T09:00:00Z/2025-07-02", "2025-07-03"]
        try_append(services, nid, [_fact(when, n) for n, when in enumerate(known_to)])
        database = services.log.database
        database.execute(f"UPDATE nl_timeline SET long = CASE WHEN until_us - from_us > {32 * 86_400_000_000} "
                         "THEN 1 ELSE 0 END WHERE position > 0")
        database.execute("UPDATE nl_timeline SET type = '1' WHERE position = 0")
        assert not index_is_used(ReadModels(services.log), nid)
    with restarted_whole(settings, nid) as (models, stream):
        for start in ("2025-06-30T12:00:00Z", "2025-07-01", "2025-07-02", "2025-07-03"):
            wanted = TimelineFilter(start=parse_valid_time(start).start)
            assert served_pages(models, nid, wanted, 3) == replayed_pages(stream, wanted, 3)
        from_july = [i["text"] for i in models.timeline(nid, TimelineFilter(start=parse_valid_time("2025-07").start),
                                                          limit=20)["items"]]
        assert from_july == [f"Statement {n}." for n in (3, 4, 5, 6, 7, 8, 9)]


def test_the_online_rebuild_rebuilds_the_timeline_index(settings: Settings) -> None:
    with closing(Services.open(settings)) as services:
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


def test_a_long_fact_still_going_on_at_from_is_found(settings: Settings) -> None:
    """A fact of the longest span class begun long before `from`."""
    with closing(Services.open(settings)) as services:
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


def test_a_catch_up_over_corrections_made_out_of_turn_gives_each_its_known_at(settings: Settings) -> None:
    """A correction written without the index's hook (a writer of an older version), then a
    later one with it: the catch-up at the next start meets the first after the second was
    applied, and the rows still say what the log knew between the two."""
    with closing(Services.open(settings)) as services:
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
    with restarted_whole(settings, nid) as (models, stream):
        between = TimelineFilter(known_at=parse_instant(first["recorded_at"]))
        assert [i["text"] for i in models.timeline(nid, between, limit=5)["items"][1:4]] == \
            ["Statement 2.", "Statement 3.", "Statement 0."]
        for wanted in (between, TimelineFilter(), TimelineFilter(start=parse_instant("2025-06-04"))):
            assert served_pages(models, nid, wanted, 2) == replayed_pages(stream, wanted, 2)
