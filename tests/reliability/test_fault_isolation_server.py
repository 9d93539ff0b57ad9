"""One client's poisoned request against a real server: a correction whose changes nest 400
deep, sent over and over beside 16 concurrent appenders. Only the attacker is refused; the
others are answered as if it were not there, and the server writes no tracebacks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import OPENING, bearer
from tests.processes import run_cli

APPENDERS = 16
SECONDS = 2.0


def deep(depth: int) -> str:
    return '{"a":' * depth + '"x"' + "}" * depth


def status_of(send: Any) -> int | str:
    try:
        return int(send().status_code)
    except httpx.HTTPError as e:
        return type(e).__name__


def test_a_deeply_nested_correction_fails_alone_among_concurrent_appenders(start_server: Any,
                                                                           tmp_path: Path) -> None:
    db = str(tmp_path / "log.db")
    token = run_cli("token", "create", "alice", "--role", "recorder", "--db", db).stdout.strip().splitlines()[-1]
    server = start_server("--db", db)
    auth = bearer(token)
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
        nids = [client.post("/negotiations", json=OPENING).json()["id"] for _ in range(APPENDERS)]
        target = client.post(f"/negotiations/{nids[0]}/events", json={
            "type": "dispute.raised", "occurred_at": "2025-03", "dispute_id": "d", "title": "t"}).json()
    poison = ('{"type":"record.corrected","occurred_at":"2025-03","reason":"r","target_event_id":"%s",'
              '"changes":{"title":%s}}' % (target["event_id"], deep(400)))
    statuses: dict[str, Counter[int | str]] = {"appenders": Counter(), "attacker": Counter()}
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def appender(nid: str) -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=10) as client:
            n = 0
            while time.monotonic() < stop:
                n += 1
                status = status_of(lambda: client.post(f"/negotiations/{nid}/events", json={
                    "type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{n}"}))
                with lock:
                    statuses["appenders"][status] += 1

    def attacker() -> None:
        with httpx.Client(base_url=server.url, headers={**auth, "Content-Type": "application/json"},
                          timeout=10) as client:
            while time.monotonic() < stop:
                status = status_of(lambda: client.post(f"/negotiations/{nids[0]}/events", content=poison))
                with lock:
                    statuses["attacker"][status] += 1

    threads = [threading.Thread(target=appender, args=(nid,)) for nid in nids]
    threads += [threading.Thread(target=attacker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    output = server.output()
    print(f"\nappenders: {dict(statuses['appenders'])}, attacker: {dict(statuses['attacker'])}, "
          f"server log: {len(output)} bytes")
    assert set(statuses["appenders"]) == {201}, statuses
    assert set(statuses["attacker"]) == {400}, statuses
    assert "Traceback" not in output and len(output) < 10_000, output[-3000:]
