"""Several API processes on one PostgreSQL database, as the compose file runs them: concurrent
writers lose nothing, duplicate nothing, build one Merkle tree whose every proof verifies, and
every view equals a replay."""

from __future__ import annotations

import base64
import json
import random
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OPENING
from tests.independent.go_verifier import GoVerifier
from tests.processes import run_cli
from tests.views import every_view_matches_replay

pytestmark = pytest.mark.postgres

WRITERS = 8
EVENTS_PER_WRITER = 25


def statement(n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": f"2025-03-{1 + n % 28:02d}",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}, "text": f"statement {n}"}


def all_at_once(count: int, work: Any) -> None:
    """Runs work(0..count-1) in threads released together, and waits for them."""
    barrier = threading.Barrier(count)

    def released(index: int) -> None:
        barrier.wait()
        work(index)

    threads = [threading.Thread(target=released, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.fixture
def two_servers(pg_url: str, start_server: Any) -> tuple[list[str], dict[str, str]]:
    token = run_cli("token", "create", "writer", "--role", "admin", "--db", pg_url).stdout.splitlines()[-1]
    servers = [start_server("--db", pg_url) for _ in range(2)]
    return [s.url for s in servers], {"Authorization": f"Bearer {token}"}


def test_concurrent_writers_on_two_processes_lose_and_duplicate_nothing(two_servers: Any, pg_url: str,
                                                                        tmp_path: Path, go_verifier: GoVerifier) -> None:
    urls, auth = two_servers
    shared = httpx.post(f"{urls[0]}/negotiations", json=OPENING, headers=auth).json()["id"]
    acknowledged: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        with httpx.Client(headers=auth, timeout=30) as client:
            own = client.post(f"{urls[index % 2]}/negotiations", json=OPENING).json()["id"]
            for n in range(EVENTS_PER_WRITER):
                target = shared if index % 2 == 0 else own
                response = client.post(f"{random.choice(urls)}/negotiations/{target}/events",
                                       json=statement(index * 1000 + n))
                with lock:
                    if response.status_code == 201:
                        acknowledged.append(response.json()["event_id"])
                    else:
                        failures.append(response.text)

    all_at_once(WRITERS, writer)
    assert not failures
    stored = [json.loads(line) for line in run_cli("export", "--db", pg_url).stdout.splitlines()]
    stored_ids = [e["event_id"] for e in stored]
    assert len(stored_ids) == len(set(stored_ids))
    assert set(acknowledged) <= set(stored_ids)
    assert len(acknowledged) == WRITERS * EVENTS_PER_WRITER
    positions = [e["position"] for e in stored]
    assert positions == sorted(positions)
    per_stream: dict[str, list[int]] = {}
    for e in stored:
        per_stream.setdefault(e["negotiation_id"], []).append(e["version"])
    assert all(v == list(range(1, len(v) + 1)) for v in per_stream.values())
    assert json.loads(run_cli("verify", "--db", pg_url).stdout)["ok"] is True
    assert every_view_matches_replay(pg_url, per_stream, tmp_path)
    one_tree_whose_proofs_verify(urls, auth, stored, go_verifier)


def one_tree_whose_proofs_verify(urls: list[str], auth: dict[str, str], stored: list[dict[str, Any]],
                                 go_verifier: GoVerifier) -> None:
    """Both processes appended to one tree: log_index dense in position order, recorded time
    never going back in it, and every event's proof from either process verifying in Go
    against the checkpoint the other signed."""
    assert [e["log_index"] for e in stored] == list(range(len(stored)))
    assert all(a["recorded_at"] <= b["recorded_at"] for a, b in zip(stored, stored[1:]))
    note = httpx.get(f"{urls[0]}/log/checkpoint", headers=auth).text
    vkey = httpx.get(f"{urls[1]}/log/key", headers=auth).text.strip()
    _, size, root = go_verifier.verify_note(vkey, note).splitlines()
    assert int(size) == len(stored)
    requests = []
    for i, event in enumerate(stored):
        proof = httpx.get(f"{urls[i % 2]}/events/{event['event_id']}/proof", params={"tree_size": size},
                          headers=auth).json()
        assert proof["leaf_hash"] == event["hash"]
        requests.append(go_verifier.inclusion_request(event["log_index"], int(size), bytes.fromhex(event["hash"]),
                                                      [base64.b64decode(h) for h in proof["inclusion"]],
                                                      base64.b64decode(root)))
    assert go_verifier.refusals(requests) == [None] * len(stored)


def test_if_match_lets_exactly_one_of_racing_writers_win_across_processes(two_servers: Any) -> None:
    urls, auth = two_servers
    nid = httpx.post(f"{urls[0]}/negotiations", json=OPENING, headers=auth).json()["id"]
    statuses: list[int] = []

    def racer(index: int) -> None:
        response = httpx.post(f"{urls[index % 2]}/negotiations/{nid}/events", json=statement(index),
                              headers={**auth, "If-Match": '"1"'}, timeout=30)
        statuses.append(response.status_code)

    all_at_once(WRITERS, racer)
    assert sorted(statuses) == [201] + [409] * (WRITERS - 1)


def test_one_idempotency_key_stores_one_event_across_processes(two_servers: Any) -> None:
    urls, auth = two_servers
    nid = httpx.post(f"{urls[0]}/negotiations", json=OPENING, headers=auth).json()["id"]
    bodies: list[Any] = []

    def retrier(index: int) -> None:
        response = httpx.post(f"{urls[index % 2]}/negotiations/{nid}/events", json=statement(1),
                              headers={**auth, "Idempotency-Key": "same-key"}, timeout=30)
        bodies.append((response.status_code, response.json()))

    all_at_once(WRITERS, retrier)
    assert {status for status, _ in bodies} == {201}
    assert len({body["event_id"] for _, body in bodies}) == 1
    assert httpx.get(f"{urls[1]}/negotiations/{nid}", headers=auth).json()["version"] == 2


@pytest.mark.slow
def test_recorded_time_never_goes_back_in_log_order_over_10000_appends_from_two_processes(
        two_servers: Any, pg_url: str) -> None:
    """recorded_at is stamped under the lock that orders positions: however the two processes'
    appends interleave, known_at is a prefix of the log."""
    urls, auth = two_servers
    writers, requests, batch = 8, 25, 50  # 8 x 25 x 50 = 10,000 events
    refused: list[str] = []

    def writer(index: int) -> None:
        url = urls[index % 2]
        with httpx.Client(headers=auth, timeout=60) as client:
            own = client.post(f"{url}/negotiations", json=OPENING).json()["id"]
            for n in range(requests):
                sent = client.post(f"{url}/negotiations/{own}/events",
                                   json=[statement(index * 10_000 + n * batch + i) for i in range(batch)])
                if sent.status_code != 201:
                    refused.append(sent.text)

    all_at_once(writers, writer)
    assert not refused, refused[:2]
    stored = [json.loads(line) for line in run_cli("export", "--db", pg_url).stdout.splitlines()]
    assert len(stored) == writers * (requests * batch + 1)
    assert [e["position"] for e in stored] == sorted(e["position"] for e in stored)
    backwards = [(a["position"], b["position"]) for a, b in zip(stored, stored[1:]) if b["recorded_at"] < a["recorded_at"]]
    assert not backwards
