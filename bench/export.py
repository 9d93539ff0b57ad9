"""Export speed and memory (issue 16): `negotiation-log export --format F` of one negotiation
of N events, for every format, against the baseline of reading and decoding that
negotiation's events a page at a time (no rendering), in the same run; and the peak memory
of each export of N events against the same export of N/10 (flat memory: a ratio near 1).

    python bench/export.py                    # full run: 1,000,000 events (fill ~2 minutes)
    python bench/export.py --events 100000    # quick run

The log is filled in-process through the application (batches of 500, the same mix of
ordinary business as bench/perf.py, one event in 500 carrying a source, one correction and
one retraction per 5,000 events). Each export runs as its own `negotiation-log` process,
writing to /dev/null; its time includes the process start, its peak RSS comes from wait4.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.application import AppendRequest, NegotiationLog  # noqa: E402
from domain.storage.backend import eventsourcing_env  # noqa: E402
from harness import CLI  # noqa: E402
from perf import OPENING, block  # noqa: E402
from projections.store.hook import ReadModelHook  # noqa: E402

FORMATS = ("jsonl", "plover", "timelinejs", "csv", "ics")
SOURCE = {"title": "Talks resume", "url": "https://example.org/a", "publisher": "Agency", "reliability": "reported",
          "quote": "The delegations met for six hours."}


def fill(log: NegotiationLog, events: int, tag: str) -> str:
    nid = log.append(AppendRequest(principal="bench", events=[OPENING])).negotiation_id
    done, k = 1, 0
    while done < events:
        batch: list[dict[str, Any]] = []
        while len(batch) < 500 and done + len(batch) < events:
            batch += block(k, f"{tag}{k}")
            k += 1
        batch = batch[:events - done]
        batch[0] = {**batch[0], "sources": [SOURCE]}
        stored = log.append(AppendRequest(principal="bench", events=batch, negotiation_id=nid, batch=True)).events
        done += len(stored)
        if k % 250 == 0 and done < events - 2:  # every 5,000 events: a correction and a retraction
            statement = next(e for e in stored if e["type"] == "statement.issued")
            position = next(e for e in reversed(stored) if e["type"] == "position.stated")
            done += len(log.append(AppendRequest(principal="bench", negotiation_id=nid, batch=True, events=[
                {"type": "record.corrected", "occurred_at": "2025-12", "reason": "misquoted",
                 "target_event_id": statement["event_id"], "changes": {"text": "corrected"}},
                {"type": "record.retracted", "occurred_at": "2025-12", "reason": "never said",
                 "target_event_id": position["event_id"]}])).events)
    return nid


def run(*args: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one process writing to /dev/null."""
    with open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(list(args), stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{args} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024


BASELINE = """
import sys, time
from domain.application import NegotiationLog
from domain.storage.backend import eventsourcing_env
log = NegotiationLog(eventsourcing_env(sys.argv[1]))
count = sum(len(page) for page in log.event_log.stream_pages(sys.argv[2]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", help="reuse this SQLite file (filled on the first run)")
    args = parser.parse_args()
    db = args.db or str(Path(tempfile.mkdtemp(prefix="nl-export-")) / "log.db")
    small_n, large_n = args.events // 10, args.events
    marker = Path(db + f".{large_n}.ids")
    if marker.exists():
        small, large = marker.read_text().split()
    else:
        log = NegotiationLog(eventsourcing_env(db), hooks=[ReadModelHook()])
        started = time.perf_counter()
        small, large = fill(log, small_n, "s"), fill(log, large_n, "l")
        log.close()
        print(f"filled {small_n + large_n:,} events in {time.perf_counter() - started:.0f} s", flush=True)
        marker.write_text(f"{small} {large}")
    # Every index a service keeps caught up before anything is timed:
    # otherwise the first export pays for catching up what the fill did not write.
    run(CLI, "export", "--db", db, "--format", "jsonl", "--negotiation", small)
    base_s, base_rss = run(sys.executable, "-c", BASELINE, db, large)
    print(f"baseline: read + decode {large_n:,} events a page at a time: {base_s:.1f} s, "
          f"{large_n / base_s:,.0f} events/s, peak {base_rss:.0f} MB")
    print(f"{'format':<11} {'events/s':>10} {'vs baseline':>11} {'peak MB':>8} {'peak at N/10':>12} {'ratio':>6}")
    for name in FORMATS:
        export = (CLI, "export", "--db", db, "--format", name, "--negotiation")
        seconds, rss = run(*export, large)
        _, small_rss = run(*export, small)
        print(f"{name:<11} {large_n / seconds:>10,.0f} {base_s / seconds:>11.2f} {rss:>8.0f} {small_rss:>12.0f} "
              f"{rss / small_rss:>6.2f}", flush=True)
    print("targets: >= 50,000 events/s; peak at N over peak at N/10 near 1 (flat memory)")


if __name__ == "__main__":
    main()
