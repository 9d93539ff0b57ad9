"""From a negotiation's stored events to the facts a fold should see.

How: collect the events known at `known_at`, apply corrections to their targets, drop
(or flag) retracted ones, order by (occurred_from, position), keep occurred_from <= as_of.
Every read model, stored or time-travelled, goes through here, so "now" and "then" agree."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from domain.valid_time import DERIVED_FIELDS, parse_valid_time

# Events about other events rather than facts: a correction, a retraction, an erasure (which
# changed its target where it is stored, so there is nothing to apply in a replay).
CORRECTION_TYPES = ("record.corrected", "record.retracted", "record.erased")


@lru_cache(maxsize=4096)  # recorded times are shared by a request's events; days repeat
def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def known(events: Iterable[dict[str, Any]], known_at: datetime | None) -> list[dict[str, Any]]:
    if known_at is None:
        return list(events)
    return [e for e in events if utc(e["recorded_at"]) <= known_at]


def corrections_by_target(events: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The corrections and retractions among `events`, by the id of their target, each list in
    position order (the order in which they apply)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event["type"] in CORRECTION_TYPES:
            found.setdefault(event["target_event_id"], []).append(event)
    for corrections in found.values():
        corrections.sort(key=lambda e: e["position"])
    return found


def as_corrected(event: dict[str, Any], corrections: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One fact as it now reads: its corrections laid over it in order, `retracted` set, and the
    ids of the corrections and retraction that touched it in `corrected_by`."""
    fact = {**event, "retracted": False, "corrected_by": [c["event_id"] for c in corrections]}
    for correction in corrections:
        if correction["type"] == "record.retracted":
            fact["retracted"] = True
            continue
        changes = correction.get("changes") or {}  # a correction's changes may have been erased
        fact.update(changes)
        if "occurred_at" in changes:
            for name in DERIVED_FIELDS:  # a flag of the old time must not outlive it
                fact.pop(name, None)
            fact.update(parse_valid_time(changes["occurred_at"]).as_fields())
    return fact


def corrected(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every fact with its corrections applied (see as_corrected), in position order.
    Corrections themselves are not facts and are left out."""
    ordered = sorted(events, key=lambda e: e["position"])
    by_target = corrections_by_target(ordered)
    return [as_corrected(e, by_target.get(e["event_id"], ())) for e in ordered if e["type"] not in CORRECTION_TYPES]


def live_facts(events: Iterable[dict[str, Any]], corrections: Mapping[str, Sequence[dict[str, Any]]], *,
               as_of: datetime | None = None) -> Iterator[dict[str, Any]]:
    """The facts among `events` that are live (not retracted) once `corrections` (by target,
    as corrections_by_target gives them) are applied, and begun by `as_of`; in the order the
    events come, one at a time, so a caller may stream a log of any length through it."""
    for event in events:
        if event["type"] in CORRECTION_TYPES:
            continue
        fact = as_corrected(event, corrections.get(event["event_id"], ()))
        if fact["retracted"] or (as_of is not None and utc(fact["occurred_from"]) > as_of):
            continue
        yield fact


def in_valid_time_order(facts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(facts, key=lambda e: (utc(e["occurred_from"]), e["position"]))


def replay_input(events: Iterable[dict[str, Any]], *, as_of: datetime | None = None,
                 known_at: datetime | None = None) -> list[dict[str, Any]]:
    """The live facts a fold consumes, in the order it must consume them."""
    seen = known(events, known_at)
    return in_valid_time_order(live_facts(seen, corrections_by_target(seen), as_of=as_of))
