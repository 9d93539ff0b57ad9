"""Recording over HTTP, in-process: auth, preconditions, idempotency, limits, and the
problem+json shape of every refusal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.conftest import OPENING, bearer

ROUND = {"type": "round.scheduled", "occurred_at": "2025-02-20", "round_id": "r1", "scheduled_for": "2025-02-27"}


def events_url(nid: str) -> str:
    return f"/negotiations/{nid}/events"


def assert_problem(response: Any, status: int, *mentions: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    for word in mentions:
        assert word in body["detail"], body["detail"]
    return body


def test_opening_answers_201_with_the_negotiation_and_its_location(client: TestClient, as_recorder: dict) -> None:
    response = client.post("/negotiations", json=OPENING, headers=as_recorder)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/negotiations/{body['id']}"
    assert body["title"] == OPENING["title"] and body["status"] == "active" and body["version"] == 1
    assert body["event"]["recorded_by"] == "recorder-1"


def test_an_appended_event_comes_back_with_the_server_envelope(client: TestClient, as_recorder: dict,
                                                                negotiation: str) -> None:
    response = client.post(events_url(negotiation), json=ROUND, headers=as_recorder)
    assert response.status_code == 201
    event = response.json()
    for field in ("event_id", "negotiation_id", "version", "position", "log_index", "recorded_at", "recorded_by",
                  "hash"):
        assert field in event
    assert event["log_index"] == 1  # the opening is leaf 0 of this new log
    assert client.get(f"/events/{event['event_id']}", headers=as_recorder).json()["hash"] == event["hash"]


def test_recorded_by_comes_from_the_token_never_from_the_body(client: TestClient, as_recorder: dict,
                                                              negotiation: str) -> None:
    response = client.post(events_url(negotiation), json={**ROUND, "recorded_by": "someone-else"}, headers=as_recorder)
    body = assert_problem(response, 422, "recorded_by")
    assert body["errors"][0]["field"] == "recorded_by"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
def test_writes_without_a_valid_token_are_401(client: TestClient, negotiation: str, headers: dict) -> None:
    response = client.post(events_url(negotiation), json=ROUND, headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("role", ["reader", "auditor"])
def test_roles_that_may_not_append_are_403(client: TestClient, tokens: dict, negotiation: str, role: str) -> None:
    assert_problem(client.post(events_url(negotiation), json=ROUND, headers=bearer(tokens[role])), 403, role)
    assert_problem(client.post("/negotiations", json=OPENING, headers=bearer(tokens[role])), 403)


def test_reads_need_a_token_unless_public_read_is_on(client: TestClient, negotiation: str, tmp_path: Any) -> None:
    assert_problem(client.get(f"/negotiations/{negotiation}"), 401)
    settings = Settings(db=str(tmp_path / "public.db"), public_read=True)
    with TestClient(create_app(settings)) as public:
        assert public.get("/negotiations").status_code == 200
        assert_problem(public.get("/audit/verify"), 401)
        assert_problem(public.post("/negotiations", json=OPENING), 401)


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_if_match_conflict_is_409_and_reads_carry_the_etag(client: TestClient, as_recorder: dict,
                                                           negotiation: str) -> None:
    assert client.get(f"/negotiations/{negotiation}", headers=as_recorder).headers["etag"] == '"1"'
    ok = client.post(events_url(negotiation), json=ROUND, headers={**as_recorder, "If-Match": '"1"'})
    assert ok.status_code == 201 and ok.headers["etag"] == '"2"'
    stale = client.post(events_url(negotiation), json={**ROUND, "round_id": "r2"},
                        headers={**as_recorder, "If-Match": '"1"'})
    assert_problem(stale, 409, "version 1", "version 2")
    assert_problem(client.post(events_url(negotiation), json=ROUND, headers={**as_recorder, "If-Match": "v1"}),
                   422, "If-Match")


def test_a_retry_with_the_same_idempotency_key_returns_the_original_response(
        client: TestClient, as_recorder: dict, negotiation: str) -> None:
    headers = {**as_recorder, "Idempotency-Key": "retry-7"}
    first = client.post(events_url(negotiation), json=ROUND, headers=headers)
    again = client.post(events_url(negotiation), json=ROUND, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert client.get(f"/negotiations/{negotiation}", headers=as_recorder).json()["version"] == 2
    changed = client.post(events_url(negotiation), json={**ROUND, "round_id": "r2"}, headers=headers)
    assert_problem(changed, 422, "retry-7")


def test_opening_is_idempotent_too(client: TestClient, as_recorder: dict) -> None:
    headers = {**as_recorder, "Idempotency-Key": "open-1"}
    first = client.post("/negotiations", json=OPENING, headers=headers)
    again = client.post("/negotiations", json=OPENING, headers=headers)
    assert again.json() == first.json()
    assert len(client.get("/negotiations", headers=as_recorder).json()["items"]) == 1


def test_a_batch_is_stored_all_or_nothing_and_the_refusal_names_the_event(
        client: TestClient, as_recorder: dict, negotiation: str) -> None:
    batch = [ROUND, {"type": "round.started", "occurred_at": "2025-02-27", "round_id": "r1"},
             {"type": "dispute.discussed", "occurred_at": "2025-02-27", "dispute_id": "nope", "round_id": "r1"}]
    body = assert_problem(client.post(events_url(negotiation), json=batch, headers=as_recorder), 409, "event 2")
    assert body["index"] == 2
    assert client.get(f"/negotiations/{negotiation}", headers=as_recorder).json()["version"] == 1
    stored = client.post(events_url(negotiation), json=batch[:2], headers=as_recorder)
    assert stored.status_code == 201 and [e["version"] for e in stored.json()] == [2, 3]


def test_validation_errors_name_the_field(client: TestClient, as_recorder: dict, negotiation: str) -> None:
    body = assert_problem(client.post(events_url(negotiation), json={**ROUND, "occurred_at": "27/02/2025"},
                                      headers=as_recorder), 422, "occurred_at")
    assert body["errors"][0]["field"] == "occurred_at"
    assert_problem(client.post(events_url(negotiation), json={"occurred_at": "2025"}, headers=as_recorder), 422, "type")
    assert_problem(client.post(events_url(negotiation), json=[], headers=as_recorder), 422, "at least one")


def test_unknown_participants_and_negotiations_are_refused(client: TestClient, as_recorder: dict,
                                                           negotiation: str) -> None:
    raised = {"type": "dispute.raised", "occurred_at": "2025-02-27", "dispute_id": "p", "title": "P", "raised_by": "cn"}
    assert_problem(client.post(events_url(negotiation), json=raised, headers=as_recorder), 409, "raised_by", "cn")
    assert_problem(client.post(events_url("0d9a3c8e-1b2c-4d5e-8f90-a1b2c3d4e5f6"), json=ROUND, headers=as_recorder),
                   404)
    assert_problem(client.get("/events/0d9a3c8e-1b2c-4d5e-8f90-a1b2c3d4e5f6", headers=as_recorder), 404)


@pytest.mark.parametrize("raw,mention", [
    (b'{"type": "round.scheduled",', "malformed JSON"),
    (b'\xff\xfe{}', "UTF-8"),
    (b'{"n": NaN}', "NaN"),
    (b"", "empty"),
    (b"[" * 100_000 + b"]" * 100_000, "malformed JSON"),
])
def test_malformed_bodies_are_400(client: TestClient, as_recorder: dict, negotiation: str, raw: bytes,
                                  mention: str) -> None:
    response = client.post(events_url(negotiation), content=raw,
                           headers={**as_recorder, "Content-Type": "application/json"})
    assert_problem(response, 400, mention)


def test_bodies_over_the_limit_are_413_even_without_a_content_length(
        settings: Settings, services: Services, tokens: dict, negotiation: str) -> None:
    small = Settings(db=settings.db, max_body_bytes=4096)
    with TestClient(create_app(small, services)) as client:
        headers = bearer(tokens["recorder"])
        too_big = {**ROUND, "note": "x" * 5000}
        assert_problem(client.post(events_url(negotiation), json=too_big, headers=headers), 413, "4096")

        def chunks() -> Any:
            yield b'{"type": "round.scheduled", "note": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        assert_problem(client.post(events_url(negotiation), content=chunks(), headers=headers), 413)
        assert client.get(f"/negotiations/{negotiation}", headers=headers).json()["version"] == 1


def test_admins_create_list_and_revoke_tokens_and_a_revoked_token_is_refused_at_once(
        client: TestClient, tokens: dict) -> None:
    admin = bearer(tokens["admin"])
    created = client.post("/admin/tokens", json={"name": "mediator-desk", "role": "recorder"}, headers=admin)
    assert created.status_code == 201
    token, token_id = created.json()["token"], created.json()["token_id"]
    assert client.post("/negotiations", json=OPENING, headers=bearer(token)).status_code == 201
    listed = client.get("/admin/tokens", headers=admin).json()["items"]
    assert token_id in {t["token_id"] for t in listed}
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert client.delete(f"/admin/tokens/{token_id}", headers=admin).status_code == 200
    assert_problem(client.post("/negotiations", json=OPENING, headers=bearer(token)), 401)
    assert_problem(client.post("/admin/tokens", json={"name": "x", "role": "king"}, headers=admin), 422, "role")
    assert_problem(client.get("/admin/tokens", headers=bearer(tokens["recorder"])), 403)


def test_tokens_are_stored_only_as_hashes(services: Services, tokens: dict) -> None:
    rows = services.log.database.query("SELECT * FROM nl_tokens")
    stored = " ".join(str(v) for row in rows for v in dict(row).values())
    assert all(token not in stored for token in tokens.values())


def test_the_docs_load_nothing_from_a_cdn(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn" not in html and "https://" not in html
    schema = client.get("/openapi.json").json()
    examples = schema["paths"]["/negotiations/{negotiation_id}/events"]["post"]["requestBody"]["content"][
        "application/json"]["examples"]
    assert {"round.scheduled", "record.retracted", "commitment.breach_alleged"} <= set(examples)
