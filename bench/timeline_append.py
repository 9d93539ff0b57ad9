"""What the timeline index costs a plain append (issue 15: "nothing here may slow a plain append
by more than 10 %"): single-statement appends and batches of 500 through the application, in
one log, alternately with the timeline index's hook registered and without it, `--rounds`
times; medians, and the ratio.

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
            every = list(services.log.hooks)
            without = [h for h in every if not is_timeline_hook(h)]
            assert len(without) == len(every) - 1, "the service registers the timeline index's hook"
            found: dict[str, dict[bool, list[float]]] = {"single": {True: [], False: []},
                                                          "batch": {True: [], False: []}}
            n = args.events + 1
            for _ in range(args.rounds):
                for indexed in (False, True):
                    services.log.hooks = every if indexed else without
                    found["single"][indexed].append(singles(services, nid, n, args.appends))
                    n += args.appends
                    found["batch"][indexed].append(batches(services, nid, n, 2))
                    n += 2 * BATCH
            services.log.hooks = every
        finally:
            services.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"bench/timeline_append.py on {date.today()}: --events {args.events} --rounds {args.rounds} "
          f"--appends {args.appends}")
    print(f"{'append (median per event)':34} {'without':>10} {'with index':>11}  ratio  target")
    for what, label in (("single", "single-event append"), ("batch", "batch of 500, per event")):
        off, on = statistics.median(found[what][False]), statistics.median(found[what][True])
        ratio = on / off
        print(f"{label:34} {off:8.1f} us {on:8.1f} us {ratio:6.3f}  <= 1.10 {'OK' if ratio <= 1.10 else 'MISSED'}")


if __name__ == "__main__":
    main()
