"""The performance targets of issue 6, each measured against its baseline in the same run.

Starts the real service (`negotiation-log serve`, default settings: SQLite WAL with
synchronous=FULL) and the bare FastAPI baseline (bench/echo_app.py) as uvicorn processes,
drives them with wrk, fills the log through the HTTP batch route, then stops the service and
times `negotiation-log rebuild` on the same file. See bench/README.md.

    python bench/perf.py                      # full run: 1,000,000 events (about 10 minutes)
    python bench/perf.py --events 100000      # quick run
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from harness import BENCH, cli, echo_server, real_server, wrk

OPENING = {"type": "negotiation.opened", "occurred_at": "2025-01", "title": "Benchmark talks",
           "participants": [{"id": "ru", "name": "Russia", "role": "party"},
                            {"id": "us", "name": "United States", "role": "party"}]}
STATEMENT = {"type": "statement.issued", "occurred_at": "2025-03-01",
             "speaker": {"name": "Spokesperson", "participant_id": "us"},
             "text": "The delegations agreed to meet again in Istanbul in the spring."}
ROUND = [{"type": "round.scheduled", "occurred_at": "2025-04-01", "round_id": "r2", "label": "Second round",
          "number": 2, "venue": {"name": "Russian Consulate General", "city": "Istanbul", "country": "Türkiye"},
          "scheduled_for": "2025-04-10"},
         {"type": "round.started", "occurred_at": "2025-04-10", "round_id": "r2"},
         {"type": "round.concluded", "occurred_at": "2025-04-10", "round_id": "r2",
          "duration": {"min_hours": 4, "max_hours": 5}, "summary": "Second round."}]


def block(n: int, tag: str | None = None) -> list[dict[str, Any]]:
    """20 events of ordinary business, self-contained: a dispute with nine positions, a round
    held, seven statements."""
    tag, day = tag or f"b{n}", f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
    events: list[dict[str, Any]] = [{"type": "dispute.raised", "occurred_at": day, "dispute_id": f"d{tag}",
                                     "title": f"Dispute {tag}", "raised_by": "ru"}]
    events += [{"type": "position.stated", "occurred_at": day, "dispute_id": f"d{tag}",
                "participant_id": ("ru", "us")[k % 2], "stance": "offer", "text": f"position {tag}/{k}"}
               for k in range(9)]
    events += [{"type": t, "occurred_at": day, "round_id": f"r{tag}"}
               for t in ("round.scheduled", "round.started", "round.concluded")]
    events += [{**STATEMENT, "occurred_at": day, "text": f"statement {tag}/{k}"} for k in range(7)]
    return events


def template(size: int, run: int) -> str:
    """One batch with "@@" where the keys that must be new in every batch go (for wrk, which
    makes them unique within its run; `run` keeps runs apart)."""
    return json.dumps([e for k in range(size // 20) for e in block(k, f"@@x{run}k{k}")])


def batches(size: int, count: int) -> Iterator[bytes]:
    for b in range(count):
        events = [e for k in range(size // 20) for e in block(b * size + k)]
        yield json.dumps(events).encode()


def fill(url: str, auth: dict[str, str], nid: str, events: int, size: int, clients: int) -> float:
    """Appends `events` events in batches of `size` from `clients` concurrent clients; events/s."""
    source, lock, failures = batches(size, events // size), threading.Lock(), []

    def client() -> None:
        with httpx.Client(headers={**auth, "Content-Type": "application/json"}, timeout=120) as http:
            while True:
                with lock:
                    body = next(source, None)
                if body is None or failures:
                    return
                answer = http.post(f"{url}/negotiations/{nid}/events", content=body)
                if answer.status_code != 201:
                    failures.append(answer.text[:500])

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"batch append failed: {failures[0]}")
    return (events // size) * size / (time.perf_counter() - started)


def python(*args: str) -> str:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True, cwd=BENCH).stdout


def bare_save(batch: int) -> float:
    """The batch append's baseline: events/s of a bare eventsourcing save, `batch` at a time."""
    with tempfile.TemporaryDirectory() as bare:
        return float(python("baselines.py", "save", bare, json.dumps(STATEMENT), "50000", str(batch)))


def paired(repeat: int, baseline: Any, target: Any) -> tuple[float, float]:
    """Runs baseline and target alternately, `repeat` times each; their medians."""
    b, t = [], []
    for _ in range(repeat):
        b.append(baseline())
        t.append(target())
    return statistics.median(b), statistics.median(t)


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events stored by batch appends before the batch phase is timed")
    parser.add_argument("--seconds", type=float, default=10, help="length of each wrk run")
    parser.add_argument("--repeat", type=int, default=3, help="wrk runs of each server, alternated")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batch-clients", type=int, default=2, help="connections that append batches")
    parser.add_argument("--skip-asof", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "perf.db")
        token = cli("token", "create", "bench", "--role", "recorder", "--db", db).splitlines()[-1]
        auth = {"Authorization": f"Bearer {token}"}
        echo, real = echo_server().start(), real_server(db).start()
        try:
            nid = httpx.post(f"{real.url}/negotiations", json=OPENING, headers=auth).json()["id"]
            assert httpx.post(f"{real.url}/negotiations/{nid}/events", json=ROUND, headers=auth).status_code == 201
            path = f"/negotiations/{nid}/events"
            post = {"method": "POST", "body": json.dumps(STATEMENT), "seconds": args.seconds,
                    "connections": args.connections, "headers": {**auth, "Content-Type": "application/json"}}
            for server in (echo, real):  # warm-up: first requests, caches, page cache
                wrk(server.url + path, **{**post, "seconds": 2})
            b, t = paired(args.repeat, lambda: wrk(echo.url + path, **post), lambda: wrk(real.url + path, **post))
            rows.append((f"single-event POST, {args.connections} connections", f"{b:,.0f} req/s",
                         f"{t:,.0f} req/s", t / b, ">= 0.5"))
            path = f"/negotiations/{nid}/rounds/r2"
            get = {"seconds": args.seconds, "connections": args.connections, "headers": auth}
            assert httpx.get(real.url + path, headers=auth).json()["status"] == "concluded"
            b, t = paired(args.repeat, lambda: wrk(echo.url + path, **get), lambda: wrk(real.url + path, **get))
            rows.append(("GET /negotiations/{id}/rounds/{round_id}", f"{b:,.0f} req/s", f"{t:,.0f} req/s",
                         t / b, ">= 0.5"))
            echo.stop()
            filled = fill(real.url, auth, nid, args.events, args.batch, args.batch_clients)
            batch = {"method": "POST", "seconds": args.seconds, "connections": args.batch_clients,
                     "threads": args.batch_clients, "headers": {**auth, "Content-Type": "application/json"}}
            url = f"{real.url}/negotiations/{nid}/events"
            runs = iter(range(1000))

            b, t = paired(args.repeat, lambda: bare_save(args.batch),
                          lambda: wrk(url, template=template(args.batch, next(runs)), **batch) * args.batch)
            stored = httpx.get(f"{real.url}/negotiations/{nid}", headers=auth).json()["version"]
            rss, peak = real.rss_mb()
            rows.append((f"batch append, {args.batch} events/request, {args.batch_clients} connections",
                         f"{b:,.0f} ev/s", f"{t:,.0f} ev/s", t / b, ">= 0.25"))  # issue 15's figure
            rows.append((f"server RSS after storing {stored:,} events (peak {peak:.0f} MB)", "-",
                         f"{rss:.0f} MB", rss, "<= 200"))
        finally:
            echo.stop()
            real.stop()
        rate, total = python("baselines.py", "read", db).split()
        started = time.perf_counter()
        cli("rebuild", "--db", db)
        t = int(total) / (time.perf_counter() - started)
        rows.append((f"negotiation-log rebuild of {int(total):,} events", f"{float(rate):,.0f} ev/s",
                     f"{t:,.0f} ev/s", t / float(rate), ">= 0.4"))  # issue 15's figure
    if not args.skip_asof:
        out = python("asof.py", "--requests", "100")
        ratio = float(out.split("as_of ratio")[1].split("=")[1].split()[0])
        rows.append(("as_of on one entity, 10k vs 1k events", "1k events", "10k events", ratio, "<= 3"))
    print(f"bench/perf.py on {date.today()}: --events {args.events} --seconds {args.seconds:g} "
          f"--repeat {args.repeat}; stored {stored:,} events in one negotiation "
          f"({args.events:,} of them by {args.batch_clients} Python clients at {filled:,.0f} events/s)")
    print(f"{'what':<58}{'baseline':>14}{'ours':>14}{'ratio':>8}  target")
    for what, base, ours, ratio, goal in rows:
        limit = float(goal.split()[1])
        ok = ratio >= limit if goal.startswith(">=") else ratio <= limit
        print(f"{what:<58}{base:>14}{ours:>14}{ratio:>8.2f}  {goal:<8}{'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
