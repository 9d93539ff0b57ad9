"""JWT access tokens from an identity provider, through the service (docs/api.md §7): the
principal they name (GET /me, recorded_by, workspace limits), a 401 problem for every refusal,
keys rotated into the JWKS file while the service runs, a live stream that ends when its JWT
expires, and a JWKS URL fetched off the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli.main import app as cli
from api.identity_tokens import IdentityTokens, KeySet
from api.services import Services
from api.settings import Settings
from tests.conftest import OPENING, bearer
from tests.jwt_keys import (
    AUDIENCE, ISSUER, JwksServer, claims, ec_key, ed25519_key, hmac_signed, jwks, rsa_key, unsigned, write_jwks,
)
from tests.sse_client import EventStream, serving

RSA, EC, ED = rsa_key(), ec_key(), ed25519_key()


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    write_jwks(path, RSA, EC, ED)
    return path


@pytest.fixture
def settings(database_url: str, tmp_path: Path, jwks_file: Path) -> Settings:
    return Settings(db=database_url, signing_key=tmp_path / "signing.ed25519", jwks=str(jwks_file),
                    jwt_issuer=ISSUER, jwt_audience=AUDIENCE, heartbeat_seconds=0.2, jwt_leeway_seconds=0)


def test_a_jwt_principal_is_shown_by_me_with_its_role_and_workspaces(client: TestClient) -> None:
    token = ED.sign(claims(sub="alice@mediators.example", negotiation_log_role="auditor",
                           negotiation_log_workspaces=["istanbul", "geneva"]))
    answer = client.get("/me", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"name": "alice@mediators.example", "role": "auditor",
                             "workspaces": ["geneva", "istanbul"]}
    unlimited = client.get("/me", headers=bearer(RSA.sign(claims(sub="bob"))))
    assert unlimited.json() == {"name": "bob", "role": "reader", "workspaces": None}


def test_a_jwt_recorder_records_under_its_name_within_its_workspace(client: TestClient) -> None:
    recorder = bearer(EC.sign(claims(sub="carol", negotiation_log_role="recorder",
                                     negotiation_log_workspaces=["istanbul"])))
    opened = client.post("/negotiations", json=OPENING, headers=recorder)
    assert opened.status_code == 201, opened.text
    negotiation = opened.json()["id"]
    assert opened.json()["workspace"] == "istanbul"  # its only workspace
    event = {"type": "round.started", "occurred_at": "2025-02-27", "round_id": "r1"}
    appended = client.post(f"/negotiations/{negotiation}/events", json=event, headers=recorder)  # the fast path
    assert appended.status_code == 201, appended.text
    stored = client.get(f"/events/{appended.json()['event_id']}", headers=recorder).json()
    assert stored["recorded_by"] == "carol"
    elsewhere = client.post("/negotiations", json={**OPENING, "workspace": "geneva"}, headers=recorder)
    assert elsewhere.status_code == 403
    reader = bearer(RSA.sign(claims(sub="dan", negotiation_log_role="reader")))
    assert client.post(f"/negotiations/{negotiation}/events", json=event, headers=reader).status_code == 403


def refused() -> dict[str, tuple[str, str]]:
    """Each refused token and what its refusal must name, minted when the test runs: a token
    minted at collection would have expired by then in a long suite."""
    now = int(time.time())
    return {
        "bad signature": (rsa_key(RSA.kid).sign(claims()), "signature"),
        "unknown kid": (rsa_key("not-in-the-set").sign(claims()), "key id"),
        "alg none": (unsigned(claims(), RSA.kid), "alg none"),
        "HS256 with the RSA public key as secret": (hmac_signed(claims(), RSA.public_pem(), RSA.kid), "HMAC"),
        "expired": (EC.sign(claims(exp=now - 60, iat=now - 120, nbf=now - 120)), "expired"),
        "not yet valid": (EC.sign(claims(nbf=now + 3600, exp=now + 7200)), "not valid yet"),
        "wrong issuer": (ED.sign(claims(iss="https://idp.example/realms/other")), "issuer"),
        "wrong audience": (ED.sign(claims(aud="account")), "audience"),
        "role that does not exist": (RSA.sign(claims(negotiation_log_role="owner")), "negotiation_log_role"),
        "workspaces not a list of keys": (RSA.sign(claims(negotiation_log_workspaces=["Not A Key"])),
                                          "negotiation_log_workspaces"),
        "no sub": (EC.sign(claims(sub=None)), "no sub claim"),
        "malformed": ("bm90LWpzb24.bm90.anNvbg", "malformed"),
    }


def test_every_refused_jwt_is_a_401_problem_naming_the_check_and_never_the_token(client: TestClient) -> None:
    for case, (token, named) in refused().items():
        for path in ("/me", "/negotiations"):
            answer = client.get(path, headers=bearer(token))
            assert answer.status_code == 401, (case, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["www-authenticate"].startswith("Bearer")
            problem = answer.json()
            assert problem["rule"] == "jwt" and named in problem["detail"], (case, problem)
            assert not any(part in answer.text for part in token.split(".") if len(part) > 3), case
        appended = client.post("/negotiations/x/events", json={}, headers=bearer(token))  # the fast path
        assert appended.status_code == 401 and appended.json()["rule"] == "jwt", case


def test_nl_tokens_still_work_beside_jwts(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/me", headers=bearer(tokens["recorder"])).json()["name"] == "recorder-1"
    assert client.get("/me", headers=bearer("nl_" + "x" * 43)).json()["rule"] == "auth"


def test_a_key_rotated_into_the_jwks_file_is_accepted_without_a_restart(client: TestClient, jwks_file: Path) -> None:
    rotated = ec_key("ec-2026-12")
    before = client.get("/me", headers=bearer(rotated.sign(claims(sub="erin"))))
    assert before.status_code == 401 and "key id" in before.json()["detail"]
    write_jwks(jwks_file, RSA, rotated)
    after = client.get("/me", headers=bearer(rotated.sign(claims(sub="erin"))))
    assert after.status_code == 200 and after.json()["name"] == "erin"
    # The key taken out of the file is no longer accepted.
    assert client.get("/me", headers=bearer(ED.sign(claims(sub="fay")))).status_code == 401


def test_without_a_jwks_a_jwt_is_an_unknown_token(database_url: str, tmp_path: Path) -> None:
    settings = Settings(db=database_url, signing_key=tmp_path / "signing.ed25519")
    with TestClient(create_app(settings)) as plain:
        answer = plain.get("/me", headers=bearer(RSA.sign(claims())))
    assert answer.status_code == 401 and answer.json()["rule"] == "auth"


@pytest.mark.sqlite_only
def test_a_live_stream_opened_with_a_jwt_ends_when_it_expires(settings: Settings, services: Services) -> None:
    with serving(settings, services) as url:
        # Minted once the server is up: a loaded machine may take seconds to start it.
        token = EC.sign(claims(exp=int(time.time()) + 4))
        stream = EventStream(url, bearer(token))
        assert stream.status == 200
        assert stream.ended.wait(10), "the stream outlived its token"
        assert any("expired" in c for c in list(stream.comments.queue))


@pytest.mark.sqlite_only
def test_serve_refuses_to_start_with_a_jwks_file_it_cannot_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "log.db"), "--jwks",
                                      str(tmp_path / "absent.json")])
    assert result.exit_code == 2 and "NEGOTIATION_LOG_JWKS" in result.output, result.output


# -- a JWKS URL, fetched off the event loop ------------------------------------------------------

FETCH_SECONDS = 0.5


@pytest.fixture
def slow_idp() -> Iterator[JwksServer]:
    server = JwksServer(jwks(RSA), delay=FETCH_SECONDS)
    yield server
    server.close()


@pytest.mark.sqlite_only
def test_fetching_the_jwks_url_does_not_hold_up_other_requests(settings: Settings, services: Services,
                                                                slow_idp: JwksServer) -> None:
    # Plain http only here: the settings accept https URLs alone.
    services.identity = IdentityTokens(KeySet(slow_idp.url, allow_http=True), issuer=ISSUER, audience=AUDIENCE)
    app = create_app(settings, services)

    async def timed(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> tuple[int, float]:
        started = time.monotonic()
        response = await client.get(path, headers=headers)
        return response.status_code, time.monotonic() - started

    async def scenario() -> list[tuple[int, float]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            signed_in = asyncio.create_task(timed(client, "/me", bearer(RSA.sign(claims()))))
            await asyncio.sleep(0.05)
            health = await timed(client, "/health", {})
            return [health, await signed_in]

    (health, health_took), (me, me_took) = asyncio.run(scenario())
    assert (health, me) == (200, 200) and slow_idp.requests == 1
    assert health_took < FETCH_SECONDS / 2 <= me_took, (health_took, me_took)
