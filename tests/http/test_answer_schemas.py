"""The OpenAPI document declares a schema for every JSON answer, and the real answers match it.

The routes answer with ready JSON and FastAPI never validates it against the declared models
(api.answers), so this test is what holds them together: a recorded scenario that touches every
kind of fact, correction, retraction and erasure, then every JSON operation of the document,
each answer validated against the document's own schema for its status and content type.
The state models forbid fields they do not list, so an undocumented field fails here."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import OPENING, bearer

JSON_TYPES = ("application/json", "application/problem+json")
# A file in the format asked for (TimelineJS is JSON), not an answer of the API's own.
DOWNLOADS = {("get", "/negotiations/{negotiation_id}/export")}

SCENARIO: list[dict[str, Any]] = [
    {"type": "round.proposed", "occurred_at": "2025-02-01", "round_id": "r3", "proposed_by": "ru", "label": "Third"},
    {"type": "round.scheduled", "occurred_at": "2025-02-10", "round_id": "r1", "label": "First round", "number": 1,
     "scheduled_for": "2025-02-27", "venue": {"name": "Wrong venue", "city": "Istanbul", "country": "Türkiye"},
     "sources": [{"title": "Report", "url": "https://example.org/a", "publisher": "Agency",
                  "published_at": "2025-02-11", "reliability": "reported", "quote": "They will meet."}]},
    {"type": "delegation.named", "occurred_at": "2025-02-20", "round_id": "r1", "participant_id": "ru",
     "head": {"name": "Alexander Darchiev", "title": "Ambassador"}, "members": [{"name": "An aide"}]},
    {"type": "dispute.raised", "occurred_at": "2025-02-27~", "dispute_id": "property", "title": "Property",
     "description": "Six properties", "raised_by": "ru",
     "sources": [{"title": "First", "reliability": "claimed"}, {"title": "Second", "reliability": "official"}]},
    {"type": "dispute.raised", "occurred_at": "2025-02-27", "dispute_id": "flights", "title": "Flights"},
    {"type": "round.started", "occurred_at": "2025-02-27T10:00:00+03:00", "round_id": "r1"},
    {"type": "dispute.discussed", "occurred_at": "2025-02-27", "dispute_id": "property", "round_id": "r1"},
    {"type": "position.stated", "occurred_at": "2025-02-27", "dispute_id": "property", "participant_id": "ru",
     "stance": "demand", "text": "Return them."},
    {"type": "proposal.tabled", "occurred_at": "2025-02-27", "proposal_id": "p1", "proposed_by": "ru",
     "text": "Restore direct flights", "dispute_id": "flights"},
    {"type": "proposal.responded", "occurred_at": "2025-02-27", "proposal_id": "p1", "participant_id": "us",
     "response": "under_review", "text": "We will look at it"},
    {"type": "commitment.agreed", "occurred_at": "2025-02-27", "commitment_id": "c1", "parties": ["ru", "us"],
     "text": "Keep the missions financed", "round_id": "r1", "dispute_id": "property", "due": "2025-12"},
    {"type": "round.concluded", "occurred_at": "2025-02-27T16:30:00+03:00", "round_id": "r1",
     "duration": {"min_hours": 6, "max_hours": 6.5}, "summary": "Long talks"},
    {"type": "dispute.excluded", "occurred_at": "2025-03-01", "dispute_id": "flights", "excluded_by": "us",
     "reason": "Not on this track"},
    {"type": "round.scheduled", "occurred_at": "2025-03-05", "round_id": "r2", "scheduled_for": "2025-04",
     "provisional": True},
    {"type": "round.postponed", "occurred_at": "2025-03-20", "round_id": "r2", "reason": "Travel",
     "requested_by": "us"},
    {"type": "round.cancelled", "occurred_at": "2025-03-25", "round_id": "r2", "reason": "Off", "cancelled_by": "ru"},
    {"type": "commitment.progress_reported", "occurred_at": "2025-03-10", "commitment_id": "c1", "text": "Banks found"},
    {"type": "commitment.breach_alleged", "occurred_at": "2025-03-15", "commitment_id": "c1", "alleged_by": "ru",
     "text": "Accounts frozen", "attributed_to": "ru"},
    {"type": "commitment.withdrawn", "occurred_at": "2025-03-30", "commitment_id": "c1", "by": "us",
     "reason": "Superseded"},
    {"type": "proposal.withdrawn", "occurred_at": "2025-03-30", "proposal_id": "p1"},
    {"type": "dispute.resolved", "occurred_at": "2025-04-01", "dispute_id": "property", "summary": "Settled"},
    {"type": "participant.joined", "occurred_at": "2025-04-02",
     "participant": {"id": "om", "name": "Oman", "role": "mediator", "code": "OMN", "wikidata": "Q842"}},
    {"type": "statement.issued", "occurred_at": "2025-04-03", "text": "We keep talking.", "channel": "briefing",
     "speaker": {"name": "Maria Zakharova", "title": "Spokesperson", "participant_id": "ru"}},
    {"type": "participant.left", "occurred_at": "2025-04-04", "participant_id": "om", "note": "Left"},
    {"type": "negotiation.suspended", "occurred_at": "2025-06", "reason": "Pause"},
]


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


def recorded(client: TestClient, tokens: dict[str, str]) -> dict[str, Any]:
    """Records the scenario, checking every answer on the way; returns the ids a reader needs."""
    as_recorder = bearer(tokens["recorder"])
    opened = client.post("/negotiations", json=OPENING, headers=as_recorder)
    assert opened.status_code == 201, opened.text
    nid = opened.json()["id"]
    first = client.post(f"/negotiations/{nid}/events", json=SCENARIO[0], headers=as_recorder)
    batch = client.post(f"/negotiations/{nid}/events", json=SCENARIO[1:], headers=as_recorder)
    assert first.status_code == batch.status_code == 201, batch.text
    by_type = {(e["type"], e.get("round_id") or e.get("dispute_id")): e["event_id"] for e in batch.json()}
    corrected = client.post(f"/negotiations/{nid}/events", headers=as_recorder, json={
        "type": "record.corrected", "occurred_at": "2025-02-28", "target_event_id": by_type["round.scheduled", "r1"],
        "changes": {"venue": {"name": "US Consul General's residence", "city": "Istanbul", "country": "Türkiye"}},
        "reason": "The venue was wrong"})
    retracted = client.post(f"/negotiations/{nid}/events", headers=as_recorder, json={
        "type": "record.retracted", "occurred_at": "2025-04-05", "target_event_id": by_type["statement.issued", None],
        "reason": "Misattributed"})
    erased = client.post(f"/negotiations/{nid}/erasures", headers=bearer(tokens["admin"]), json={
        "target_event_id": by_type["dispute.raised", "property"], "fields": ["description", "sources[0]"],
        "reason": "Asked to"})
    assert corrected.status_code == retracted.status_code == erased.status_code == 201, erased.text
    return {"opened": opened, "first": first, "batch": batch, "corrected": corrected, "erased": erased, "id": nid,
            "erased_event": by_type["dispute.raised", "property"], "round_event": by_type["round.scheduled", "r1"]}


def check(document: dict[str, Any], method: str, template: str, response: Response) -> None:
    """The answer matches the schema its operation declares for its status and content type."""
    declared = document["paths"][template][method]["responses"]
    assert str(response.status_code) in declared, f"{method} {template}: {response.status_code} is not declared"
    media_type = response.headers["content-type"].split(";")[0]
    content = declared[str(response.status_code)].get("content", {})
    assert media_type in content, f"{method} {template} {response.status_code}: {media_type} is not declared"
    schema = {**content[media_type]["schema"], "components": document["components"]}
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}"
              for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(response.json())]
    assert not errors, f"{method} {template} {response.status_code}:\n" + "\n".join(errors[:10])


def answers(client: TestClient, tokens: dict[str, str]) -> list[tuple[str, str, Response]]:
    """(method, path template, answer) for the scenario and a read of every JSON operation."""
    scene = recorded(client, tokens)
    nid, base = scene["id"], f"/negotiations/{scene['id']}"
    admin, auditor = bearer(tokens["admin"]), bearer(tokens["auditor"])
    n = "/negotiations/{negotiation_id}"
    found = [("post", "/negotiations", scene["opened"]), ("post", f"{n}/events", scene["first"]),
             ("post", f"{n}/events", scene["batch"]), ("post", f"{n}/events", scene["corrected"]),
             ("post", f"{n}/erasures", scene["erased"])]

    def get(template: str, path: str, headers: dict[str, str] = admin, **params: str) -> None:
        found.append(("get", template, client.get(path, params=params, headers=headers)))

    for axes in ({}, {"as_of": "2025-03-01"}, {"known_at": "2100-01-01"}):
        get("/negotiations", "/negotiations", **axes)
        get(n, base, **axes)
        for plural, key in (("rounds", "r1"), ("disputes", "property"), ("proposals", "p1"), ("commitments", "c1")):
            get(f"{n}/{plural}", f"{base}/{plural}", **axes)
            get(f"{n}/{plural}/{{{plural[:-1]}_id}}", f"{base}/{plural}/{key}", **axes)
        get(f"{n}/timeline", f"{base}/timeline", **axes)
    for plural, key in (("rounds", "r2"), ("rounds", "r3"), ("disputes", "flights")):
        get(f"{n}/{plural}/{{{plural[:-1]}_id}}", f"{base}/{plural}/{key}")
    get(f"{n}/rounds", f"{base}/rounds", limit="1")
    get(f"{n}/changes", f"{base}/changes")
    get(f"{n}/changes", f"{base}/changes", **{"from": "2025-03-01", "to": "2025-04-10"})
    get(f"{n}/changes", f"{base}/changes", **{"from": "2025-02-27", "as_of": "2025-04"})
    get("/events", "/events")
    get("/events", "/events", after="3", limit="2")
    for event_id in (scene["erased_event"], scene["round_event"]):
        get("/events/{event_id}", f"/events/{event_id}")
        get("/events/{event_id}/proof", f"/events/{event_id}/proof")
        get("/events/{event_id}/proof", f"/events/{event_id}/proof", tree_size="20")
        get("/events/{event_id}/receipt", f"/events/{event_id}/receipt")
    get("/log/consistency", "/log/consistency", first="3", second="20")
    get("/audit", "/audit", headers=auditor)
    get("/audit", "/audit", headers=auditor, order="desc", limit="2", negotiation_id=nid, type="round.scheduled")
    get("/audit/verify", "/audit/verify", headers=auditor)
    get("/health", "/health", headers={})
    get("/me", "/me")
    found.append(("post", "/events/stream/tickets", client.post("/events/stream/tickets", headers=admin)))
    created = client.post("/admin/tokens", json={"name": "carol", "role": "reader"}, headers=admin)
    found.append(("post", "/admin/tokens", created))
    get("/admin/tokens", "/admin/tokens")
    found.append(("delete", "/admin/tokens/{token_id}",
                  client.delete(f"/admin/tokens/{created.json()['token_id']}", headers=admin)))
    # Problems, with their own schema.
    get(f"{n}/rounds/{{round_id}}", f"{base}/rounds/nope")
    get(f"{n}/timeline", f"{base}/timeline", as_of="not a time")
    get("/events", "/events", limit="0")  # refused by FastAPI's own parameter validation
    get("/audit", "/audit", headers=bearer(tokens["reader"]))
    get("/events", "/events", headers={"Authorization": "Bearer nope"})
    found.append(("post", f"{n}/events", client.post(f"{base}/events", json=[SCENARIO[0], {"type": "x"}],
                                                     headers=bearer(tokens["recorder"]))))
    found.append(("post", f"{n}/events", client.post(f"{base}/events", json=SCENARIO[0],
                                                     headers={**bearer(tokens["recorder"]), "If-Match": '"1"'})))
    return found


def json_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """The operations that answer success with JSON of the API's own."""
    def answers_json(operation: dict[str, Any]) -> bool:
        return any(code.startswith("2") and "application/json" in answer.get("content", {})
                   for code, answer in operation["responses"].items())
    return {(method, path) for path, item in document["paths"].items() for method, operation in item.items()
            if (method, path) not in DOWNLOADS and answers_json(operation)}


def test_every_answer_matches_the_schema_its_operation_declares(client: TestClient, tokens: dict[str, str],
                                                                document: dict[str, Any]) -> None:
    found = answers(client, tokens)
    for method, template, response in found:
        check(document, method, template, response)
    assert {(m, t) for m, t, r in found if r.status_code < 300} == json_operations(document)
    assert {r.status_code for _, _, r in found} >= {200, 201, 401, 403, 404, 409, 422}


def test_no_json_answer_is_declared_as_a_bare_object(document: dict[str, Any]) -> None:
    for method, path in json_operations(document):
        for code, answer in document["paths"][path][method]["responses"].items():
            for media_type, content in answer.get("content", {}).items():
                if media_type in JSON_TYPES:
                    assert "$ref" in str(content["schema"]), f"{method} {path} {code}: {content['schema']}"


def test_statuses_are_enums_in_the_document(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for model, enum in (("Round", "RoundStatus"), ("Dispute", "DisputeStatus"), ("Proposal", "ProposalStatus"),
                        ("Commitment", "CommitmentStatus"), ("Negotiation", "NegotiationStatus")):
        assert schemas[model]["properties"]["status"] == {"$ref": f"#/components/schemas/{enum}"}
    assert schemas["RoundStatus"]["enum"] == ["proposed", "scheduled", "postponed", "in_progress", "concluded",
                                              "cancelled"]
