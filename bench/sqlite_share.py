"""How much of batch appends and of `rebuild` is SQLite's own work of writing, against the time
issue 15's targets allow each (bench/perf.py's ratios: batch append >= 0.25 x a bare
eventsourcing save, rebuild >= 0.4 x reading and decoding the log), both measured in this run.

Fills a temporary SQLite file through a real `negotiation-log serve` (perf.py's fill), then runs
a server and a rebuild with the time spent inside eventsourcing's SQLite cursor and connection
calls summed by what they do: writing (INSERT, UPDATE, DELETE, CREATE, DROP, ALTER and their
commits) or reading. Where SQLite's writing alone takes most of what a target allows, making the
Python faster cannot meet it: what is written must shrink. It also times the same batch appends
to a server that leaves the stored views out of the append's transaction (not a working service:
its views go stale until the rebuild that follows): what the append reaches with only what the
log itself needs before a 201. See bench/README.md.

    python bench/sqlite_share.py                   # 300,000 events, about 1-2 minutes
    python bench/sqlite_share.py --events 1000000  # about 4-6 minutes
"""

from __future__ import annotations

import argparse
import atexit
import collections
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import perf
from harness import Process, cli, real_server, wrk

WRITING = re.compile(r"\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def timed_command(report: str, argv: list[str], *, views: bool = True) -> None:
    """Runs `negotiation-log <argv>` in this process with SQLite's calls timed; at exit the
    seconds spent by kind go to `report` as JSON, with the process's wall time. Without
    `views`, appends write no stored view (read models and timeline index)."""
    import eventsourcing.sqlite as es

    if not views:
        from projections.store.shadow import LiveIndexNames

        LiveIndexNames.after_insert = lambda self, cursor, dialect, events: None  # type: ignore[method-assign]

    spent: collections.Counter[str] = collections.Counter()

    def timed(cls: Any, name: str, kind: Any) -> None:
        original = getattr(cls, name)

        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                spent[kind(args)] += time.perf_counter() - started

        setattr(cls, name, call)

    def statement(args: tuple[Any, ...]) -> str:
        return "writing" if WRITING.match(str(args[0])) else "reading"

    timed(es.SQLiteCursor, "execute", statement)
    timed(es.SQLiteCursor, "executemany", statement)
    timed(es.SQLiteCursor, "fetchall", lambda args: "reading")
    timed(es.SQLiteCursor, "fetchone", lambda args: "reading")
    timed(es.SQLiteConnection, "commit", lambda args: "commits")
    started = time.perf_counter()
    atexit.register(lambda: Path(report).write_text(json.dumps({**spent, "wall": time.perf_counter() - started})))
    from api.cli.main import main

    sys.argv = ["negotiation-log", *argv]
    main()


def timed_argv(report: str, *argv: str, views: bool = True) -> list[str]:
    views_flag = [] if views else ["--without-views"]
    return [sys.executable, str(Path(__file__).resolve()), "--timed", report, *views_flag, "--", *argv]


def written(report: dict[str, float]) -> float:
    return report.get("writing", 0.0) + report.get("commits", 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--events", type=int, default=300_000, help="events stored before anything is timed")
    parser.add_argument("--seconds", type=float, default=15, help="length of the wrk run of batch appends")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db, report = str(Path(tmp) / "share.db"), str(Path(tmp) / "report.json")
        token = cli("token", "create", "bench", "--role", "recorder", "--db", db).splitlines()[-1]
        auth = {"Authorization": f"Bearer {token}"}
        server = real_server(db).start()
        try:
            nid = httpx.post(f"{server.url}/negotiations", json=perf.OPENING, headers=auth).json()["id"]
            perf.fill(server.url, auth, nid, args.events, args.batch, 2)
        finally:
            server.stop()

        def batch_appends(run: int, views: bool) -> tuple[int, dict[str, float]]:
            """Batch appends, as perf.py's batch row sends them, to a server whose SQLite calls
            are timed: (events appended, the report)."""
            server = Process(timed_argv(report, "serve", "--db", db, views=views), "/health").start()
            try:
                requests = wrk(f"{server.url}/negotiations/{nid}/events", method="POST", seconds=args.seconds,
                               connections=2, headers={**auth, "Content-Type": "application/json"},
                               template=perf.template(args.batch, run))
            finally:
                assert server.popen is not None
                server.popen.send_signal(signal.SIGINT)  # a shutdown that runs the report (SIGTERM ends without it)
                server.popen.wait(timeout=60)
            return round(requests * args.seconds) * args.batch, json.loads(Path(report).read_text())

        appended, served = batch_appends(0, views=True)
        save_rate = perf.bare_save(args.batch)
        allowed_us = 1e6 / (0.25 * save_rate)
        writing_us = written(served) * 1e6 / appended
        print(f"bench/sqlite_share.py: {args.events:,} events stored, then {appended:,} appended in batches of "
              f"{args.batch} for {args.seconds:g} s")
        print(f"batch append: {args.seconds * 1e6 / appended:.1f} µs an event in all "
              f"({appended / args.seconds / save_rate:.2f} x the bare save); SQLite writing {writing_us:.1f} µs "
              f"(commits {served.get('commits', 0) * 1e6 / appended:.1f}), reading "
              f"{served.get('reading', 0) * 1e6 / appended:.1f}; the target (0.25 x a bare save of "
              f"{save_rate:,.0f} events/s) allows {allowed_us:.1f} µs: SQLite's writing is "
              f"{writing_us / allowed_us:.2f} of it, and everything else "
              f"{args.seconds * 1e6 / appended - writing_us:.1f} µs")
        log_only, served = batch_appends(1, views=False)
        print(f"batch append with no stored view written: {args.seconds * 1e6 / log_only:.1f} µs an event in all "
              f"({log_only / args.seconds / save_rate:.2f} x the bare save); SQLite writing "
              f"{written(served) * 1e6 / log_only:.1f} µs (commits {served.get('commits', 0) * 1e6 / log_only:.1f})")

        rate, total = perf.python("baselines.py", "read", db).split()
        subprocess.run(timed_argv(report, "rebuild", "--db", db), check=True, capture_output=True)
        rebuilt = json.loads(Path(report).read_text())
        allowed_s = int(total) / (0.4 * float(rate))
        print(f"rebuild of {int(total):,} events: {rebuilt['wall']:.1f} s in all; SQLite writing "
              f"{written(rebuilt):.1f} s (commits {rebuilt.get('commits', 0):.1f}), reading "
              f"{rebuilt.get('reading', 0):.1f}; the target (0.4 x reading and decoding at {float(rate):,.0f} "
              f"events/s) allows {allowed_s:.1f} s: SQLite's writing is {written(rebuilt) / allowed_s:.2f} of it, "
              f"and everything else {rebuilt['wall'] - written(rebuilt):.1f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--timed"]:
        without = sys.argv[3] == "--without-views"
        timed_command(sys.argv[2], sys.argv[4 + without:], views=not without)
    else:
        main()
