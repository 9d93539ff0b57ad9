"""Hostile input: every malformed request gets a 4xx problem+json, stores nothing, and the
service stays healthy."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services import Services
from tests.conftest import OPENING

ROUND = {"type": "round.scheduled", "occurred_at": "2025-02-20", "round_id": "r1"}


def deep(n: int) -> Any:
    value: Any = "x"
    for _ in range(n):
        value = {"a": value}
    return value


BODIES: list[tuple[str, Any]] = [
    ("unknown field", {**ROUND, "colour": "red"}),
    ("server field", {**ROUND, "position": 1}),
    ("wrong type: number", {**ROUND, "round_id": 5}),
    ("wrong type: object for string", {**ROUND, "label": {"a": 1}}),
    ("wrong type: list", {**ROUND, "venue": ["Istanbul"]}),
    ("bool for int", {**ROUND, "number": True}),
    ("huge string", {**ROUND, "label": "x" * 100_000}),
    ("huge array", {"type": "commitment.agreed", "occurred_at": "2025", "commitment_id": "c", "text": "t",
                    "parties": ["ru"] * 5000}),
    ("deeply nested", {**ROUND, "venue": deep(500)}),
    ("NUL in a string", {**ROUND, "label": "a\u0000b"}),
    ("year 0", {**ROUND, "occurred_at": "0000-01-01"}),
    ("year 10000", {**ROUND, "occurred_at": "10000-01-01"}),
    ("offset out of range", {**ROUND, "occurred_at": "2025-01-01T00:00+25:00"}),
    ("date that does not exist", {**ROUND, "occurred_at": "2025-02-30"}),
    ("backwards interval", {**ROUND, "occurred_at": "2025-05/2025-04"}),
    ("SQL in a key", {**ROUND, "round_id": "r1'; DROP TABLE nl_leaves; --"}),
    ("path in a key", {**ROUND, "round_id": "../../etc/passwd"}),
    ("uppercase key", {**ROUND, "round_id": "R1"}),
    ("string instead of event", "round.scheduled"),
    ("number instead of event", 42),
    ("null", None),
    ("array of non-events", [1, 2, 3]),
    ("type not a string", {**ROUND, "type": ["round.scheduled"]}),
    ("unknown type", {**ROUND, "type": "round.exploded"}),
    ("bad target id", {"type": "record.retracted", "occurred_at": "2025", "target_event_id": "1 OR 1=1",
                       "reason": "r"}),
]

RAW: list[tuple[str, bytes]] = [
    ("invalid UTF-8", b'{"type": "round.scheduled", "label": "\xc3\x28"}'),
    ("truncated", b'{"type": "round.sch'),
    ("trailing garbage", b'{"type": "round.scheduled"} xyz'),
    ("NaN", b'{"number": NaN}'),
    ("Infinity", b'{"number": Infinity}'),
    ("deep arrays", b"[" * 50_000 + b"]" * 50_000),
    ("NUL byte", b'{"type": "round.scheduled"\x00}'),
    ("BOM then JSON", b'\xef\xbb\xbf{"type": "round.scheduled"}'),
]


def assert_refused_and_nothing_stored(client: TestClient, services: Services, response: Any, before: int) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
    assert services.log.event_log.head()["position"] == before
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("name,body", BODIES, ids=[n for n, _ in BODIES])
def test_hostile_bodies_are_refused(client: TestClient, services: Services, as_recorder: dict, negotiation: str,
                                    name: str, body: Any) -> None:
    before = services.log.event_log.head()["position"]
    response = client.post(f"/negotiations/{negotiation}/events", json=body, headers=as_recorder)
    assert_refused_and_nothing_stored(client, services, response, before)


@pytest.mark.parametrize("name,raw", RAW, ids=[n for n, _ in RAW])
def test_hostile_raw_bytes_are_refused(client: TestClient, services: Services, as_recorder: dict,
                                       negotiation: str, name: str, raw: bytes) -> None:
    before = services.log.event_log.head()["position"]
    response = client.post(f"/negotiations/{negotiation}/events", content=raw,
                           headers={**as_recorder, "Content-Type": "application/json"})
    assert_refused_and_nothing_stored(client, services, response, before)


@pytest.mark.parametrize("path", [
    "/negotiations/'; DROP TABLE nl_leaves; --",
    "/negotiations/..%2F..%2Fetc%2Fpasswd",
    "/negotiations/%00",
    "/events/' OR '1'='1",
    "/negotiations?cursor=1;DROP",
    "/negotiations?limit=-1",
    "/negotiations?limit=99999999999999999999",
    "/negotiations/00000000-0000-0000-0000-000000000000?as_of='; DROP TABLE x",
    "/negotiations/00000000-0000-0000-0000-000000000000?known_at=10000-01-01",
])
def test_hostile_paths_and_query_parameters_are_4xx(client: TestClient, services: Services, as_recorder: dict,
                                                     negotiation: str, path: str) -> None:
    before = services.log.event_log.head()["position"]
    response = client.get(path, headers=as_recorder)
    assert_refused_and_nothing_stored(client, services, response, before)
    assert services.log.database.query("SELECT COUNT(*) AS n FROM nl_leaves")[0]["n"] == before


def test_a_hostile_opening_is_refused(client: TestClient, services: Services, as_recorder: dict) -> None:
    for body in ({**OPENING, "participants": []}, {**OPENING, "participants": [{"id": "ru", "name": "R"}]},
                 [OPENING], {**OPENING, "type": "round.started"}):
        response = client.post("/negotiations", json=body, headers=as_recorder)
        assert_refused_and_nothing_stored(client, services, response, 0)


def test_a_stalled_body_times_out_with_408(start_server: Any, tmp_path: Any) -> None:
    server = start_server("--db", str(tmp_path / "slow.db"), env={"NEGOTIATION_LOG_BODY_TIMEOUT": "1"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /negotiations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\nAuthorization: Bearer nope\r\n\r\n{\"title\":")
        started = time.monotonic()
        answer = sock.recv(4096).decode()
    assert time.monotonic() - started < 8
    assert answer.startswith("HTTP/1.1 4"), answer
