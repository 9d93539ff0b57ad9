"""Records for the export tests, built without a database: the demo negotiation stamped as a
log would store it (fixed recorded times, so its exports can be compared with golden files),
and a reference reading of any list of stored events through the same pure parts the service
reads through."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.valid_time import parse_valid_time

from projections.entities import states, view
from projections.export.record import Record
from projections.export.selection import facts_at, known, stored_at
from projections.negotiation import summarize
from projections.replay import corrections_by_target

DEMO = Path(__file__).parents[1] / "api" / "demo" / "istanbul-2025.jsonl"
DEMO_ID = "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10"


def demo_events() -> list[dict[str, Any]]:
    """The demo as stored: positions 1..31, recorded one second apart from 11 April 2025."""
    events = []
    for i, line in enumerate(DEMO.read_text(encoding="utf-8").splitlines(), start=1):
        event = json.loads(line)
        event.update(parse_valid_time(event["occurred_at"]).as_fields())
        event.update(version=i, position=i, recorded_at=f"2025-04-11T09:00:{i:02d}Z", recorded_by="demo")
        events.append(event)
    return events


def reference_record(events: list[dict[str, Any]], *, as_of: datetime | None = None,
                     known_at: datetime | None = None) -> Record:
    """What read_record must give for these stored events (one negotiation's)."""
    seen = list(known(events, known_at))
    corrections = corrections_by_target(seen)
    negotiation = summarize(events[0]["negotiation_id"], events, as_of=as_of, known_at=known_at)
    rounds = states("round", events, as_of=as_of, known_at=known_at)
    return Record.of(negotiation, events=stored_at(seen, corrections, as_of), facts=facts_at(seen, corrections, as_of),
                     rounds=[view("round", rounds[k]) for k in sorted(rounds)], as_of=as_of, known_at=known_at,
                     recorded_until=max(e["recorded_at"] for e in seen))
