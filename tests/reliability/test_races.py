"""Races against one real server: racing If-Match writers, racing retries with one
Idempotency-Key, and negotiations opened and written to all at once."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OPENING
from tests.processes import run_cli

CLIENTS = 8
VERSIONS = 5


def statement(n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01", "text": f"statement {n}",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


def all_at_once(count: int, work: Any) -> list[Any]:
    """Runs work(i) for i < count in threads released together; returns their results."""
    barrier, results = threading.Barrier(count), [None] * count

    def released(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=released, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def server(tmp_path: Path, start_server: Any) -> tuple[str, dict[str, str], str]:
    db = str(tmp_path / "races.db")
    token = run_cli("token", "create", "racer", "--role", "recorder", "--db", db).stdout.splitlines()[-1]
    return start_server("--db", db).url, {"Authorization": f"Bearer {token}"}, db


def test_exactly_one_if_match_writer_wins_each_version(server: Any) -> None:
    url, auth, db = server
    nid = httpx.post(f"{url}/negotiations", json=OPENING, headers=auth).json()["id"]
    for version in range(1, VERSIONS + 1):
        def racer(i: int) -> int:
            return httpx.post(f"{url}/negotiations/{nid}/events", json=statement(version * 100 + i),
                              headers={**auth, "If-Match": f'"{version}"'}, timeout=30).status_code

        assert sorted(all_at_once(CLIENTS, racer)) == [201] + [409] * (CLIENTS - 1)
    stored = [json.loads(line) for line in run_cli("export", "--db", db).stdout.splitlines()]
    assert [e["version"] for e in stored] == list(range(1, VERSIONS + 2))


def test_racing_retries_with_one_idempotency_key_store_one_event(server: Any) -> None:
    url, auth, _ = server
    nid = httpx.post(f"{url}/negotiations", json=OPENING, headers=auth).json()["id"]

    def retry(i: int) -> tuple[int, str]:
        response = httpx.post(f"{url}/negotiations/{nid}/events", json=statement(1), timeout=30,
                              headers={**auth, "Idempotency-Key": "one-key"})
        return response.status_code, response.json()["event_id"]

    answers = all_at_once(CLIENTS, retry)
    assert {status for status, _ in answers} == {201}
    assert len({event_id for _, event_id in answers}) == 1
    assert httpx.get(f"{url}/negotiations/{nid}", headers=auth).json()["version"] == 2


def test_negotiations_opened_and_written_to_all_at_once_keep_their_own_order(server: Any) -> None:
    url, auth, db = server

    def open_and_write(i: int) -> str:
        with httpx.Client(headers=auth, timeout=30) as client:
            nid = client.post(f"{url}/negotiations", json=OPENING).json()["id"]
            for n in range(5):
                assert client.post(f"{url}/negotiations/{nid}/events", json=statement(i * 10 + n)).status_code == 201
            return nid

    opened = all_at_once(CLIENTS, open_and_write)
    assert len(set(opened)) == CLIENTS
    stored = [json.loads(line) for line in run_cli("export", "--db", db).stdout.splitlines()]
    for i, nid in enumerate(opened):
        mine = [e for e in stored if e["negotiation_id"] == nid]
        assert [e["version"] for e in mine] == list(range(1, 7))
        assert [e.get("text") for e in mine[1:]] == [f"statement {i * 10 + n}" for n in range(5)]
    assert json.loads(run_cli("verify", "--db", db).stdout)["ok"] is True
