"""Kill -9 under concurrent write load: every event answered 201 survives exactly once, the\nchain verifies, and every stored view still equals a full replay."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import OPENING
from tests.processes import run_cli
from tests.views import every_view_matches_replay

ROUNDS = 5
WRITERS = 8


def statement(n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01",
            "speaker": {"name": "Spokesperson", "participant_id": "us"}, "text": f"statement {n}"}


def write_until_the_server_dies(url: str, auth: dict[str, str], negotiations: list[str],
                                acknowledged: list[str]) -> list[threading.Thread]:
    lock = threading.Lock()
    counter = iter(range(10**9))

    def writer() -> None:
        with httpx.Client(headers=auth, timeout=5) as client:
            while True:
                batch = [statement(next(counter)) for _ in range(random.choice([1, 1, 3]))]
                try:
                    response = client.post(f"{url}/negotiations/{random.choice(negotiations)}/events",
                                           json=batch if len(batch) > 1 else batch[0])
                except httpx.HTTPError:
                    return  # the server is gone; in-flight requests have no answer
                assert response.status_code == 201, response.text
                body = response.json()
                with lock:
                    acknowledged.extend(e["event_id"] for e in (body if isinstance(body, list) else [body]))

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    return threads


def test_no_acknowledged_event_is_lost_or_duplicated_across_kill_9(tmp_path: Path, start_server: Any) -> None:
    db = str(tmp_path / "crash.db")
    token = run_cli("token", "create", "writer", "--role", "recorder", "--db", db).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    acknowledged: list[str] = []
    negotiations: list[str] = []
    for _ in range(ROUNDS):
        server = start_server("--db", db)
        if not negotiations:
            negotiations = [httpx.post(f"{server.url}/negotiations", json=OPENING, headers=auth).json()["id"]
                            for _ in range(2)]
        threads = write_until_the_server_dies(server.url, auth, negotiations, acknowledged)
        time.sleep(random.uniform(0.3, 1.2))
        server.kill()
        for t in threads:
            t.join()
    stored = [json.loads(line) for line in run_cli("export", "--db", db).stdout.splitlines()]
    ids = [e["event_id"] for e in stored]
    assert len(acknowledged) > ROUNDS * 10
    assert len(ids) == len(set(ids))
    missing = set(acknowledged) - set(ids)
    assert not missing, f"{len(missing)} acknowledged events lost"
    for negotiation_id in negotiations:
        versions = [e["version"] for e in stored if e["negotiation_id"] == negotiation_id]
        assert versions == list(range(1, len(versions) + 1))
    assert json.loads(run_cli("verify", "--db", db).stdout)["ok"] is True
    assert every_view_matches_replay(db, negotiations, tmp_path)
    print(f"kill -9 rounds: {ROUNDS}, events acknowledged: {len(acknowledged)}, stored: {len(ids)}, lost: 0")
