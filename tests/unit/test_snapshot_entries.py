"""A snapshot encodes each kept fact once and reuses that entry (domain.snapshots): whatever
the knowledge learns, corrects, retracts or takes back in between, every snapshot reads as the
facts read now."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from typing import Any

import pytest

from domain import snapshots
from domain.knowledge import Knowledge
from tests.unit.test_knowledge_undo import opened, random_record

AT = datetime(2025, 1, 1, tzinfo=timezone.utc)


def facts_as_they_read(k: Knowledge) -> list[list[Any]]:
    """The snapshot's facts, written out from the knowledge without any cached entry."""
    return [[f.event_id, f.type, f.version, f.start.isoformat(), list(f.entity) if f.entity else None,
             [{"id": m["id"], **({"role": m["role"]} if "role" in m else {})} for m in f.members], f.leaves]
            for f in sorted(k.facts.values(), key=lambda f: f.version)]


def taken(k: Knowledge, version: int) -> dict[str, Any]:
    snapshot = snapshots.take("n", version, "e", AT, AT, "public", k)
    assert snapshot.digest == snapshots.digest_of(snapshot.state)
    return dict(json.loads(snapshot.state))


@pytest.mark.parametrize("seed", range(40))
def test_every_snapshot_reads_as_the_facts_read_now(seed: int) -> None:
    rng = random.Random(seed)
    k, ids = opened(), []
    k.keep_journal()
    version, checked = 1, 0
    for _ in range(12):
        mark = k.mark()
        for _ in range(rng.randint(1, 6)):
            version += 1
            k.learn(random_record(rng, ids), version)
            if rng.random() < 0.4:  # entries encoded mid-way, then perhaps changed or taken back
                assert taken(k, version)["facts"] == facts_as_they_read(k)
                checked += 1
        if rng.random() < 0.4:
            k.undo_to(mark)
        state = taken(k, version)
        assert state["facts"] == facts_as_they_read(k)
        assert state["live"] == [[kind, key, n] for (kind, key), n in k.live.items()]
        restored = snapshots.restore(snapshots.Snapshot("n", version, "e", snapshots.SHAPE,
                                                        json.dumps(state, separators=(",", ":")),
                                                        snapshots.digest_of(json.dumps(state, separators=(",", ":")))),
                                     before=None)  # type: ignore[arg-type]
        assert facts_as_they_read(restored.knowledge) == state["facts"]
    assert checked or seed % 7  # most seeds also snapshot between two learns


def test_a_correction_of_a_kept_fact_is_in_the_next_snapshot_and_its_undoing_too() -> None:
    k = Knowledge()
    k.learn({"type": "negotiation.opened", "event_id": "o", "occurred_at": "2025-01",
             "participants": [{"id": "p1", "name": "One", "role": "party"}]}, 1)
    k.learn({"type": "round.proposed", "event_id": "r", "occurred_at": "2025-02-01", "round_id": "r1"}, 2)
    k.learn({"type": "round.cancelled", "event_id": "c", "occurred_at": "2025-02-03", "round_id": "r1"}, 3)
    assert taken(k, 3)["facts"][1][3] == "2025-02-03T00:00:00+00:00"
    k.keep_journal()
    mark = k.mark()
    k.learn({"type": "record.corrected", "event_id": "x", "occurred_at": "2025-02-04", "target_event_id": "c",
             "changes": {"occurred_at": "2025-02-05"}}, 4)
    assert taken(k, 4)["facts"][1][3] == "2025-02-05T00:00:00+00:00"
    k.undo_to(mark)
    assert taken(k, 3)["facts"][1][3] == "2025-02-03T00:00:00+00:00"
    k.learn({"type": "record.corrected", "event_id": "y", "occurred_at": "2025-02-04", "target_event_id": "o",
             "changes": {"participants": [{"id": "p2", "name": "Two", "role": "mediator"}]}}, 4)
    assert taken(k, 4)["facts"][0][5] == [{"id": "p2", "role": "mediator"}]
