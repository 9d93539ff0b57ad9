"""A snapshot writes the knowledge's columns (domain.snapshots, domain.kept_facts): whatever
the knowledge learns, corrects, retracts or takes back in between, the snapshot restores to
the facts, entities and counts that the knowledge reads now."""

from __future__ import annotations

import json
import random
from array import array
from datetime import datetime, timezone
from typing import Any

import pytest

from domain import snapshots
from domain.knowledge import Knowledge
from tests.unit.test_knowledge_undo import opened, random_record

AT = datetime(2025, 1, 1, tzinfo=timezone.utc)


def as_it_reads(k: Knowledge) -> dict[str, Any]:
    """What the rules can ask of the knowledge, asked through its questions rather than its columns."""
    entities = [(kind, key) for kind, key, _ in k.entities.counts()]
    return {
        "facts": [[f.event_id, f.type, f.version, f.start.isoformat(), f.entity,
                   [{"id": m["id"], **({"role": m["role"]} if "role" in m else {})} for m in f.members], f.leaves]
                  for f in k.kept.live()],
        "histories": {entity: [f.event_id for f in k.history(entity)] for entity in entities},
        "exists": {entity: k.exists(entity) for entity in entities},
        "participants": {pid: p.get("role") for pid, p in k.participants.items()},
        "retracted": sorted(k.retracted),
        "corrections": k.correction_ids,
    }


def restored(k: Knowledge, version: int) -> Knowledge:
    snapshot = snapshots.take("n", version, "e", AT, AT, "public", k)
    assert snapshot.digest == snapshots.digest_of(snapshot.state)
    return snapshots.restore(snapshot, before=None).knowledge  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(40))
def test_every_snapshot_restores_the_knowledge_as_it_reads_now(seed: int) -> None:
    rng = random.Random(seed)
    k, ids = opened(), []
    k.keep_journal()
    version, checked = 1, 0
    for _ in range(12):
        mark = k.mark()
        for _ in range(rng.randint(1, 6)):
            version += 1
            k.learn(random_record(rng, ids), version)
            if rng.random() < 0.4:  # taken mid-way, then perhaps changed or taken back
                assert as_it_reads(restored(k, version)) == as_it_reads(k)
                checked += 1
        if rng.random() < 0.4:
            k.undo_to(mark)
        again = restored(k, version)
        assert as_it_reads(again) == as_it_reads(k)
        assert as_it_reads(restored(again, version)) == as_it_reads(k)  # a restored one snapshots alike
    assert checked or seed % 7  # most seeds also snapshot between two learns


def test_a_snapshot_of_a_fact_from_the_future_or_out_of_range_is_unusable() -> None:
    k = opened()
    k.learn({"type": "round.concluded", "event_id": "imported-2", "occurred_at": "2025-02", "round_id": "r"}, 2)
    state = json.loads(snapshots.take("n", 2, "e", AT, AT, "public", k).state)

    def unusable(change: Any, version: int = 2) -> None:
        changed = json.loads(json.dumps(state))
        change(changed)
        text = json.dumps(changed)
        with pytest.raises(snapshots.Unusable):
            snapshots.restore(snapshots.Snapshot("n", version, "e", snapshots.SHAPE, text, snapshots.digest_of(text)),
                              before=None)  # type: ignore[arg-type]

    def put(part: str, name: str, value: Any) -> Any:
        return lambda s: s[part].__setitem__(name, value)

    unusable(lambda s: None, version=1)  # holds a fact of version 2
    unusable(put("facts", "entity", snapshots._packed(array("q", [-1, 5]))))  # no entity 5
    unusable(put("facts", "version", "AAAA"))  # three bytes: not whole numbers
    unusable(put("facts", "other_ids", {"7": "x"}))  # no fact 7
    unusable(put("entities", "keys", ["r", "r"]))
    unusable(put("facts", "types", []))
