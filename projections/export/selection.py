"""Which stored events and facts an export of one negotiation holds at a point on both time
axes, one event at a time: the stream is read in pages and never held whole. The corrections
and retractions are collected first (they are few, and found through the index), so each fact
can be read as corrected the moment it comes. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from projections.entities import is_correction
from projections.replay import as_corrected, live_facts, utc

Corrections = Mapping[str, Sequence[dict[str, Any]]]  # by target event id, in position order

# The chain's hashes certify the event as stored; a corrected fact is no longer that (as in
# projections.timeline). The stored form, with them, is the jsonl export.
_NOT_OF_A_FACT = ("hash", "prev_hash", "retracted")


def known(events: Iterable[dict[str, Any]], known_at: datetime | None) -> Iterator[dict[str, Any]]:
    """The events recorded by `known_at`."""
    if known_at is None:
        yield from events
        return
    for event in events:
        if utc(event["recorded_at"]) <= known_at:
            yield event


def stored_at(events: Iterable[dict[str, Any]], corrections: Corrections,
              as_of: datetime | None) -> Iterator[dict[str, Any]]:
    """The stored events, as stored, of the facts begun by `as_of` (their time as corrected),
    each followed in the log by the corrections and retraction that target it: a record that
    `negotiation-log import` takes back, retracted facts and all."""
    if as_of is None:
        yield from events
        return
    kept: set[str] = set()  # only facts that have corrections: as few as they are
    for event in events:
        if is_correction(event):
            if event["target_event_id"] in kept:
                yield event
            continue
        event_id = event["event_id"]
        if utc(as_corrected(event, corrections.get(event_id, ()))["occurred_from"]) <= as_of:
            if event_id in corrections:
                kept.add(event_id)
            yield event


def facts_at(events: Iterable[dict[str, Any]], corrections: Corrections,
             as_of: datetime | None) -> Iterator[dict[str, Any]]:
    """The live facts: corrections applied, retracted facts left out, begun by `as_of`."""
    for fact in live_facts(events, corrections, as_of=as_of):
        for name in _NOT_OF_A_FACT:  # a copy of its own (as_corrected made it): safe to change
            fact.pop(name, None)
        yield fact
