"""The global feed on PostgreSQL with several API processes writing at once: a reader paging
/events and a live stream each see every committed event exactly once, in position order,
whichever process wrote it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import OPENING
from tests.processes import run_cli
from tests.sse_client import EventStream

pytestmark = pytest.mark.postgres

WRITERS = 6
EVENTS_PER_WRITER = 20


def proposal(n: int) -> dict[str, Any]:
    return {"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{n}"}


def shared_key(tmp_path: Path) -> dict[str, str]:
    """Processes serving one database share one key file (and leave none in the working directory)."""
    return {"NEGOTIATION_LOG_SIGNING_KEY": str(tmp_path / "service.ed25519")}


def test_readers_miss_nothing_while_two_processes_write(pg_url: str, start_server: Any, tmp_path: Path) -> None:
    token = run_cli("token", "create", "writer", "--role", "admin", "--db", pg_url).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    servers = [start_server("--db", pg_url, env=shared_key(tmp_path)) for _ in range(2)]
    stream = EventStream(servers[0].url, auth)  # live on one process; half the writes come via the other

    def write(w: int) -> None:
        url = servers[w % 2].url
        negotiation = httpx.post(f"{url}/negotiations", json=OPENING, headers=auth, timeout=30).json()["id"]
        for i in range(EVENTS_PER_WRITER):
            httpx.post(f"{url}/negotiations/{negotiation}/events", json=proposal(i), headers=auth,
                       timeout=30).raise_for_status()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    paged: list[int] = []
    after = 0
    while True:
        writing = any(t.is_alive() for t in threads)
        page = httpx.get(f"{servers[1].url}/events", params={"after": after, "limit": 9}, headers=auth).json()
        paged += [e["position"] for e in page["items"]]
        after = page["next_after"]
        if not writing and not page["has_more"]:
            break
    for t in threads:
        t.join()
    with psycopg.connect(pg_url) as conn:
        stored = [r[0] for r in conn.execute("SELECT notification_id FROM negotiationlog_events ORDER BY 1")]
    assert len(stored) == WRITERS * (EVENTS_PER_WRITER + 1)
    assert paged == stored
    streamed = [int(m.id or 0) for m in stream.take(len(stored), timeout=10)]
    stream.close()
    assert streamed == stored

    audited = httpx.get(f"{servers[0].url}/audit", params={"recorded_by": "writer", "type": "negotiation.opened"},
                        headers=auth).json()["items"]
    assert len(audited) == WRITERS
    checkpoint = httpx.get(f"{servers[0].url}/log/checkpoint", headers=auth).text
    assert checkpoint.splitlines()[1] == str(len(stored))  # the tree size: every event, from either process
    verified = httpx.get(f"{servers[1].url}/audit/verify", headers=auth).json()
    assert verified["ok"] and verified["checkpoint"]["extends"], verified


def test_a_stream_on_one_process_hears_another_within_a_second(pg_url: str, start_server: Any,
                                                              tmp_path: Path) -> None:
    token = run_cli("token", "create", "writer", "--role", "admin", "--db", pg_url).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    listening, writing = (start_server("--db", pg_url, env=shared_key(tmp_path)) for _ in range(2))
    stream = EventStream(listening.url, auth)
    for _ in range(3):
        sent = time.monotonic()
        httpx.post(f"{writing.url}/negotiations", json=OPENING, headers=auth).raise_for_status()
        (message,) = stream.take(1, timeout=3)
        assert message.received_at - sent < 1.0
    stream.close()
