"""Stream tickets: how a browser's EventSource, which cannot send an Authorization header,
opens the live stream without the token ever going into a URL. A ticket opens one stream,
once, within its lifetime, only at /events/stream, as the principal that asked; and the stream
still ends when the token behind the ticket is revoked or, for a JWT, expires."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.services import Services
from api.settings import Settings
from domain.principals import Principal
from domain.stream_tickets import Grounds, StreamTickets, TicketRefused
from tests.conftest import OPENING, bearer
from tests.jwt_keys import AUDIENCE, ISSUER, claims, ec_key, write_jwks
from tests.sse_client import EventStream, serving

KEY = ec_key()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    jwks = tmp_path / "jwks.json"
    write_jwks(jwks, KEY)
    return Settings(db=database_url, signing_key=tmp_path / "signing.ed25519", heartbeat_seconds=0.2,
                    jwks=str(jwks), jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwt_leeway_seconds=0)


def ticket_for(client: TestClient, headers: dict[str, str]) -> str:
    answer = client.post("/events/stream/tickets", headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ticket"])


def test_a_ticket_opens_one_stream_once_and_delivers_the_log(client: TestClient, settings: Settings,
                                                             services: Services, tokens: dict[str, str]) -> None:
    answer = client.post("/events/stream/tickets", headers=bearer(tokens["reader"]))
    assert answer.status_code == 201
    ticket, expires_at = answer.json()["ticket"], answer.json()["expires_at"]
    left = datetime.fromisoformat(expires_at.replace("Z", "+00:00")) - datetime.now(timezone.utc)
    assert 25 < left.total_seconds() <= 30
    client.post("/negotiations", json=OPENING, headers=bearer(tokens["recorder"]))
    with serving(settings, services) as url:
        stream = EventStream(url, {}, params={"ticket": ticket})
        assert stream.status == 200
        assert stream.take(1)[0].data["type"] == "negotiation.opened"
        again = EventStream(url, {}, params={"ticket": ticket})
        assert again.status == 401 and again.problem is not None
        assert again.problem["rule"] == "ticket" and "used already" in again.problem["detail"]
        stream.close()


def test_a_ticket_is_good_nowhere_but_the_stream(client: TestClient, settings: Settings, services: Services,
                                                 tokens: dict[str, str]) -> None:
    ticket = ticket_for(client, bearer(tokens["admin"]))
    assert client.get("/events", headers=bearer(ticket)).status_code == 401
    assert client.get("/me", headers=bearer(ticket)).status_code == 401
    assert client.get("/events", params={"ticket": ticket}).status_code == 401
    assert client.post("/negotiations", json=OPENING, params={"ticket": ticket}).status_code == 401
    assert client.post("/events/stream/tickets", params={"ticket": ticket}).status_code == 401
    # None of that used it up.
    with serving(settings, services) as url:
        stream = EventStream(url, {}, params={"ticket": ticket})
        assert stream.status == 200
        stream.close()


def test_an_expired_or_unknown_ticket_opens_nothing(client: TestClient, settings: Settings, services: Services,
                                                    tokens: dict[str, str]) -> None:
    services.tickets.seconds = 0.2
    ticket = ticket_for(client, bearer(tokens["reader"]))
    time.sleep(0.3)
    with serving(settings, services) as url:
        expired = EventStream(url, {}, params={"ticket": ticket})
        assert expired.status == 401 and expired.problem is not None and "expired" in expired.problem["detail"]
        for made_up in ("nlst_" + "x" * 43, "nope", tokens["reader"]):
            unknown = EventStream(url, {}, params={"ticket": made_up})
            assert unknown.status == 401 and unknown.problem is not None and unknown.problem["rule"] == "ticket"


def test_revoking_the_token_behind_a_ticket_ends_its_stream(client: TestClient, settings: Settings,
                                                            services: Services, tokens: dict[str, str]) -> None:
    token_id = next(t["token_id"] for t in services.principals.list() if t["name"] == "reader-1")
    ticket, unused = (ticket_for(client, bearer(tokens["reader"])) for _ in range(2))
    with serving(settings, services) as url:
        stream = EventStream(url, {}, params={"ticket": ticket})
        assert stream.status == 200
        services.principals.revoke(token_id)
        assert stream.ended.wait(5), "the stream outlived its token"
        assert any("revoked" in c for c in list(stream.comments.queue))
        late = EventStream(url, {}, params={"ticket": unused})
        assert late.status == 401 and late.problem is not None and "revoked" in late.problem["detail"]


def test_a_jwt_ticket_lasts_no_longer_than_the_jwt_and_its_stream_ends_with_it(
        client: TestClient, settings: Settings, services: Services) -> None:
    with serving(settings, services) as url:
        # Minted once the server is up: a loaded machine may take seconds to start it.
        expires = int(time.time()) + 4
        token = KEY.sign(claims(sub="ed", negotiation_log_workspaces=["istanbul"], exp=expires))
        answer = client.post("/events/stream/tickets", headers=bearer(token)).json()
        assert datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00")).timestamp() <= expires
        stream = EventStream(url, {}, params={"ticket": answer["ticket"]})
        assert stream.status == 200
        assert stream.ended.wait(10), "the stream outlived its JWT"


def test_a_ticket_carries_its_principals_role_and_workspaces_and_is_used_once_across_processes(
        services: Services) -> None:
    principal = Principal("desk", "auditor", frozenset({"istanbul", "geneva"}))
    ticket, _ = services.tickets.issue(principal, Grounds(token_digest="ab" * 32))
    elsewhere = StreamTickets(services.log.database)  # as another API process on the same database
    redeemed = elsewhere.redeem(ticket)
    assert redeemed.principal == principal and redeemed.grounds == Grounds(token_digest="ab" * 32)
    with pytest.raises(TicketRefused):
        services.tickets.redeem(ticket)


def test_a_ticket_streams_only_the_workspaces_of_the_token_that_asked(client: TestClient, settings: Settings,
                                                                      services: Services) -> None:
    root = bearer(services.principals.create("root", "admin")[1])
    alpha = client.post("/negotiations", json={**OPENING, "workspace": "alpha"}, headers=root).json()["id"]
    client.post("/negotiations", json={**OPENING, "workspace": "beta"}, headers=root)
    limited = services.principals.create("alpha-desk", "reader", ["alpha"])[1]
    ticket = ticket_for(client, bearer(limited))
    with serving(settings, services) as url:
        stream = EventStream(url, {}, params={"ticket": ticket})
        assert stream.status == 200
        assert [m.data["negotiation_id"] for m in stream.take(1)] == [alpha]
        assert stream.nothing_more()
        stream.close()
