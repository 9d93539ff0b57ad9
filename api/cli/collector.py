"""The cyclic garbage collector, set for a long-running server.

With CPython's default thresholds (700, 10, 10), batch appends to a negotiation of 100,000
events ran 74 full collections in 40 s, 4.4 s in all (bench/perf.py's batches, counted with
gc.callbacks): each walks every object the process holds, the cached negotiations' knowledge
among them, and a request's objects live until it is answered, so many outlive the young
generations and soon call for the next full collection. Almost all garbage here is freed by
reference counting the moment it is dropped; the collector only has cycles to find."""

from __future__ import annotations

import gc

# Allocations between two collections of the youngest generation, and collections of each
# generation between two of the next. With these, the same run spent 0.8 s collecting (one
# full collection) and appended 12 % more events a second; resident memory rose by 12 MB.
YOUNG = 10_000
OLDER = 20


def tune_for_serving() -> None:
    """Once the server is built, before it takes requests."""
    gc.collect()
    gc.freeze()  # what starting built (modules, the app, the services) is never garbage: never walked again
    gc.set_threshold(YOUNG, OLDER, OLDER)
