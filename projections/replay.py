"""From a negotiation's stored events to the facts a fold should see.

DESIGN: collect the events known at `known_at`, apply corrections to their targets, drop
(or flag) retracted ones, order by (occurred_from, position), keep occurred_from <= as_of.
Every read model, stored or time-travelled, goes through here, so "now" and "then" agree."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from domain.valid_time import parse_valid_time

CORRECTION_TYPES = ("record.corrected", "record.retracted")


@lru_cache(maxsize=4096)  # recorded times are shared by a request's events; days repeat
def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def known(events: Iterable[dict[str, Any]], known_at: datetime | None) -> list[dict[str, Any]]:
    if known_at is None:
        return list(events)
    return [e for e in events if utc(e["recorded_at"]) <= known_at]


def corrected(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every fact with its corrections applied, `retracted` set, and the ids of the
    corrections and retraction that touched it in `corrected_by`. Corrections themselves are
    not facts and are left out."""
    facts: dict[str, dict[str, Any]] = {}
    for event in sorted(events, key=lambda e: e["position"]):
        if event["type"] not in CORRECTION_TYPES:
            facts[event["event_id"]] = {**event, "retracted": False, "corrected_by": []}
            continue
        target = facts.get(event["target_event_id"])
        if target is None:
            continue
        target["corrected_by"] = [*target["corrected_by"], event["event_id"]]
        if event["type"] == "record.retracted":
            target["retracted"] = True
            continue
        changes = event["changes"]
        updated = {**target, **changes}
        if "occurred_at" in changes:
            updated.update(parse_valid_time(changes["occurred_at"]).as_fields())
        facts[target["event_id"]] = updated
    return list(facts.values())


def in_valid_time_order(facts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(facts, key=lambda e: (utc(e["occurred_from"]), e["position"]))


def replay_input(events: Iterable[dict[str, Any]], *, as_of: datetime | None = None,
                 known_at: datetime | None = None) -> list[dict[str, Any]]:
    """The live facts a fold consumes, in the order it must consume them."""
    facts = [f for f in corrected(known(events, known_at)) if not f["retracted"]]
    if as_of is not None:
        facts = [f for f in facts if utc(f["occurred_from"]) <= as_of]
    return in_valid_time_order(facts)
