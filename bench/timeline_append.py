"""What the timeline index costs a plain append (issue 15: "nothing here may slow a plain append
by more than 10 %"): single-statement appends and batches of 500 through the application, in
one log, alternately with the timeline index's hook registered and without it, `--rounds`
times; medians, and the ratio. On a shared machine the fsync of each single-event append
varies more than the index costs, so it also prints the hook's own share of the appends' time
(the time spent in its after_insert, measured around it, over the appends with it).

    python bench/timeline_append.py [--events 20000] [--rounds 5] [--appends 300]

The negotiation first gets `--events` statements, so the appends land in a long one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from projections.timeline_index import TimelineIndex
from statements import BATCH, append_statements, open_negotiation, statement


def is_timeline_hook(hook: object) -> bool:
    return isinstance(getattr(hook, "hook", hook), TimelineIndex)


class Timed:
    """The timeline index's hook, with the time spent in it added up."""

    def __init__(self, hook: object) -> None:
        self.hook, self.seconds = hook, 0.0

    def after_insert(self, *args: object) -> None:
        started = time.perf_counter()
        self.hook.after_insert(*args)  # type: ignore[attr-defined]
        self.seconds += time.perf_counter() - started

    def __getattr__(self, name: str) -> object:
        return getattr(self.hook, name)


def singles(services: Services, nid: str, first: int, count: int) -> float:
    """Microseconds per single-event append."""
    started = time.perf_counter()
    for n in range(first, first + count):
        services.log.append(AppendRequest(principal="bench", negotiation_id=nid, events=[statement(n)]))
    return (time.perf_counter() - started) / count * 1e6


def batches(services: Services, nid: str, first: int, count: int) -> float:
    """Microseconds per event, in batches of 500."""
    started = time.perf_counter()
    append_statements(services.log, nid, first, count * BATCH)
    return (time.perf_counter() - started) / (count * BATCH) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--appends", type=int, default=300, help="single-event appends per round and side")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="nl-timeline-append-"))
    try:
        services = Services.open(Settings(db=str(scratch / "log.db"), signing_key=scratch / "signing.ed25519"))
        try:
            nid = open_negotiation(services.log)
            append_statements(services.log, nid, 1, args.events)
            timed: dict[str, Timed] = {}
            every = [timed.setdefault("hook", Timed(h)) if is_timeline_hook(h) else h for h in services.log.hooks]
            without = [h for h in every if not isinstance(h, Timed)]
            assert len(without) == len(every) - 1, "the service registers the timeline index's hook"
            found: dict[str, dict[bool, list[float]]] = {"single": {True: [], False: []},
                                                          "batch": {True: [], False: []}}
            shares: dict[str, list[float]] = {"single": [], "batch": []}
            n = args.events + 1
            for round_ in range(args.rounds):
                for indexed in ((False, True) if round_ % 2 == 0 else (True, False)):  # neither side always first
                    services.log.hooks = every if indexed else without
                    before = timed["hook"].seconds
                    found["single"][indexed].append(singles(services, nid, n, args.appends))
                    if indexed:
                        shares["single"].append((timed["hook"].seconds - before) * 1e6 / args.appends)
                    n += args.appends
                    before = timed["hook"].seconds
                    found["batch"][indexed].append(batches(services, nid, n, 2))
                    if indexed:
                        shares["batch"].append((timed["hook"].seconds - before) * 1e6 / (2 * BATCH))
                    n += 2 * BATCH
            services.log.hooks = every
        finally:
            services.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"bench/timeline_append.py on {date.today()}: --events {args.events} --rounds {args.rounds} "
          f"--appends {args.appends}")
    print(f"{'append (median per event)':34} {'without':>10} {'with index':>11}  ratio  target  "
          "in the hook (share)")
    for what, label in (("single", "single-event append"), ("batch", "batch of 500, per event")):
        off, on = statistics.median(found[what][False]), statistics.median(found[what][True])
        ratio, spent = on / off, statistics.median(shares[what])
        print(f"{label:34} {off:8.1f} us {on:8.1f} us {ratio:6.3f}  <= 1.10 {'OK' if ratio <= 1.10 else 'MISSED'}"
              f"  {spent:6.1f} us ({spent / on:.1%})")


if __name__ == "__main__":
    main()
