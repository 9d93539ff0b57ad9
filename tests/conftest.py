"""Shared fixtures: a service on a fresh database, an in-process HTTP client, and a token
for each role.

Every test that uses `settings` (and so `services`, `client`, ...) runs twice: on a SQLite file
and on a fresh PostgreSQL database of the server named by NEGOTIATION_LOG_TEST_POSTGRES. Without
that variable the PostgreSQL runs skip (CI sets it and refuses skips). A test that is about
SQLite itself is marked `sqlite_only` and runs once."""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
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


# Tests run in several processes (pytest-xdist) against one PostgreSQL server. Each test's
# database is its own, but a test that restarts the server takes it from everyone: such a test
# holds this file's lock exclusively, every other PostgreSQL test holds it shared.
POSTGRES_LOCK = Path(tempfile.gettempdir()) / "negotiation-log-tests-postgres.lock"


@contextlib.contextmanager
def postgres_in_use(exclusive: bool = False) -> Iterator[None]:
    with POSTGRES_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _create_database() -> str:
    name = f"nl_test_{uuid.uuid4().hex[:12]}"
    with postgres_in_use(), psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(name: str) -> None:
    with postgres_in_use(), psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Databases:
    """Each test process's databases, made and dropped by threads of their own while tests run. Both mostly wait for the disk (DROP DATABASE forces a checkpoint on PostgreSQL 15),
    0.2 to 1 s each: done in the test's setup and teardown, that was minutes of the suite. The
    next test's database is made while the current test runs; a used one is dropped after."""

    def __init__(self) -> None:
        # Two threads, so that a short test's next database is not made behind the last one's drop.
        self.creating = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="create-database")
        self.dropping = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
        self.spare: concurrent.futures.Future[str] | None = None
        self.drops: list[concurrent.futures.Future[None]] = []

    def take(self) -> str:
        name = (self.spare or self.creating.submit(_create_database)).result()
        self.spare = self.creating.submit(_create_database)
        return name

    def drop(self, name: str) -> None:
        self.drops.append(self.dropping.submit(_drop_database, name))

    def close(self) -> None:
        if self.spare is not None:
            self.drop(self.spare.result())
        for dropped in self.drops:
            dropped.result()
        self.creating.shutdown()
        self.dropping.shutdown()


_databases: _Databases | None = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _databases is not None:
        _databases.close()


@contextlib.contextmanager
def fresh_postgres_database(exclusive: bool = False) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    global _databases
    if not POSTGRES_URL:
        pytest.skip("set NEGOTIATION_LOG_TEST_POSTGRES=postgresql://... to run PostgreSQL tests")
    _databases = _databases or _Databases()
    name = _databases.take()
    try:
        with postgres_in_use(exclusive):
            yield urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
    finally:
        _databases.drop(name)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    with fresh_postgres_database(request.node.get_closest_marker("restarts_postgres") is not None) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(tmp_path / "log.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(db=database_url, signing_key=tmp_path / "signing.ed25519")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Runs `sqlite_only` tests once, on SQLite: the PostgreSQL variant is deselected, not
    skipped, so CI's no-skip rule still holds."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgres"
        (drop if on_postgres and item.get_closest_marker("sqlite_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


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
def start_server(tmp_path: Path) -> Iterator[Any]:
    """Starts `negotiation-log serve` processes on free ports, in the test's own directory (so
    files made in the working directory stay there); stops them after the test."""
    started: list[Server] = []

    def start(*args: str, env: dict[str, str] | None = None, open_files: int | None = None) -> Server:
        server = Server(*args, env=env, cwd=str(tmp_path), open_files=open_files)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# The independent verifier (Go's sumdb/note and sumdb/tlog), built once per session.
from tests.independent.go_verifier import go_verifier  # noqa: E402,F401
