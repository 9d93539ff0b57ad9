"""How long an event appended on one PostgreSQL API process takes to reach a live stream
(`GET /events/stream`) held on another, against the same stream held on the writing process
itself, measured in the same run.

    python bench/live_latency.py [--url postgresql://postgres@127.0.0.1:5432/test] [--events 200]

Appends go one at a time, a little apart, each timed from the moment its POST is sent (and,
second column, from its 201) to the moment the stream delivers it. Both servers share one
fresh database (dropped afterwards); `--url` names the database it is created from (default:
NEGOTIATION_LOG_BENCH_POSTGRES or NEGOTIATION_LOG_TEST_POSTGRES)."""

from __future__ import annotations

import json
import os
import queue
import random
import shutil
import statistics
import tempfile
import threading
import time

import httpx

from harness import cli, real_server
from postgres import OPENING, STATEMENT, fresh_database, parser_with_url


class Stream:
    """The live feed read in a thread: (event id, time received) per event."""

    def __init__(self, url: str, auth: dict[str, str]) -> None:
        self.received: queue.Queue[tuple[str, float]] = queue.Queue()
        self._stop = threading.Event()
        self._open = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, auth), daemon=True)
        self._thread.start()
        self._open.wait(10)

    def _read(self, url: str, auth: dict[str, str]) -> None:
        after = httpx.get(f"{url}/events", params={"limit": 1000}, headers=auth).json()["next_after"]
        try:
            with httpx.stream("GET", f"{url}/events/stream", params={"after": after}, headers=auth,
                              timeout=httpx.Timeout(10, read=None)) as response:
                self._open.set()
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("data:"):
                        self.received.put((json.loads(line[5:])["event_id"], time.monotonic()))
        except httpx.HTTPError:
            pass  # the servers stopped

    def wait_for(self, event_id: str) -> float:
        while True:
            got, at = self.received.get(timeout=30)
            if got == event_id:
                return at

    def close(self) -> None:
        self._stop.set()


def delivery(stream: Stream, writer: str, negotiation: str, auth: dict[str, str], events: int) -> list[tuple[float, float]]:
    """(seconds from POST sent, seconds from 201) per event."""
    timings = []
    with httpx.Client(headers={**auth, "Content-Type": "application/json"}) as client:
        for _ in range(events):
            sent = time.monotonic()
            response = client.post(f"{writer}/negotiations/{negotiation}/events", content=STATEMENT)
            acknowledged = time.monotonic()
            response.raise_for_status()
            received = stream.wait_for(response.json()["event_id"])
            timings.append((received - sent, received - acknowledged))
            time.sleep(random.uniform(0.01, 0.05))
    return timings


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000


def main() -> None:
    parser = parser_with_url(__doc__)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    keys = tempfile.mkdtemp()
    os.environ["NEGOTIATION_LOG_SIGNING_KEY"] = f"{keys}/signing.ed25519"
    with fresh_database(args.url) as url:
        token = cli("token", "create", "bench", "--role", "admin", "--db", url).splitlines()[-1]
        auth = {"Authorization": f"Bearer {token}"}
        servers = [real_server(url).start() for _ in range(2)]
        try:
            negotiation = httpx.post(f"{servers[0].url}/negotiations", json=OPENING, headers=auth).json()["id"]
            stream = Stream(servers[0].url, auth)
            results = {}
            for label, writer in (("same process (baseline)", servers[0].url), ("other process", servers[1].url)):
                results[label] = delivery(stream, writer, negotiation, auth, args.events)
            stream.close()
        finally:
            for server in servers:
                server.stop()
            shutil.rmtree(keys)
    base = p([t for t, _ in results["same process (baseline)"]], 95)
    print(f"{'stream on process A, append on':26} {'p50 ms':>8} {'p95 ms':>8} {'p95 after 201':>14} {'p95 ratio':>10}")
    for label, timings in results.items():
        sent, acked = [t for t, _ in timings], [a for _, a in timings]
        print(f"{label:26} {p(sent, 50):8.1f} {p(sent, 95):8.1f} {p(acked, 95):14.1f} {p(sent, 95) / base:10.2f}")


if __name__ == "__main__":
    main()
