"""What the workspace filter costs a token limited to one workspace (issue 13): its reads
against the same reads of an unlimited token, timed server-side through the viewer's reads
(projections.reading, as the routes answer), median of `--requests` calls.

    python bench/workspace_reads.py [--events 100000] [--requests 20]

One log holds a negotiation of 1,000 statements in `alpha` and `--events` statements in
`beta`, recorded interleaved in batches of 500 (`NL_BENCH_KEEP=1` keeps the database and prints where) (so alpha's events are spread thin over the
global log, the hard case for its feed pages). Printed per read: unlimited, limited, ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.principals import Principal
from projections.log_query import LogFilter
from statements import BATCH, OPENING, append_statements

SMALL = 1_000
KEEP = bool(__import__("os").environ.get("NL_BENCH_KEEP"))


def _open(services: Services, workspace: str) -> str:
    return services.log.append(AppendRequest(principal="bench", events=[{**OPENING, "workspace": workspace}])
                               ).negotiation_id


def _median_ms(call: Callable[[], Any], requests: int) -> float:
    call()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nl-workspaces-"))
    services = Services.open(Settings(db=str(folder / "log.db"), signing_key=folder / "key.ed25519"))
    try:
        started = time.perf_counter()
        alpha, beta = _open(services, "alpha"), _open(services, "beta")
        share = max(1, args.events // SMALL)  # beta batches per alpha batch
        done_alpha = done_beta = 0
        while done_alpha < SMALL or done_beta < args.events:
            if done_alpha < SMALL:
                append_statements(services.log, alpha, done_alpha, min(BATCH, SMALL - done_alpha))
                done_alpha += BATCH
            for _ in range(share * BATCH // BATCH):
                if done_beta < args.events:
                    append_statements(services.log, beta, done_beta, min(BATCH, args.events - done_beta))
                    done_beta += BATCH
        print(f"filled {SMALL + args.events:,} events in {time.perf_counter() - started:.1f} s")
        everyone = services.reading.as_seen_by(Principal("all", "reader"))
        limited = services.reading.as_seen_by(Principal("alpha", "reader", frozenset({"alpha"})))
        middle = services.queries.head() // 2
        reads: dict[str, Callable[[Any], Any]] = {
            "feed, first page of 100": lambda r: r.feed_page(LogFilter(), 0, 100),
            "feed, a page from the middle": lambda r: r.feed_page(LogFilter(), middle, 100),
            "negotiation list": lambda r: r.negotiations(0, 100),
            "one negotiation's state": lambda r: r.negotiation(alpha),
            "one stored statement with its corrections":
                lambda r: r.event_with_corrections(r.feed_page(LogFilter(negotiation_id=alpha), 1, 1).items[0][
                    "event_id"]),
        }
        print(f"bench/workspace_reads.py on {date.today()}: --events {args.events} --requests {args.requests}")
        print(f"{'read':45} {'unlimited':>10} {'limited':>10} {'ratio':>6}")
        for name, read in reads.items():
            free = _median_ms(lambda: read(everyone), args.requests)
            scoped = _median_ms(lambda: read(limited), args.requests)
            print(f"{name:45} {free:8.2f}ms {scoped:8.2f}ms {scoped / free:6.2f}")
    finally:
        services.close()
        if not KEEP:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(folder)


if __name__ == "__main__":
    main()
