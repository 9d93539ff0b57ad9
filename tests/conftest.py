"""Shared fixtures: a service on a fresh database, an in-process HTTP client, and a token
for each role. Tests that need PostgreSQL get it from NEGOTIATION_LOG_TEST_POSTGRES."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.processes import Server

POSTGRES_URL = os.environ.get("NEGOTIATION_LOG_TEST_POSTGRES")

OPENING: dict[str, Any] = {
    "title": "Russia–US consultations on embassy operations",
    "occurred_at": "2025-02",
    "format": "bilateral",
    "participants": [
        {"id": "ru", "name": "Russian Federation", "role": "party"},
        {"id": "us", "name": "United States", "role": "party"},
        {"id": "tr", "name": "Türkiye", "role": "host"},
    ],
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=str(tmp_path / "log.db"))


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = Services.open(settings)
    yield svc
    svc.close()


@pytest.fixture
def client(settings: Settings, services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    """A token per role, for principals named after their role."""
    return {role: services.principals.create(f"{role}-1", role)[1]
            for role in ("reader", "recorder", "auditor", "admin")}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def as_recorder(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["recorder"])


@pytest.fixture
def negotiation(client: TestClient, as_recorder: dict[str, str]) -> str:
    """The id of a freshly opened negotiation with participants ru, us (parties) and tr (host)."""
    response = client.post("/negotiations", json=OPENING, headers=as_recorder)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def start_server() -> Iterator[Any]:
    """Starts `negotiation-log serve` processes on free ports; stops them after the test."""
    started: list[Server] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Server:
        server = Server(*args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
