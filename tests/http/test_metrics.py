"""GET /metrics: Prometheus text that Prometheus's own parser reads, for admins only, counting
appends and refusals by status and rule, timing them, and reading the log size, the last good
verification and the storage pool when scraped."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.conftest import OPENING, bearer

STATEMENT = {"type": "statement.issued", "occurred_at": "2025-03-01", "text": "On the record.",
             "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


def scrape(client: TestClient, admin: dict[str, str]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def appends(samples: dict[Any, float], status: str, rule: str = "") -> float:
    return samples.get(("negotiation_log_appends_total", (("rule", rule), ("status", status))), 0.0)


def test_metrics_are_for_admins_only(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/metrics").status_code == 401
    for role in ("reader", "recorder", "auditor"):
        response = client.get("/metrics", headers=bearer(tokens[role]))
        assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"


def test_appends_and_refusals_are_counted_by_status_and_rule(client: TestClient, tokens: dict[str, str],
                                                            as_recorder: dict[str, str], negotiation: str) -> None:
    admin = bearer(tokens["admin"])
    for _ in range(3):
        assert client.post(f"/negotiations/{negotiation}/events", json=STATEMENT, headers=as_recorder).status_code == 201
    conflict = client.post(f"/negotiations/{negotiation}/events", json=STATEMENT,
                           headers={**as_recorder, "If-Match": '"1"'})
    invalid = client.post(f"/negotiations/{negotiation}/events", json={"type": "statement.issued"}, headers=as_recorder)
    malformed = client.post(f"/negotiations/{negotiation}/events", content=b"{", headers=as_recorder)
    assert (conflict.status_code, invalid.status_code, malformed.status_code) == (409, 422, 400)
    samples = scrape(client, admin)
    assert appends(samples, "201") == 4  # the opening too
    assert appends(samples, "409", "if-match") == 1
    assert appends(samples, "422", "validation") == 1
    assert appends(samples, "400", "json") == 1
    assert samples[("negotiation_log_append_seconds_count", ())] == 7
    assert 0 < samples[("negotiation_log_append_seconds_sum", ())] < 60
    assert samples[("negotiation_log_tree_size", ())] == 4
    assert samples[("negotiation_log_live_stream_clients", ())] == 0
    assert samples[("negotiation_log_pool_connections_in_use", ())] >= 0


def test_the_age_of_the_last_good_verification_is_infinite_until_one_passes(client: TestClient,
                                                                            tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    assert math.isinf(scrape(client, admin)[("negotiation_log_seconds_since_last_good_verify", ())])
    assert client.get("/audit/verify", headers=admin).json()["ok"] is True
    assert 0 <= scrape(client, admin)[("negotiation_log_seconds_since_last_good_verify", ())] < 60


@pytest.mark.sqlite_only
def test_503s_are_counted_by_cause(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "log.db"), lock_timeout=0, signing_key=tmp_path / "key")
    services = Services.open(settings)
    try:
        admin = bearer(services.principals.create("ops", "admin")[1])
        client = TestClient(create_app(settings, services))
        nid = client.post("/negotiations", json=OPENING, headers=admin).json()["id"]
        other = sqlite3.connect(settings.db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        refused = client.post(f"/negotiations/{nid}/events", json=STATEMENT, headers=admin)
        other.execute("ROLLBACK")
        assert refused.status_code == 503
        samples = scrape(client, admin)
        assert samples[("negotiation_log_unavailable_total", (("cause", "lock-timeout"),))] == 1
        assert appends(samples, "503", "storage") == 1
    finally:
        services.close()
