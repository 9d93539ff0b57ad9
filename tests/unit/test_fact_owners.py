"""What a cached negotiation keeps per event: every live fact's entity, in flat arrays, and
kept facts (membership, endings) in columns. Retracting or correcting a fact the rules only
count must still move its entity exactly as before."""

from __future__ import annotations

import tracemalloc
import uuid
from typing import Any

from domain.fact_owners import FactOwners
from domain.knowledge import Knowledge
from tests.unit.test_negotiation_rules import opened, record, refused


def test_owners_find_canonical_and_other_ids_and_forget_them() -> None:
    owners = FactOwners()
    ids = [str(uuid.uuid4()) for _ in range(50)]
    for i, event_id in enumerate(ids):
        owners.add(event_id, i % 5)
    owners.add("imported-1", 10)
    owners.add(ids[3].upper(), 11)  # another id, though the same UUID
    owners.add("00000000-0000-0000-0000-000000000000", 12)  # the UUID whose halves are those of a text id
    assert owners.get(ids[7]) == 2
    assert owners.get("imported-1") == 10
    assert owners.get(ids[3].upper()) == 11 and owners.get(ids[3]) == 3
    assert owners.get("00000000-0000-0000-0000-000000000000") == 12
    assert owners.pop(ids[7]) == 2
    assert owners.get(ids[7]) is None and owners.pop(ids[7]) is None
    assert owners.get(str(uuid.uuid4())) is None


def test_an_entity_lives_while_any_of_its_facts_does() -> None:
    n = opened()
    raised = record(n, {"type": "dispute.raised", "occurred_at": "2025-03-01", "dispute_id": "d", "title": "D"})

    def position(day: str) -> dict[str, Any]:  # a fact about "d" the rules only count
        return {"type": "dispute.deferred", "occurred_at": f"2025-03-{day}", "dispute_id": "d"}

    def retract(fact: dict[str, Any]) -> None:
        record(n, {"type": "record.retracted", "occurred_at": "2025-03-20", "target_event_id": fact["event_id"],
                   "reason": "wrong"}, target=fact)

    stated = record(n, position("02"))
    retract(raised)
    later = record(n, position("03"))  # the deferral still makes the dispute exist
    # A correction of the last live fact is checked without it: then nothing makes "d" exist.
    assert n.knowledge.exists(("dispute", "d"), exclude=stated["event_id"])
    retract(stated)
    assert not n.knowledge.exists(("dispute", "d"), exclude=later["event_id"])
    retract(later)
    refused(n, position("04"), "entity-known")


def bytes_learning(k: Knowledge, records: list[dict[str, Any]], first_version: int) -> int:
    """How much more memory the knowledge holds once it has learned `records` (tracemalloc)."""
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for version, r in enumerate(records, start=first_version):
        k.learn(r, version)
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    tracemalloc.stop()
    return grown


def test_a_fact_the_rules_only_count_costs_a_few_dozen_bytes() -> None:
    k = Knowledge()
    k.learn({"event_id": str(uuid.uuid4()), "type": "dispute.raised", "occurred_at": "2025-03-01",
             "dispute_id": "d", "title": "D"}, 1)
    records = [{"event_id": str(uuid.uuid4()), "type": "dispute.deferred", "occurred_at": "2025-03-02",
                "dispute_id": "d"} for _ in range(20_000)]
    grown = bytes_learning(k, records, first_version=2)
    assert grown / len(records) < 64, f"{grown / len(records):.0f} bytes per fact"
    assert k.entities.live(k.entities.number(("dispute", "d"))) == len(records) + 1  # type: ignore[arg-type]
    assert k.exists(("dispute", "d"), exclude=records[7]["event_id"])


def test_an_ending_and_its_entity_cost_a_few_dozen_bytes_each() -> None:
    """A round scheduled then concluded, many times over: one entity and one kept fact each,
    the bulk of what a long negotiation's cached knowledge holds."""
    k = Knowledge()
    rounds = [(f"r{i:05d}", str(uuid.uuid4()), str(uuid.uuid4())) for i in range(5_000)]
    records = [r for key, scheduled, concluded in rounds for r in (
        {"event_id": scheduled, "type": "round.scheduled", "occurred_at": "2025-03-01", "round_id": key},
        {"event_id": concluded, "type": "round.concluded", "occurred_at": "2025-03-02", "round_id": key})]
    grown = bytes_learning(k, records, first_version=1)
    # The keys themselves (about 54 bytes each) are the records': held, not made here.
    assert grown / len(rounds) < 200, f"{grown / len(rounds):.0f} bytes per round and its ending"
    [ending] = k.history(("round", "r00042"))
    assert (ending.event_id, ending.type, ending.version) == (rounds[42][2], "round.concluded", 86)
    assert ending.start.isoformat() == "2025-03-02T00:00:00+00:00"
