"""The knowledge's journal takes back exactly what was learned since a mark, whatever it was:
kept facts, counted ones, corrections, retractions, membership changes."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from domain.knowledge import Knowledge
from tests.knowledge_state import state_of


snapshot = state_of


def random_record(rng: random.Random, ids: list[str]) -> dict[str, Any]:
    event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if rng.random() < 0.8 else f"imported-{len(ids)}"
    at = f"2025-03-{rng.randint(1, 28):02d}"
    kind = rng.choice(["statement.issued", "round.proposed", "round.cancelled", "participant.joined",
                       "participant.left", "record.corrected", "record.retracted"])
    record: dict[str, Any] = {"type": kind, "event_id": event_id, "occurred_at": at}
    if kind.startswith("round."):
        record["round_id"] = f"r{rng.randint(1, 3)}"
    elif kind == "participant.joined":
        record["participant"] = {"id": f"p{rng.randint(1, 3)}", "name": "P", "role": "observer"}
    elif kind == "participant.left":
        record["participant_id"] = f"p{rng.randint(1, 3)}"
    elif kind in ("record.corrected", "record.retracted") and ids:
        record["target_event_id"] = rng.choice(ids)
        if kind == "record.corrected":
            record["changes"] = rng.choice([{"occurred_at": at}, {"text": "x"},
                                            {"participant": {"id": "p1", "name": "Renamed", "role": "party"}}])
    else:
        record = {"type": "statement.issued", "event_id": event_id, "occurred_at": at}
    ids.append(event_id)
    return record


def opened() -> Knowledge:
    """The knowledge of a negotiation just opened (version 1), with one party."""
    k = Knowledge()
    k.learn({"type": "negotiation.opened", "event_id": str(uuid.uuid4()), "occurred_at": "2025-01",
             "participants": [{"id": "p1", "name": "One", "role": "party"}]}, 1)
    return k


@pytest.mark.parametrize("seed", range(30))
def test_undo_to_a_mark_restores_the_knowledge_as_it_was(seed: int) -> None:
    rng = random.Random(seed)
    k, ids = opened(), []
    version = 1
    for _ in range(rng.randint(0, 15)):  # learned before the journal: replayed from storage
        version += 1
        k.learn(random_record(rng, ids), version)
    k.keep_journal()
    start = snapshot(k)
    for _ in range(3):
        before, mark = snapshot(k), k.mark()
        for _ in range(rng.randint(1, 8)):
            version += 1
            k.learn(random_record(rng, ids), version)
        if rng.random() < 0.5:
            k.undo_to(mark)
            assert snapshot(k) == before
    k.undo_to(0)
    assert snapshot(k) == start
