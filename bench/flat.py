"""Flat costs benchmark (issue 15): what each request costs on a negotiation of 1,000 events
and on one of `--events` (default 1,000,000) in the same log, and what the negotiation list
costs with 10 negotiations and with 10,000.

    python bench/flat.py [--events 1000000] [--repeat 15] [--budget 5] [--cache DIR]

In-process, SQLite: every request goes through the FastAPI app (starlette's TestClient, so the
routing, validation, the writer and JSON encoding are all in it, the network is not), on a
database file with the service's default settings. Median of `--repeat` runs of each request,
fewer when `--budget` seconds are spent first (a request replaying a million events is run
once or twice). The rows:

- append: one `statement.issued`, after a plain append;
- append after a refused append: one append right after a 409 (a wrong If-Match; a batch
  naming an unknown dispute);
- first append after a restart: the services closed and opened again (untimed), then one append;
- `GET /timeline?limit=100`, `GET /timeline?from=...&limit=10` (from mid-year), `GET /changes`
  over one month, `GET /events/{id}` and `GET /events/{id}/proof` of random events of the
  negotiation;
- `GET /negotiations?limit=10` with 10 and with 10,000 negotiations, without axes, with
  `as_of`, with `as_of` and `known_at` (pages of 10 from both, so that the two pages hold as
  many negotiations: what grows is only the list behind the page), and with an `as_of` before
  every opening (the worst case: the whole list looked through for an empty page).

Targets: cost at the big size <= 3 x the cost at the small size; page reads (every GET)
<= 50 ms at the big size. Filling a million events takes minutes: `--cache DIR` keeps the
filled databases there and reuses them (the timed appends add a few dozen events each run).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from statements import OPENING, append_statements, open_negotiation, statement

SMALL = 1000
FEW, MANY = 10, 10_000
LIST_PAGE = 10  # a page of the same size from both lists: the list of 10 has no more to give
TARGET_RATIO, TARGET_PAGE_MS = 3.0, 50.0


# -- filling (cached) ---------------------------------------------------------------------

def fill_sizes(db: str, big: int) -> None:
    """A negotiation of SMALL events, then one of `big`, in one log."""
    services = Services.open(Settings(db=db))
    try:
        started = time.monotonic()
        for size in (SMALL, big):
            nid = open_negotiation(services.log)
            for first in range(1, size, 50_000):
                append_statements(services.log, nid, first, min(50_000, size - first))
                print(f"  {first + min(50_000, size - first):,} of {size:,} events "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        services.close()


def fill_negotiations(db: str, count: int) -> None:
    """`count` negotiations of an opening and one statement each, submitted together to the
    service's group commit (up to 256 appends a transaction), as concurrent clients would."""
    services = Services.open(Settings(db=db))
    try:
        for start in range(0, count, 1000):
            pending = [services.writer.submit(AppendRequest(principal="bench", batch=True,
                                                            events=[OPENING, statement(n)]))
                       for n in range(start, min(count, start + 1000))]
            for future in pending:
                future.result()
    finally:
        services.close()


def database(name: str, fill: Callable[[str], None], cache: Path | None, scratch: Path) -> str:
    if cache is not None and (cache / name).exists():
        return str(cache / name)
    db = str((cache or scratch) / name)
    print(f"filling {db}", flush=True)
    started = time.monotonic()
    fill(db)
    # The first checkpoint recomputes every leaf from its event (a minute at 200,000): signed
    # here, as a running service would have long since, so no timed proof pays for it.
    services = Services.open(Settings(db=db))
    try:
        services.signer.latest()
    finally:
        services.close()
    print(f"  filled and signed in {time.monotonic() - started:.0f} s", flush=True)
    return db


# -- timing ---------------------------------------------------------------------------------

def median_ms(action: Callable[[], Any], repeat: int, budget: float, setup: Callable[[], Any] = lambda: None) -> float:
    """The median of up to `repeat` runs of `action` (each after an untimed `setup`), stopping
    early once `budget` seconds of runs are spent. A first run warms the process's caches
    (the proof's tree, SQLite's pages) and is not counted, unless it alone spent the budget."""
    spent = time.monotonic()
    setup()
    started = time.perf_counter()
    action()
    times = [(time.perf_counter() - started) * 1000]
    if time.monotonic() - spent < budget:
        times, spent = [], time.monotonic()
    while len(times) < repeat and (not times or time.monotonic() - spent < budget):
        setup()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@contextmanager
def served(db: str) -> Iterator[tuple[TestClient, Services, dict[str, str]]]:
    settings = Settings(db=db, public_read=True)
    services = Services.open(settings)
    token = services.principals.create(f"bench-{random.randrange(10**9)}", "recorder")[1]
    try:
        with TestClient(create_app(settings, services)) as client:
            yield client, services, {"Authorization": f"Bearer {token}"}
    finally:
        services.close()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text[:300])
    return response


class Negotiation:
    """The requests of the table, on one negotiation of a served log."""

    def __init__(self, client: TestClient, services: Services, auth: dict[str, str], nid: str,
                 log_indexes: range) -> None:
        self.client, self.services, self.auth, self.nid = client, services, auth, nid
        picks = random.Random(15).sample(log_indexes, min(200, len(log_indexes)))
        self.event_ids = [services.log.event_log.at_log_index(i)["event_id"] for i in picks]  # type: ignore[index]
        self.n = 10_000_000

    def append(self) -> None:
        self.n += 1
        ok(self.client.post(f"/negotiations/{self.nid}/events", json=statement(self.n, plain=True),
                            headers=self.auth), 201)

    def refused_if_match(self) -> None:
        ok(self.client.post(f"/negotiations/{self.nid}/events", json=statement(0, plain=True),
                            headers={**self.auth, "If-Match": '"1"'}), 409)

    def refused_rule(self) -> None:
        bad = {"type": "dispute.resolved", "occurred_at": "2025-03-01", "dispute_id": "no-such-dispute",
               "summary": "Refused: the dispute was never raised"}
        ok(self.client.post(f"/negotiations/{self.nid}/events", json=[statement(0, plain=True), bad],
                            headers=self.auth), 409)

    def get(self, path: str, **params: Any) -> Callable[[], None]:
        return lambda: ok(self.client.get(f"/negotiations/{self.nid}{path}", params=params)) and None

    def event(self, suffix: str = "") -> Callable[[], None]:
        ids = iter(self.event_ids * 100)
        return lambda: ok(self.client.get(f"/events/{next(ids)}{suffix}")) and None


def first_append_after_restart(db: str, nid: str, restarts: int, budget: float) -> float:
    times: list[float] = []
    spent = time.monotonic()
    while len(times) < restarts and (not times or time.monotonic() - spent < budget):
        with served(db) as (client, services, auth):
            neg = Negotiation(client, services, auth, nid, range(0))
            started = time.perf_counter()
            neg.append()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def size_costs(db: str, repeat: int, budget: float) -> tuple[dict[str, float], dict[str, float], int]:
    """{row: ms} for the small and the big negotiation, and the big one's size."""
    with served(db) as (_, services, _):
        (small_id, _), (big_id, _) = services.log.event_log.negotiation_ids(0, 2)
        size = services.proofs.size()
    costs: dict[str, dict[str, float]] = {}
    for which, nid, indexes in (("small", small_id, range(0, SMALL)), ("big", big_id, range(SMALL, size))):
        print(f"timing the {which} negotiation", flush=True)
        out = costs[which] = {"first append after a restart": first_append_after_restart(db, nid, 3, budget)}
        with served(db) as (client, services, auth):
            neg = Negotiation(client, services, auth, nid, indexes)
            neg.append()
            out["append"] = median_ms(neg.append, repeat, budget)
            out["append after a refused append (If-Match)"] = median_ms(neg.append, repeat, budget,
                                                                         setup=neg.refused_if_match)
            out["append after a refused append (rule)"] = median_ms(neg.append, repeat, budget,
                                                                     setup=neg.refused_rule)
            out["GET /timeline?limit=100"] = median_ms(neg.get("/timeline", limit=100), repeat, budget)
            out["GET /timeline?from=2025-07-01&limit=10"] = median_ms(
                neg.get("/timeline", **{"from": "2025-07-01", "limit": 10}), repeat, budget)
            out["GET /changes?from=2025-03-01&to=2025-03-31"] = median_ms(
                neg.get("/changes", **{"from": "2025-03-01", "to": "2025-03-31"}), repeat, budget)
            out["GET /events/{id}"] = median_ms(neg.event(), repeat, budget)
            out["GET /events/{id}/proof"] = median_ms(neg.event("/proof"), repeat, budget)
    return costs["small"], costs["big"], size - SMALL


def list_costs(db: str, repeat: int, budget: float) -> dict[str, float]:
    out: dict[str, float] = {}
    # known_at a minute from now: every negotiation known, but the known_at path taken.
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60))
    with served(db) as (client, _, _):
        for what, params in (("GET /negotiations?limit=10", {}),
                             ("GET /negotiations?limit=10&as_of=2025-06-01", {"as_of": "2025-06-01"}),
                             ("GET /negotiations?limit=10&as_of=...&known_at=...",
                              {"as_of": "2025-06-01", "known_at": now}),
                             # The worst case: no negotiation open yet, so the whole list is
                             # looked through (in SQL) for a page that stays empty.
                             ("GET /negotiations?limit=10&as_of=2024-12-01 (none open)", {"as_of": "2024-12-01"})):
            def listed(params: dict[str, Any] = params) -> None:
                answer = ok(client.get("/negotiations", params={"limit": LIST_PAGE, **params})).json()
                assert bool(answer["items"]) == (params.get("as_of") != "2024-12-01")
            out[what] = median_ms(listed, 4 * repeat, budget)  # cheap: more runs, a steadier median
    return out


def row(what: str, small: float, big: float, read: bool) -> str:
    ratio = big / small
    flat = "PASS" if ratio <= TARGET_RATIO else "MISS"
    page = ("PASS" if big <= TARGET_PAGE_MS else "MISS") if read else "-"
    return f"{what:<52}{small:>11.2f} ms{big:>12.2f} ms{ratio:>9.2f}  {flat:<6}{page}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="the big negotiation's size")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--budget", type=float, default=5.0, help="seconds of runs per row, at most")
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="nl-flat-"))
    try:
        sizes = database(f"flat-{SMALL}-{args.events}.db", lambda db: fill_sizes(db, args.events), args.cache, scratch)
        few = database(f"flat-list-{FEW}.db", lambda db: fill_negotiations(db, FEW), args.cache, scratch)
        many = database(f"flat-list-{MANY}.db", lambda db: fill_negotiations(db, MANY), args.cache, scratch)
        small, big, big_size = size_costs(sizes, args.repeat, args.budget)
        at_few, at_many = list_costs(few, args.repeat, args.budget), list_costs(many, args.repeat, args.budget)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nbench/flat.py on {date.today()}: --events {args.events} --repeat {args.repeat} --budget {args.budget}"
          " (in-process, TestClient, SQLite)")
    print(f"{'request':<52}{'small':>14}{'big':>15}{'ratio':>9}  <=3x  <=50ms")
    print(f"-- one negotiation of {SMALL:,} events (small) and one of {big_size:,} (big), in one log")
    for what in small:
        print(row(what, small[what], big[what], what.startswith("GET")))
    print(f"-- the negotiation list: {FEW} negotiations (small) and {MANY:,} (big)")
    for what in at_few:
        print(row(what, at_few[what], at_many[what], True))


if __name__ == "__main__":
    main()
