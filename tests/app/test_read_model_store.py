"""The stored views on SQLite: written in the append's transaction, indexed so that a
time-travel query on one entity reads that entity's events only, and disposable — a database
from before they existed, or of an older shape, gets them back, and rebuild recreates them."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.cli.transfer import import_events
from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.errors import RuleViolation
from domain.valid_time import parse_instant
from projections.store.loading import entity_events
from projections.store.queries import ReadModels
from projections.store.rebuild import log_size, rebuild
from tests.app.test_read_model_properties import run
from tests.views import replayed_everything, stored_everything
from tests.conftest import OPENING
from tests.strategies import ANY_TYPES, KEYS, PARTIES, PREFIX, RESPONSES, _any_fact, when
from tests.raw_db import RawDB

DEMO = Path(__file__).parents[2] / "api" / "demo" / "istanbul-2025.jsonl"
DEMO_ID = "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10"


def open_negotiation(svc: Services) -> str:
    return svc.log.append(AppendRequest(principal="t", events=[OPENING])).negotiation_id


def append(svc: Services, nid: str, *events: dict[str, Any]) -> list[dict[str, Any]]:
    return svc.log.append(AppendRequest(principal="t", negotiation_id=nid, events=list(events), batch=True)).events


def test_the_demo_views_equal_a_full_replay(services: Services) -> None:
    import_events(services.log, DEMO.read_text(encoding="utf-8").splitlines(), "demo")
    stream = services.log.stream(DEMO_ID)
    assert stored_everything(ReadModels(services.log), DEMO_ID) == replayed_everything(DEMO_ID, stream)


def test_a_long_random_history_leaves_views_equal_to_a_full_replay(services: Services) -> None:
    rng = random.Random(20250410)
    nid = open_negotiation(services)
    ops: list[tuple[str, Any]] = []
    for _ in range(400):
        roll = rng.random()
        if roll < 0.1:
            ops.append(("correct", (rng.randrange(500), rng.choice([{"occurred_at": when(rng.randrange(100_000))},
                                                                      {"text": "fixed"}, {"summary": "fixed"}]))))
        elif roll < 0.15:
            ops.append(("retract", rng.randrange(500)))
        else:
            kind = rng.choice(ANY_TYPES)
            choice = rng.choice(RESPONSES) if kind.startswith("response") else rng.choice("abc")
            ops.append(("append", [_any_fact(rng.randrange(100_000), kind, PREFIX.get(kind.split(":")[0], "") +
                                             rng.choice(KEYS), rng.choice(PARTIES), choice)]))
    facts = run(services, nid, ops)
    assert len(facts) > 100
    assert stored_everything(ReadModels(services.log), nid) == replayed_everything(nid, services.log.stream(nid))


def test_a_refused_batch_leaves_the_views_as_they_were(services: Services) -> None:
    nid = open_negotiation(services)
    append(services, nid, {"type": "round.scheduled", "occurred_at": "2025-03-01", "round_id": "r1"})
    before = stored_everything(ReadModels(services.log), nid)
    with pytest.raises(RuleViolation):
        append(services, nid, {"type": "round.started", "occurred_at": "2025-03-02", "round_id": "r1"},
               {"type": "round.cancelled", "occurred_at": "2025-03-03", "round_id": "r1"},
               {"type": "round.concluded", "occurred_at": "2025-03-04", "round_id": "r1"})
    assert stored_everything(ReadModels(services.log), nid) == before


def test_a_correction_in_the_same_batch_as_its_target(services: Services) -> None:
    nid = open_negotiation(services)
    [wrong] = append(services, nid, {"type": "round.scheduled", "occurred_at": "2025-03-01", "round_id": "r1",
                                     "venue": {"city": "Riyadh"}})
    append(services, nid, {"type": "round.started", "occurred_at": "2025-03-10", "round_id": "r1"},
           {"type": "record.corrected", "occurred_at": "2025-03-01", "target_event_id": wrong["event_id"],
            "changes": {"venue": {"city": "Istanbul"}}, "reason": "misreported"})
    assert ReadModels(services.log).entity(nid, "round", "r1")["venue"] == {"city": "Istanbul"}


def test_a_time_travel_query_reads_only_the_entitys_events(services: Services) -> None:
    nid = open_negotiation(services)
    noise = [{"type": "dispute.raised", "occurred_at": f"2025-03-{1 + i % 28:02d}", "dispute_id": f"d{i}",
              "title": f"Dispute {i}"} for i in range(200)]
    append(services, nid, *noise)
    append(services, nid, {"type": "position.stated", "occurred_at": "2025-04-01", "dispute_id": "d7",
                           "participant_id": "ru", "stance": "demand", "text": "x"},
           {"type": "dispute.resolved", "occurred_at": "2025-05-01", "dispute_id": "d7"})
    db = services.log.database
    with db.transaction(commit=False) as cursor:
        read = entity_events(cursor, db.dialect, nid, "dispute", "d7", as_of=parse_instant("2025-04-15"))
    assert [e["type"] for e in read] == ["dispute.raised", "position.stated"]
    assert ReadModels(services.log).entity(nid, "dispute", "d7", as_of=parse_instant("2025-04-15"))["status"] == \
        "under_discussion"


def test_a_database_from_before_the_views_gets_them_on_opening(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "old.db"))
    first = Services.open(settings)
    import_events(first.log, DEMO.read_text(encoding="utf-8").splitlines(), "demo")
    expected = stored_everything(ReadModels(first.log), DEMO_ID)
    first.close()
    with sqlite3.connect(settings.db) as raw:
        for table in ("nl_read_events", "nl_read_touches", "nl_read_models", "nl_read_meta"):
            raw.execute(f"DROP TABLE {table}")
    reopened = Services.open(settings)
    try:
        assert stored_everything(ReadModels(reopened.log), DEMO_ID) == expected
    finally:
        reopened.close()


def test_views_of_an_older_shape_are_rebuilt_on_opening(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "old.db"))
    first = Services.open(settings)
    import_events(first.log, DEMO.read_text(encoding="utf-8").splitlines(), "demo")
    expected = stored_everything(ReadModels(first.log), DEMO_ID)
    first.close()
    with sqlite3.connect(settings.db) as raw:
        raw.execute("UPDATE nl_read_meta SET value = 'older' WHERE name = 'version'")
        raw.execute("UPDATE nl_read_models SET body = '{}'")
    reopened = Services.open(settings)
    try:
        assert stored_everything(ReadModels(reopened.log), DEMO_ID) == expected
    finally:
        reopened.close()


def test_rebuild_recreates_damaged_views_and_reports_progress(services: Services) -> None:
    import_events(services.log, DEMO.read_text(encoding="utf-8").splitlines(), "demo")
    models = ReadModels(services.log)
    expected = stored_everything(models, DEMO_ID)
    services.log.database.execute("UPDATE nl_read_models SET body = '{\"status\": \"tampered\"}'")
    services.log.database.execute("DELETE FROM nl_read_touches WHERE kind = 'round'")
    progress: list[int] = []
    assert rebuild(services.log.database, progress.append) == log_size(services.log.database) == 31
    assert sum(progress) == 31
    assert stored_everything(models, DEMO_ID) == expected


def test_a_log_cut_back_behind_the_services_back_still_takes_appends(services: Services) -> None:
    nid = open_negotiation(services)
    append(services, nid, {"type": "round.scheduled", "occurred_at": "2025-03-01", "round_id": "r1"},
           {"type": "round.started", "occurred_at": "2025-03-10", "round_id": "r1"})
    head = services.log.event_log.head()["position"]
    with RawDB(services.settings.db) as raw:
        raw.execute("DELETE FROM stored_events WHERE rowid = ?", [head])
        raw.execute("DELETE FROM nl_leaves WHERE position = ?", [head])
    services.log.repository.cache.get(UUID(nid), evict=True)  # as after a restart: the cache still had it
    [again] = append(services, nid, {"type": "round.cancelled", "occurred_at": "2025-03-05", "round_id": "r1"})
    assert again["position"] == head + 1  # positions are never handed out twice
    # Views indexed the deleted event; editing storage behind the service's back is what
    # `rebuild` (and `verify`) are for.
    rebuild(services.log.database, lambda n: None)
    assert stored_everything(ReadModels(services.log), nid) == replayed_everything(nid, services.log.stream(nid))
    assert ReadModels(services.log).entity(nid, "round", "r1")["status"] == "cancelled"
