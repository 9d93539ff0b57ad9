"""Verifiable-log benchmark (issue 11): inclusion and consistency proofs at 1,000 events and at
1,000,000, and `verify` of the whole log.

Proofs are timed server-side, as the service answers them (`LogProofs`, reading the event,
its salts and the O(log n) tree nodes from the database), median of `--requests` random
events; `verify` recomputes every leaf from the stored values and salts and every tree node.

    python bench/proofs.py [--events 1000000] [--requests 300] [--cache DIR]

Targets: a proof at the big size <= 2 ms and <= 3 x its cost at 1,000 events; verify
>= 100,000 events/s. Filling a million events takes minutes: `--cache DIR` keeps the filled
databases there and reuses them.
"""

from __future__ import annotations

import argparse
import random
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
from domain.log_audit import verify_log
from statements import append_statements, open_negotiation

PER_NEGOTIATION = 20_000


def fill(db: str, events: int) -> None:
    services = Services.open(Settings(db=db))
    try:
        stored, started = 0, time.monotonic()
        while stored < events:
            nid = open_negotiation(services.log)
            count = min(PER_NEGOTIATION, events - stored - 1)
            append_statements(services.log, nid, stored + 1, count)
            stored += 1 + count
            print(f"  filled {stored:,} of {events:,} events ({stored / (time.monotonic() - started):,.0f}/s)",
                  flush=True)
    finally:
        services.close()


def database(events: int, cache: Path | None, scratch: Path) -> str:
    name = f"proofs-{events}.db"
    if cache is not None and (cache / name).exists():
        return str(cache / name)
    db = str((cache or scratch) / name)
    print(f"filling {db} with {events:,} events")
    fill(db, events)
    return db


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def proof_costs(db: str, requests: int) -> tuple[float, float, int]:
    services = Services.open(Settings(db=db))
    try:
        size = services.proofs.size()
        picks = random.Random(11).sample(range(size), min(requests, size))
        ids = [services.log.event_log.at_log_index(i)["event_id"] for i in picks]  # type: ignore[index]
        queue = iter(ids)
        inclusion = median_ms(lambda: services.proofs.inclusion(next(queue), size), len(ids))
        firsts = iter(random.Random(12).sample(range(1, size), min(requests, size - 1)))
        consistency = median_ms(lambda: services.proofs.consistency(next(firsts), size), min(requests, size - 1))
        return inclusion, consistency, size
    finally:
        services.close()


def verify_rate(db: str) -> tuple[float, int]:
    services = Services.open(Settings(db=db))
    try:
        started = time.perf_counter()
        result = verify_log(services.log.event_log, url=db)
        elapsed = time.perf_counter() - started
        assert result["ok"], result
        return result["checked"] / elapsed, result["checked"]
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="nl-proofs-"))
    try:
        small, big = database(1000, args.cache, scratch), database(args.events, args.cache, scratch)
        small_inc, small_con, small_size = proof_costs(small, args.requests)
        big_inc, big_con, big_size = proof_costs(big, args.requests)
        rate, checked = verify_rate(big)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"bench/proofs.py on {date.today()}: --events {args.events} --requests {args.requests}")
    print(f"{'what':<52}{'at ' + format(small_size, ','):>14}{'at ' + format(big_size, ','):>16}"
          f"{'ratio':>8}  target")
    for what, a, b in (("inclusion proof (median, server-side)", small_inc, big_inc),
                       ("consistency proof (median, server-side)", small_con, big_con)):
        ok = b <= 2 and b / a <= 3
        print(f"{what:<52}{a:>11.3f} ms{b:>13.3f} ms{b / a:>8.2f}  <= 2 ms and <= 3x {'OK' if ok else 'MISSED'}")
    print(f"{'verify of the whole log':<52}{'':>14}{rate:>12,.0f} ev/s{'':>8}  >= 100,000 ev/s "
          f"{'OK' if rate >= 100_000 else 'MISSED'} ({checked:,} events)")


if __name__ == "__main__":
    main()
