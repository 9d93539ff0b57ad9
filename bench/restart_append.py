"""First append after a restart (issue 15): what the first append to a negotiation of N events
costs in a process that has just opened the log (nothing cached), and what a plain append
costs after it, with the code of another checkout (`--before`, e.g. main) and with this one.

    python bench/restart_append.py --before /tmp/nl-before [--events 1000,200000] [--repeat 5]

One SQLite file per size, one negotiation of N plain statements, filled once through this
checkout's code (kept in `--cache`, reused by later runs). Then, per size, `--repeat` rounds,
each starting a fresh process with the before code and one with this code, in turn: the
process opens the log (the application alone, as the service's writer calls it), times its
first append, then 200 more single-event appends (their median is the plain append; also their
mean CPU time, which leaves out the wait for the disk that dominates the wall time). The
before code ignores the snapshots this code stores; this code finds them behind by what the
before runs appended, and replays those events. Medians of the rounds, ratios after / before.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "bench"))
APPENDS = 200

# Runs in a fresh process, with the checkout under test first on the path.
MEASURE = """
import json, statistics, sys, time
from domain.application import AppendRequest, NegotiationLog
from domain.storage.backend import eventsourcing_env
db, nid, first, appends = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def statement(n):
    return {"type": "statement.issued", "occurred_at": "2025-03-01", "text": f"Restart statement {n}.",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}
log = NegotiationLog(eventsourcing_env(db))
def timed(n):
    started = time.perf_counter()
    log.append(AppendRequest(principal="bench", negotiation_id=nid, events=[statement(n)]))
    return (time.perf_counter() - started) * 1000
restart = timed(first)
cpu = time.process_time()
plain = statistics.median(timed(first + 1 + i) for i in range(appends))
cpu = (time.process_time() - cpu) * 1000 / appends
log.close()
print(json.dumps({"first": restart, "plain": plain, "plain_cpu": cpu}))
"""


def fill(db: Path, events: int) -> str:
    from domain.application import NegotiationLog
    from domain.storage.backend import eventsourcing_env
    from statements import append_statements, open_negotiation

    marker = db.with_suffix(".nid")
    if marker.exists() and db.exists():
        return marker.read_text()
    db.unlink(missing_ok=True)
    started = time.monotonic()
    log = NegotiationLog(eventsourcing_env(str(db)))
    try:
        nid = open_negotiation(log)
        append_statements(log, nid, 1, events - 1, plain=True)
    finally:
        log.close()
    marker.write_text(nid)
    print(f"filled {events:,} events in {time.monotonic() - started:.0f} s", flush=True)
    return nid


def stream_size(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return int(connection.execute("SELECT MAX(originator_version) FROM stored_events").fetchone()[0])


def measure(tree: Path, db: Path, nid: str, first: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", MEASURE, str(db), nid, str(first), str(APPENDS)],
                         cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code to compare with")
    parser.add_argument("--events", default="1000,200000", help="negotiation sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/nl-restart-bench"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.events.split(",")]
    trees = {"before": args.before.resolve(), "after": HERE}
    results: dict[int, dict[str, dict[str, list[float]]]] = {}
    for size in sizes:
        db = args.cache / f"restart-{size}.db"
        nid = fill(db, size)
        start = stream_size(db)  # a reused file has grown by the runs before
        runs: dict[str, dict[str, list[float]]] = {name: {"first": [], "plain": [], "plain_cpu": []} for name in trees}
        for r in range(args.repeat):
            for name, tree in trees.items():
                got = measure(tree, db, nid, 10_000_000 + 1000 * r)
                for key, value in got.items():
                    runs[name][key].append(value)
        results[size] = runs
        print(f"\n{size:,} events: {start:,} at the start, {stream_size(db):,} at the end")
        for key, label in (("first", "first append after restart"), ("plain", f"plain append (median of {APPENDS})"),
                           ("plain_cpu", "plain append, CPU time of the process (mean)")):
            before, after = (statistics.median(runs[name][key]) for name in ("before", "after"))
            print(f"  {label}: before {before:.2f} ms, after {after:.2f} ms, after/before {after / before:.3f}")
    small, big = min(sizes), max(sizes)
    if small != big:
        for name in ("before", "after"):
            ratio = statistics.median(results[big][name]["first"]) / statistics.median(results[small][name]["first"])
            print(f"{name}: first append after restart at {big:,} / at {small:,} = {ratio:.2f}")


if __name__ == "__main__":
    main()
