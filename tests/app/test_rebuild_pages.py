"""A rebuild folds an entity met for the first time from the page in hand rather than reading
it back: across page boundaries, corrections and retractions, it must still leave exactly the
views that appending left (and a full replay gives), the audit's columns included."""

from __future__ import annotations

import random
from typing import Any

import pytest

from api.services import Services
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex
from projections.store import rebuild as rebuilding
from projections.store.queries import ReadModels
from projections.store.rebuild import rebuild
from tests.app.test_read_model_properties import run
from tests.app.test_read_model_store import open_negotiation
from tests.strategies import ANY_TYPES, KEYS, PARTIES, PREFIX, RESPONSES, _any_fact, when
from tests.views import replayed_everything, stored_everything


def history(rng: random.Random, length: int) -> list[tuple[str, Any]]:
    ops: list[tuple[str, Any]] = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.1:
            ops.append(("correct", (rng.randrange(500), rng.choice([{"occurred_at": when(rng.randrange(100_000))},
                                                                      {"text": "fixed"}]))))
        elif roll < 0.15:
            ops.append(("retract", rng.randrange(500)))
        else:
            kind = rng.choice(ANY_TYPES)
            choice = rng.choice(RESPONSES) if kind.startswith("response") else rng.choice("abc")
            ops.append(("append", [_any_fact(rng.randrange(100_000), kind, PREFIX.get(kind.split(":")[0], "") +
                                             rng.choice(KEYS), rng.choice(PARTIES), choice)]))
    return ops


@pytest.mark.parametrize("page", [1, 7, 1000])
def test_a_rebuild_in_pages_of_any_size_gives_the_views_appending_gave(services: Services, page: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(page)
    nids = [open_negotiation(services) for _ in range(2)]
    for nid in nids:
        run(services, nid, history(rng, 150))
    models = ReadModels(services.log)
    before = {nid: stored_everything(models, nid) for nid in nids}
    db = services.log.database
    indexed = [dict(r) for r in db.query("SELECT * FROM nl_read_events ORDER BY position")]
    monkeypatch.setattr(rebuilding, "REBUILD_PAGE", page)
    rebuild(db, lambda n: None, also=[TargetIndex(), TimelineIndex()])
    for nid in nids:
        assert stored_everything(models, nid) == before[nid] == replayed_everything(nid, services.log.stream(nid))
    assert [dict(r) for r in db.query("SELECT * FROM nl_read_events ORDER BY position")] == indexed


def test_old_tables_of_any_size_are_emptied_in_steps_and_dropped(services: Services,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read-model table a rebuild replaces is dropped: those holding values emptied a few
    rows at a time first once they hold more than DROP_AT_ONCE rows, the others at once."""
    nid = open_negotiation(services)
    run(services, nid, history(random.Random(5), 60))
    models = ReadModels(services.log)
    before = stored_everything(models, nid)
    monkeypatch.setattr(rebuilding, "DROP_AT_ONCE", 4)
    monkeypatch.setattr(rebuilding, "CLEANUP_ROWS", 3)
    db = services.log.database
    rebuild(db, lambda n: None, also=[TargetIndex(), TimelineIndex()])
    assert stored_everything(models, nid) == before
    names = [r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")] \
        if db.dialect.name == "sqlite" else [r["tablename"] for r in db.query("SELECT tablename FROM pg_tables")]
    left = [n for n in names if n.endswith((rebuilding.SHADOW, rebuilding.OLD))]
    assert left == []
