"""The timeline and `changes` (issue 15, "costs that stay flat as a negotiation grows"): a page
of the timeline, a page of ten from a point in its middle, a page behind a cursor deep in it,
and the changes over one month, timed server-side (ReadModels, as the routes answer), median
of `--requests` calls, for a negotiation of 1,000 events and one of `--events`, in one log.

    python bench/timeline_changes.py [--events 200000] [--requests 20]

Both negotiations have the same density in valid time (one event every 30 minutes, a round
every 50 events, a correction moving a statement's time and a retraction every 500), so one
month holds the same number of facts in each: what grows is only the history around it.
Target: the big negotiation's cost <= 3 x the small one's, page reads <= 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from api.services import Services
from domain.application import AppendRequest
from projections.store.queries import ReadModels
from projections.timeline import TimelineFilter
from statements import BATCH, open_negotiation, small_and_big

START = datetime(2025, 1, 2, tzinfo=timezone.utc)
STEP = timedelta(minutes=30)


def at(n: int) -> str:
    return (START + n * STEP).strftime("%Y-%m-%dT%H:%M:%SZ")


def event(n: int, last_statement: str | None) -> dict[str, Any]:
    """The n-th event after the opening: mostly statements, a round every 50, and every 500th a
    correction moving the last statement's time (to `at(n)`) or a retraction of it."""
    if n % 50 == 0:
        return {"type": "round.scheduled", "occurred_at": at(n), "round_id": f"r{n // 50}"}
    if n % 50 == 1:
        return {"type": "round.started", "occurred_at": at(n), "round_id": f"r{n // 50}"}
    if n % 500 == 2 and last_statement:
        return {"type": "record.corrected", "occurred_at": at(n), "target_event_id": last_statement,
                "changes": {"occurred_at": at(n)}, "reason": "misdated"}
    if n % 500 == 252 and last_statement:
        return {"type": "record.retracted", "occurred_at": at(n), "target_event_id": last_statement,
                "reason": "never said"}
    return {"type": "statement.issued", "occurred_at": at(n), "text": f"Statement {n}.",
            "speaker": {"name": "Spokesperson", "participant_id": ("ru", "us")[n % 2]}}


def negotiation(services: Services, events: int) -> str:
    nid = open_negotiation(services.log)
    last: str | None = None
    n = 1
    while n < events:
        batch: list[dict[str, Any]] = []
        # A correction's target must be stored before it: a batch ends before each one.
        while n < events and len(batch) < BATCH:
            batch.append(event(n, last))
            n += 1
            if n % 500 in (2, 252):
                break
        stored = services.log.append(AppendRequest(principal="bench", negotiation_id=nid, batch=True,
                                                   events=batch)).events
        statements = [e for e in stored if e["type"] == "statement.issued"]
        last = statements[-1]["event_id"] if statements else last
    return nid


def median_ms(call: Callable[[], Any], repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def requests(models: ReadModels, nid: str, events: int) -> dict[str, Callable[[], Any]]:
    middle = START + (events // 2) * STEP
    deep = models.timeline(nid, TimelineFilter(start=middle), limit=1)["next_cursor"]
    month = (START + (events // 2) * STEP - timedelta(days=30), START + (events // 2) * STEP)
    if events < 2000:  # the small one spans three weeks: its month is all of it
        month = (START - timedelta(days=1), START + events * STEP)
    return {
        "timeline, first page of 100": lambda: models.timeline(nid, TimelineFilter(), limit=100),
        "timeline from the middle, limit 10": lambda: models.timeline(nid, TimelineFilter(start=middle), limit=10),
        "timeline behind a deep cursor, limit 100": lambda: models.timeline(nid, TimelineFilter(), limit=100,
                                                                            cursor=deep),
        "timeline type=round, limit 100": lambda: models.timeline(nid, TimelineFilter(types=frozenset({"round"})),
                                                                  limit=100),
        "changes over a month": lambda: models.changes(nid, start=month[0], end=month[1], known_at=None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    with small_and_big("nl-timeline-", args.events, negotiation) as (services, small, big):
        models = ReadModels(services.log)
        small_calls, big_calls = requests(models, small, 1000), requests(models, big, args.events)
        print(f"bench/timeline_changes.py on {date.today()}: --events {args.events} --requests {args.requests}")
        print(f"{'request (median, server-side)':45} {'1,000':>10} {args.events:>10,}  ratio  target")
        for name, call in small_calls.items():
            small_ms, big_ms = median_ms(call, args.requests), median_ms(big_calls[name], args.requests)
            ratio = big_ms / small_ms
            ok = ratio <= 3 and big_ms <= 50
            print(f"{name:45} {small_ms:8.2f} ms {big_ms:8.2f} ms {ratio:6.2f}  <= 3, <= 50 ms "
                  f"{'OK' if ok else 'MISSED'}", flush=True)

if __name__ == "__main__":
    main()
