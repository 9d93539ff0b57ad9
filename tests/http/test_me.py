"""`GET /me`: who the bearer token is, so that a client shows only what its role may do."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import bearer


def test_each_token_learns_its_principals_name_and_role(client: TestClient, tokens: dict[str, str]) -> None:
    for role, token in tokens.items():
        answer = client.get("/me", headers=bearer(token))
        assert answer.status_code == 200
        assert answer.json() == {"name": f"{role}-1", "role": role, "workspaces": None}


def test_no_token_is_401_unless_reads_are_public_then_it_is_the_anonymous_reader(client: TestClient,
                                                                                 tmp_path) -> None:
    refused = client.get("/me")
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    assert client.get("/me", headers=bearer("nl_unknown")).status_code == 401
    with TestClient(create_app(Settings(db=str(tmp_path / "p.db"), public_read=True,
                                        signing_key=tmp_path / "key"))) as public:
        assert public.get("/me").json() == {"name": "anonymous", "role": "reader", "workspaces": None}
