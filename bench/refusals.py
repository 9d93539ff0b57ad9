"""Refusals benchmark (issue 15): what the append right after a refused append costs, on one
negotiation of N events, against a plain append.

    python bench/refusals.py [--events 50000] [--repeat 20]

In-process through the application (as the service's writer calls it), SQLite. Three cases,
median of `--repeat` runs each, every run timing one plain single-event append after:

- nothing (the baseline: a plain append after a plain append);
- a refused append (409, a rule violation: a batch whose second event names an unknown round);
- an append with a wrong If-Match (409, version conflict).

Target: append-after-refusal / plain append <= 1.5 at any size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest, NegotiationLog
from domain.errors import RuleViolation, VersionConflict
from statements import append_statements, open_negotiation, statement

def fill(log: NegotiationLog, events: int) -> str:
    nid = open_negotiation(log)
    append_statements(log, nid, 1, events - 1, plain=True)
    return nid


def timed_append(log: NegotiationLog, nid: str, n: int) -> float:
    started = time.perf_counter()
    log.append(AppendRequest(principal="bench", negotiation_id=nid, events=[statement(n, plain=True)]))
    return (time.perf_counter() - started) * 1000


def refused_rule(log: NegotiationLog, nid: str, n: int) -> None:
    bad = {"type": "dispute.resolved", "occurred_at": "2025-03-01", "dispute_id": "no-such-dispute",
           "summary": "Refused: the dispute was never raised"}
    try:
        log.append(AppendRequest(principal="bench", negotiation_id=nid, batch=True, events=[statement(n, plain=True), bad]))
    except RuleViolation:
        return
    raise AssertionError("the batch was not refused")


def refused_if_match(log: NegotiationLog, nid: str, n: int) -> None:
    try:
        log.append(AppendRequest(principal="bench", negotiation_id=nid, events=[statement(n, plain=True)], expected_version=1))
    except VersionConflict:
        return
    raise AssertionError("the append was not refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        services = Services.open(Settings(db=str(Path(scratch) / "refusals.db")))
        try:
            log = services.log
            started = time.monotonic()
            nid = fill(log, args.events)
            print(f"{log.version(nid):,} events in one negotiation ({time.monotonic() - started:.1f} s to fill)")
            n = 10 * args.events
            plain, after = [], {"rule violation (409)": [], "wrong If-Match (409)": []}
            refusals = {"rule violation (409)": refused_rule, "wrong If-Match (409)": refused_if_match}
            timed_append(log, nid, n)  # warm: the stream is cached
            for _ in range(args.repeat):
                n += 1
                plain.append(timed_append(log, nid, n))
                for name, refuse in refusals.items():
                    n += 2
                    refuse(log, nid, n)
                    after[name].append(timed_append(log, nid, n + 1))
            base = statistics.median(plain)
            print(f"plain append: {base:.2f} ms (median of {args.repeat})")
            for name, times in after.items():
                median = statistics.median(times)
                print(f"append after a {name}: {median:.2f} ms, ratio {median / base:.2f} (target <= 1.5)")
        finally:
            services.close()


if __name__ == "__main__":
    main()
