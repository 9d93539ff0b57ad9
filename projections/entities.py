"""The entity read models side by side: which entities an event touches, and the state of one
entity, or of every entity of a kind, from a negotiation's stored events at a point on both
time axes. Pure: the events come in, states go out.

An event may touch several entities (`dispute.discussed` touches its dispute and its round). A
correction or retraction touches whatever its target touches; the caller that indexes events
resolves that, since the target is not in the event itself."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import ModuleType
from typing import Any

from projections import commitments, disputes, proposals, rounds
from projections.date_flags import date_flags
from projections.negotiation import STATUS_BY_TYPE as NEGOTIATION_STATUS
from projections.replay import CORRECTION_TYPES, known, replay_input, utc

FOLDS: dict[str, ModuleType] = {m.KIND: m for m in (rounds, disputes, proposals, commitments)}
KINDS = tuple(FOLDS)
# The events the negotiation's own fields (title, status, participants) come from; its counts
# cover every event and are kept apart (see projections.store.refresh).
NEGOTIATION_TYPES = frozenset({*NEGOTIATION_STATUS, "participant.joined", "participant.left"})


# Each fold's keys() names entities only for the event types in its TYPES: asking just those
# folds halves the cost of indexing an event (a rebuild indexes every one).
_FOLDS_BY_TYPE: dict[str, list[tuple[str, ModuleType]]] = {}
for _kind, _fold in FOLDS.items():
    for _type in _fold.TYPES:
        _FOLDS_BY_TYPE.setdefault(_type, []).append((_kind, _fold))


def touches(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, key) of every entity a fact is about; `negotiation` for the negotiation's own."""
    found = [(kind, key) for kind, fold in _FOLDS_BY_TYPE.get(event["type"], ()) for key in fold.keys(event)]
    if event["type"] in NEGOTIATION_TYPES:
        found.append(("negotiation", event["negotiation_id"]))
    return found


def is_correction(event: dict[str, Any]) -> bool:
    return event["type"] in CORRECTION_TYPES


def fold(kind: str, key: str, facts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    module = FOLDS[kind]
    state = module.initial(key)
    for fact in facts:
        state = module.apply(state, fact)
    return state


def states(kind: str, events: Iterable[dict[str, Any]], *, as_of: datetime | None = None,
           known_at: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Every entity of `kind` that existed at the point, by key, as internal fold states
    (`_since` included) so callers can order them; `events` may hold anything of the
    negotiation, unrelated events are skipped."""
    module = FOLDS[kind]
    found: dict[str, dict[str, Any]] = {}
    for fact in replay_input(events, as_of=as_of, known_at=known_at):
        for key in module.keys(fact):
            found[key] = module.apply(found.get(key) or module.initial(key), fact)
    return {key: state for key, state in found.items() if module.exists(state)}


def view(kind: str, state: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = FOLDS[kind].view(state)
    flags = date_flags(kind, shown)
    return {**shown, **flags} if flags else shown


def since(state: dict[str, Any]) -> datetime:
    """When the entity came into being in valid time: lists are ordered by it."""
    return utc(state["_since"])


def last_position(events: Iterable[dict[str, Any]], known_at: datetime | None = None) -> int:
    """The highest position among the events an answer was computed from (docs/api.md §2,
    `position`), whether or not they fell before `as_of`."""
    return max((e["position"] for e in known(events, known_at)), default=0)
