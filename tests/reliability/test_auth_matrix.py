"""Every endpoint × role: who gets 401, who gets 403, and tokens never leak."""

from __future__ import annotations

import contextlib
import hmac
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.conftest import bearer, fresh_postgres_database
from tests.processes import run_cli

DUMMY = "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10"
OPEN = {"/health"}
# Streaming answers never end by themselves; their auth is checked without following them.
STREAMING = {"/events/stream"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """One service per backend for the whole matrix: its requests are refused or read, and
    none of them changes what the next one sees."""
    with contextlib.ExitStack() as stack:
        folder = tmp_path_factory.mktemp("matrix")
        if request.param == "sqlite":
            db = str(folder / "log.db")
        else:
            db = stack.enter_context(fresh_postgres_database())
        settings = Settings(db=db, signing_key=folder / "signing.ed25519")
        services = Services.open(settings)
        stack.callback(services.close)
        client = stack.enter_context(TestClient(create_app(settings, services)))
        tokens = {role: services.principals.create(f"{role}-1", role)[1]
                  for role in ("reader", "recorder", "auditor", "admin")}
        yield client, tokens


@pytest.fixture
def matrix_client(shared: tuple) -> TestClient:
    return shared[0]


@pytest.fixture
def matrix_tokens(shared: tuple) -> dict[str, str]:
    return shared[1]


def operations() -> list[tuple[str, str]]:
    """Every documented operation, from the service's own OpenAPI document."""
    paths = create_app(Settings(db=":memory:")).openapi()["paths"]
    return [(method.upper(), re.sub(r"\{[^}]+\}", DUMMY, path))
            for path, item in paths.items() for method in item if method in ("get", "post", "put", "delete", "patch")]


def action_of(method: str, path: str) -> str:
    if path.startswith("/admin") or path == "/metrics" or path.endswith("/erasures"):  # admins only
        return "admin"
    if path.startswith("/audit"):
        return "audit"
    if path == "/events/stream/tickets":  # a reader's way to open the stream from a browser
        return "read"
    return "read" if method == "GET" else "append"


ALLOWED = {"reader": {"read"}, "recorder": {"read", "append"}, "auditor": {"read", "audit"},
           "admin": {"read", "append", "audit", "admin"}}
OPERATIONS = operations()


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    body: Any = {} if method in ("POST", "PUT", "PATCH") else None
    if path in STREAMING:
        with client.stream(method, path, headers=headers, params={"after": 10**12}) as response:
            return response.status_code
    return client.request(method, path, headers=headers, json=body).status_code


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_token_or_a_bad_token_is_401_everywhere_but_health(matrix_client: TestClient, method: str,
                                                             path: str) -> None:
    client = matrix_client
    if path in OPEN:
        assert call(client, method, path, {}) == 200
        return
    for headers in ({}, bearer("nl_not-a-token"), {"Authorization": "Basic YWxpY2U6c2VjcmV0"}):
        if path in STREAMING and headers:
            continue
        assert call(client, method, path, headers) == 401, headers


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_each_role_is_refused_exactly_what_it_may_not_do(matrix_client: TestClient, matrix_tokens: dict,
                                                         method: str, path: str, role: str) -> None:
    client, tokens = matrix_client, matrix_tokens
    if path in OPEN or path in STREAMING:
        return
    status = call(client, method, path, bearer(tokens[role]))
    if action_of(method, path) in ALLOWED[role]:
        assert status not in (401, 403), status
    else:
        assert status == 403


def test_public_read_opens_reads_but_never_audit_or_writes(tmp_path: Any) -> None:
    with TestClient(create_app(Settings(db=str(tmp_path / "p.db"), public_read=True))) as client:
        for method, path in OPERATIONS:
            if path in OPEN or path in STREAMING:
                continue
            status = call(client, method, path, {})
            if action_of(method, path) == "read":
                assert status not in (401, 403), (method, path)
            else:
                assert status == 401, (method, path)


def test_tokens_are_compared_in_constant_time(services: Services, tokens: dict,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    services.principals._cache.clear()
    assert services.principals.authenticate(tokens["reader"]) is not None
    assert compared


def test_a_revoked_token_is_refused_at_once(client: TestClient, services: Services, tokens: dict) -> None:
    token_id = next(t["token_id"] for t in services.principals.list() if t["name"] == "reader-1")
    assert client.get("/negotiations", headers=bearer(tokens["reader"])).status_code == 200
    assert client.delete(f"/admin/tokens/{token_id}", headers=bearer(tokens["admin"])).status_code == 200
    assert client.get("/negotiations", headers=bearer(tokens["reader"])).status_code == 401


def test_tokens_are_never_logged_nor_returned_after_creation(tmp_path: Any, start_server: Any) -> None:
    db = str(tmp_path / "log.db")
    token = run_cli("token", "create", "alice", "--role", "admin", "--db", db).stdout.splitlines()[-1]
    server = start_server("--db", db, "--access-log")
    auth = {"Authorization": f"Bearer {token}"}
    seen = [httpx.get(f"{server.url}/admin/tokens", headers=auth).text,
            httpx.get(f"{server.url}/negotiations", headers=auth).text,
            httpx.get(f"{server.url}/negotiations", headers={"Authorization": f"Bearer {token}x"}).text,
            run_cli("token", "list", "--db", db).stdout]
    log = server.output()
    assert "GET /negotiations" in log  # the access log was on
    assert all(token not in text for text in [*seen, log])
