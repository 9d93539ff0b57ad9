"""How a long-running server keeps its memory: the cyclic garbage collector's thresholds, and
where the C allocator takes big blocks from.

The collector. With CPython's default thresholds (700, 10, 10), batch appends to a negotiation
of 100,000 events ran 74 full collections in 40 s, 4.4 s in all (bench/perf.py's batches,
counted with gc.callbacks): each walks every object the process holds, the cached
negotiations' knowledge among them, and a request's objects live until it is answered, so many
outlive the young generations and soon call for the next full collection. Almost all garbage
here is freed by reference counting the moment it is dropped; the collector only has cycles
to find.

The allocator. glibc serves a block bigger than its mmap threshold from a mapping of its own,
returned to the system when freed, but it raises that threshold to the size of every such
block freed: after the first big batch body or snapshot, blocks of megabytes come from the
heaps instead, and the holes they leave are kept. Fixed at glibc's own starting value, the
server's resident memory after 470,000 events of perf.py's batches was 164 MB rather than
186 MB, at the same speed."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

# Allocations between two collections of the youngest generation, and collections of each
# generation between two of the next. With these, the same run spent 0.8 s collecting (one
# full collection) and appended 12 % more events a second; resident memory rose by 12 MB.
YOUNG = 10_000
OLDER = 20
# glibc's M_MMAP_THRESHOLD (mallopt's parameter number) and its default value.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


def tune_for_serving() -> None:
    """Once the server is built, before it takes requests."""
    gc.collect()
    gc.freeze()  # what starting built (modules, the app, the services) is never garbage: never walked again
    gc.set_threshold(YOUNG, OLDER, OLDER)
    fix_mmap_threshold()


def fix_mmap_threshold() -> bool:
    """Whether the C library took it: glibc's mallopt returns 1; other C libraries may have
    no mallopt, or one that ignores it."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    mallopt = getattr(ctypes.CDLL(name), "mallopt", None)
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
