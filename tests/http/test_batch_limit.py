"""A batch holds at most NEGOTIATION_LOG_MAX_BATCH_EVENTS events (1,000 by default): more is a
413 naming the limit, and nothing is stored."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.services import Services


def proposals(count: int) -> list[dict[str, Any]]:
    return [{"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{n}"} for n in range(count)]


def test_a_batch_over_the_event_cap_is_413_naming_it(client: TestClient, services: Services,
                                                      as_recorder: dict, negotiation: str) -> None:
    before = services.log.event_log.head()["position"]
    response = client.post(f"/negotiations/{negotiation}/events", json=proposals(1001), headers=as_recorder)
    assert response.status_code == 413, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["rule"] == "batch-limit" and "1000 events" in problem["detail"]
    assert "NEGOTIATION_LOG_MAX_BATCH_EVENTS" in problem["detail"]
    assert services.log.event_log.head()["position"] == before


def test_a_batch_at_the_event_cap_is_stored(client: TestClient, as_recorder: dict, negotiation: str) -> None:
    response = client.post(f"/negotiations/{negotiation}/events", json=proposals(1000), headers=as_recorder)
    assert response.status_code == 201, response.text[:300]
    assert len(response.json()) == 1000
