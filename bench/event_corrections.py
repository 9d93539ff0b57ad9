"""`GET /events/{event_id}` with its corrections (issue 15, "costs that stay flat as a
negotiation grows"): the event and the corrections and retractions that touched it, timed
server-side (the viewer's `event_with_corrections`, as the route answers), median of `--requests` calls,
for an event of a negotiation of 1,000 events and of one of `--events`.

    python bench/event_corrections.py [--events 50000] [--requests 30]

Each negotiation is filled in-process through the application, in batches of 500; the
timed event is its first statement, corrected twice and retracted near the end. Target: the
big negotiation's cost <= 3 x the small one's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from typing import Any

from api.services import Services
from domain.application import AppendRequest
from domain.principals import Principal
from statements import append_statements, open_negotiation, small_and_big

READER = Principal("bench", "reader")


def touching(target: str) -> list[dict[str, Any]]:
    return [{"type": "record.corrected", "occurred_at": "2025-06-01", "target_event_id": target,
             "changes": {"text": f"Statement corrected, take {n}."}, "reason": "A misquote."} for n in (1, 2)] + \
        [{"type": "record.retracted", "occurred_at": "2025-06-02", "target_event_id": target,
          "reason": "Never said."}]


def negotiation(services: Services, events: int) -> str:
    """A negotiation of `events` events; returns the id of its first statement."""
    nid = open_negotiation(services.log)
    extra = touching("")
    target = append_statements(services.log, nid, 1, events - 1 - len(extra))
    assert target is not None
    services.log.append(AppendRequest(principal="bench", negotiation_id=nid, batch=True, events=touching(target)))
    return target


def median_ms(services: Services, event_id: str, repeat: int) -> float:
    answer = services.reading.as_seen_by(READER).event_with_corrections(event_id)
    assert len(answer["corrections"]) == 3 and answer["retracted"], answer
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        services.reading.as_seen_by(READER).event_with_corrections(event_id)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with small_and_big("nl-corrections-", args.events, negotiation) as (services, small, big):
        small_ms, big_ms = median_ms(services, small, args.requests), median_ms(services, big, args.requests)
    ratio = big_ms / small_ms
    print(f"bench/event_corrections.py on {date.today()}: --events {args.events} --requests {args.requests}")
    print(f"event with its corrections (median, server-side): {small_ms:.3f} ms at 1,000 events, "
          f"{big_ms:.3f} ms at {args.events:,}; ratio {ratio:.2f}  target <= 3 {'OK' if ratio <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
