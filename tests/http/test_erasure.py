"""Erasing personal data without breaking a proof (docs/api.md §10), over HTTP on both backends:
after a name and a source are erased, neither they nor their salts are served by anything —
the event, views, indexes, the feed and the stream, exports, an idempotent retry, proofs, any
time-travel answer — and every leaf, proof, receipt and `verify` stays valid."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services import Services
from api.settings import Settings
from domain.log_audit import verify_log
from domain.receipts import verify_receipt
from domain.signed_note import parse_verifier_key
from projections.store.rebuild import rebuild
from tests.conftest import bearer
from tests.independent.go_verifier import GoVerifier
from tests.problems import assert_problem
from tests.sse_client import EventStream, serving

NAME = "Ivan Petrovich Sidorov"
SOURCE = "A source named Nadezhda Kuznetsova"
KEPT = "Public briefing at the consulate"
STATEMENT = {
    "type": "statement.issued", "occurred_at": "2025-04-10T15:00:00+03:00",
    "speaker": {"name": NAME, "title": "Deputy head of delegation", "participant_id": "ru"},
    "text": "The talks were constructive.", "note": "heard in the corridor",
    "sources": [{"title": KEPT, "reliability": "official"},
                {"title": SOURCE, "quote": "Sidorov said so", "reliability": "claimed"}],
}
POSITION = {"type": "position.stated", "occurred_at": "2025-04-10", "dispute_id": "property",
            "participant_id": "ru", "stance": "demand", "text": "Return the six properties, says Sidorov"}
FORMATS = ("jsonl", "plover", "timelinejs", "csv", "ics")


@pytest.fixture
def erased(client: TestClient, tokens: dict[str, str], negotiation: str) -> dict[str, Any]:
    """A statement (sent with an Idempotency-Key) and a position, proofs and a receipt taken,
    then the speaker's name and one source erased."""
    recorder, admin = bearer(tokens["recorder"]), bearer(tokens["admin"])
    url = f"/negotiations/{negotiation}/events"
    raised = {"type": "dispute.raised", "occurred_at": "2025-04-01", "dispute_id": "property", "title": "Property"}
    assert client.post(url, json=[raised, POSITION], headers=recorder).status_code == 201
    sent = client.post(url, json=STATEMENT, headers={**recorder, "Idempotency-Key": "statement-1"})
    assert sent.status_code == 201
    statement = sent.json()
    before = {"proof": client.get(f"/events/{statement['event_id']}/proof", headers=recorder).json(),
              "receipt": client.get(f"/events/{statement['event_id']}/receipt", headers=recorder).json(),
              "known_at": statement["recorded_at"]}
    salts = {name: salt for salt, name, _ in before["proof"]["disclosures"]}
    response = client.post(f"/negotiations/{negotiation}/erasures", headers=admin, json={
        "target_event_id": statement["event_id"], "fields": ["speaker", "sources[1]"],
        "reason": "The speaker asked to be erased (GDPR art. 17); the source must stay protected"})
    assert response.status_code == 201, response.text
    return {"negotiation": negotiation, "statement": statement, "erasure": response.json(), "before": before,
            "secrets": [NAME, "Kuznetsova", salts["speaker"], salts["sources[1]"]], "recorder": recorder,
            "admin": admin}


def assert_none_in(text: str, secrets: list[str], where: str) -> None:
    found = [s for s in secrets if s in text]
    assert not found, f"{found} still in {where}"


def test_the_erasure_is_on_record_without_the_values(erased: dict[str, Any]) -> None:
    erasure = erased["erasure"]
    assert erasure["type"] == "record.erased" and erasure["target_event_id"] == erased["statement"]["event_id"]
    assert erasure["fields"] == ["speaker", "sources[1]"] and erasure["recorded_by"] == "admin-1"
    assert_none_in(json.dumps(erasure, ensure_ascii=False), erased["secrets"], "the erasure event")


def test_the_event_is_served_erased_with_what_was_kept(client: TestClient, erased: dict[str, Any]) -> None:
    event = client.get(f"/events/{erased['statement']['event_id']}", headers=erased["recorder"]).json()
    assert event["erased"] == ["sources[1]", "speaker"] and "speaker" not in event
    assert event["sources"] == [STATEMENT["sources"][0], None] and event["text"] == STATEMENT["text"]
    assert [c["type"] for c in event["corrections"]] == ["record.erased"]


def test_no_answer_serves_an_erased_value_or_its_salt(client: TestClient, erased: dict[str, Any]) -> None:
    nid, auth, secrets = erased["negotiation"], erased["recorder"], erased["secrets"]
    event_id = erased["statement"]["event_id"]
    answers = {
        "event": f"/events/{event_id}", "proof": f"/events/{event_id}/proof", "receipt": f"/events/{event_id}/receipt",
        "feed": "/events?after=0&limit=1000", "negotiations": "/negotiations", "negotiation": f"/negotiations/{nid}",
        "timeline": f"/negotiations/{nid}/timeline",
        "timeline known before the erasure": f"/negotiations/{nid}/timeline?known_at={erased['before']['known_at']}",
        "changes": f"/negotiations/{nid}/changes?to=2025-05-01",
        "disputes": f"/negotiations/{nid}/disputes?known_at={erased['before']['known_at']}",
        **{f"export {f}": f"/negotiations/{nid}/export?format={f}" for f in FORMATS},
    }
    for where, path in answers.items():
        response = client.get(path, headers=auth)
        assert response.status_code == 200, (where, response.text)
        assert_none_in(response.text, secrets, where)
    assert KEPT in client.get(f"/events/{event_id}", headers=auth).text  # the scan sees what is kept
    audit = client.get(f"/audit?negotiation_id={nid}", headers=erased["admin"])
    assert audit.status_code == 200 and KEPT in audit.text
    assert_none_in(audit.text, secrets, "the audit trail")
    retried = client.post(f"/negotiations/{nid}/events", json=STATEMENT,
                          headers={**auth, "Idempotency-Key": "statement-1"})
    assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["erased"] == ["sources[1]", "speaker"]
    assert_none_in(retried.text, secrets, "an idempotent retry")


def test_proofs_taken_before_the_erasure_still_verify(client: TestClient, erased: dict[str, Any],
                                                      services: Services, settings: Settings,
                                                      go_verifier: GoVerifier) -> None:
    event_id, auth = erased["statement"]["event_id"], erased["recorder"]
    vkey_text = client.get("/log/key", headers=auth).text.strip()
    vkey = parse_verifier_key(vkey_text)
    assert verify_receipt(erased["before"]["receipt"], vkey)["event_id"] == event_id
    now = client.get(f"/events/{event_id}/proof", headers=auth).json()
    before = erased["before"]["proof"]
    assert now["leaf"] == before["leaf"]  # the leaf never changed
    assert sorted(name for _, name, _ in now["disclosures"]) == ["note", "sources[0]", "text"]
    receipt = client.get(f"/events/{event_id}/receipt", headers=auth).json()
    assert verify_receipt(receipt, vkey)["log_index"] == erased["statement"]["log_index"]
    # The independent verifier: the proof saved before still holds, and today's signed tree
    # extends the one signed before the erasure.
    first, first_root = checkpoint_of(go_verifier.verify_note(vkey_text, before["checkpoint"]))
    go_verifier.check_inclusion(erased["statement"]["log_index"], first, bytes.fromhex(before["leaf_hash"]),
                                [base64.b64decode(h) for h in before["inclusion"]], first_root)
    second, second_root = checkpoint_of(go_verifier.verify_note(vkey_text, client.get("/log/checkpoint",
                                                                                      headers=auth).text))
    consistency = client.get("/log/consistency", params={"first": first, "second": second}, headers=auth).json()
    go_verifier.check_consistency(first, second, first_root, second_root,
                                  [base64.b64decode(h) for h in consistency["consistency"]])
    assert verify_log(services.log.event_log, signed=services.signer.last_signed(), url=settings.db)["ok"]


def checkpoint_of(text: str) -> tuple[int, bytes]:
    _, size, root = text.split("\n")[:3]
    return int(size), base64.b64decode(root)


def test_a_correction_of_an_erased_field_does_not_bring_it_back(client: TestClient, erased: dict[str, Any]) -> None:
    nid, auth, event_id = erased["negotiation"], erased["recorder"], erased["statement"]["event_id"]
    correction = {"type": "record.corrected", "occurred_at": "2025-04-11", "target_event_id": event_id,
                  "changes": {"speaker": {"name": "A member of the delegation", "participant_id": "ru"}},
                  "reason": "the speaker is described, not named"}
    assert client.post(f"/negotiations/{nid}/events", json=correction, headers=auth).status_code == 201
    timeline = client.get(f"/negotiations/{nid}/timeline?type=statement", headers=auth).json()["items"]
    assert timeline[0]["speaker"]["name"] == "A member of the delegation"
    assert_none_in(json.dumps(timeline, ensure_ascii=False), erased["secrets"], "the corrected timeline")
    assert "speaker" not in client.get(f"/events/{event_id}", headers=auth).json()


def test_an_erased_required_field_reads_as_erased_never_as_an_error(client: TestClient,
                                                                    erased: dict[str, Any]) -> None:
    nid, auth = erased["negotiation"], erased["recorder"]
    position = next(e for e in client.get(f"/negotiations/{nid}/timeline", headers=auth).json()["items"]
                    if e["type"] == "position.stated")
    response = client.post(f"/negotiations/{nid}/erasures", headers=erased["admin"], json={
        "target_event_id": position["event_id"], "fields": ["text"], "reason": "names a person"})
    assert response.status_code == 201
    dispute = client.get(f"/negotiations/{nid}/disputes/property", headers=auth)
    assert dispute.status_code == 200 and dispute.json()["positions"]["ru"] == {
        "stance": "demand", "text": None, "stated_at": "2025-04-10"}
    for path in (f"/negotiations/{nid}/disputes/property?as_of=2025-04-20", f"/negotiations/{nid}/timeline",
                 f"/negotiations/{nid}/changes?from=2025-04-01&to=2025-04-30",
                 *(f"/negotiations/{nid}/export?format={f}" for f in FORMATS)):
        answer = client.get(path, headers=auth)
        assert answer.status_code == 200 and "Sidorov" not in answer.text, path


def test_what_cannot_be_erased_is_refused_and_changes_nothing(client: TestClient, erased: dict[str, Any],
                                                              tokens: dict[str, str]) -> None:
    nid, admin, event_id = erased["negotiation"], erased["admin"], erased["statement"]["event_id"]
    url = f"/negotiations/{nid}/erasures"
    before = client.get(f"/negotiations/{nid}", headers=admin).json()["version"]

    def erase(fields: list[Any], target: str = event_id, **extra: Any) -> Any:
        return client.post(url, headers=admin, json={"target_event_id": target, "fields": fields,
                                                     "reason": "test", **extra})

    assert_problem(erase(["speaker"]), 409, "already erased")
    assert_problem(erase(["channel"]), 422, field="fields.0")
    assert_problem(erase(["colour"]), 422, field="fields.0")
    for envelope in ("type", "recorded_by", "occurred_at", "event_id"):
        assert_problem(erase([envelope]), 422, "envelope", field="fields.0")
    assert_problem(erase(["text"], target="6c0e1f0a-8a38-4a8e-9f1e-2b3c4d5e6f70"), 404)
    assert_problem(erase(["fields"], target=erased["erasure"]["event_id"]), 409, "cannot be erased")
    assert_problem(erase(["text"], colour="red"), 422, "colour")
    for kind in ("record.corrected", "record.retracted"):
        body = {"type": kind, "occurred_at": "2025-06", "target_event_id": erased["erasure"]["event_id"],
                "reason": "no", **({"changes": {"reason": "x"}} if kind == "record.corrected" else {})}
        assert_problem(client.post(f"/negotiations/{nid}/events", json=body, headers=admin), 409)
    smuggled = {"type": "record.erased", "occurred_at": "2025-06", "target_event_id": event_id,
                "fields": ["text"], "reason": "through the side door"}
    assert_problem(client.post(f"/negotiations/{nid}/events", json=smuggled, headers=admin), 422, "erasures")
    assert_problem(client.post(url, headers=erased["recorder"], json={"target_event_id": event_id,
                                                                      "fields": ["text"], "reason": "x"}), 403)
    assert client.get(f"/negotiations/{nid}", headers=admin).json()["version"] == before
    assert client.get(f"/events/{event_id}", headers=admin).json()["text"] == STATEMENT["text"]


def test_an_erasure_survives_rebuild_and_an_export_import_round_trip(client: TestClient, erased: dict[str, Any],
                                                                     services: Services, tmp_path: Path) -> None:
    nid, auth, event_id = erased["negotiation"], erased["recorder"], erased["statement"]["event_id"]
    rebuild(services.log.database)
    assert_none_in(client.get(f"/negotiations/{nid}/timeline", headers=auth).text, erased["secrets"], "after rebuild")
    exported = client.get(f"/negotiations/{nid}/export?format=jsonl", headers=auth).text
    copy = Services.open(Settings(db=str(tmp_path / "copy.db"), signing_key=tmp_path / "copy.ed25519"))
    try:
        from api.cli.transfer import import_events

        assert import_events(copy.log, exported.splitlines(), principal="importer") == len(exported.splitlines())
        imported = copy.log.event(event_id)
        assert imported["erased"] == ["sources[1]", "speaker"] and "speaker" not in imported
        assert [e["type"] for e in copy.log.stream(nid)].count("record.erased") == 1
        assert verify_log(copy.log.event_log)["ok"]
        receipt = copy.proofs.receipt(event_id)
        assert verify_receipt(receipt, parse_verifier_key(copy.signer.verifier_key()))["event_id"] == event_id
        assert_none_in(json.dumps(receipt, ensure_ascii=False), erased["secrets"], "the imported receipt")
    finally:
        copy.close()


def test_the_live_stream_serves_the_erased_form(erased: dict[str, Any], settings: Settings,
                                                services: Services) -> None:
    with serving(settings, services) as url:
        stream = EventStream(url, erased["recorder"], {"after": 0})
        messages = stream.take(erased["erasure"]["version"], timeout=10)
    stream.close()  # the server's shutdown has dropped it: no wait for a heartbeat
    statement = next(m.data for m in messages if m.data["event_id"] == erased["statement"]["event_id"])
    assert statement["erased"] == ["sources[1]", "speaker"]
    assert_none_in(json.dumps([m.data for m in messages], ensure_ascii=False), erased["secrets"], "the live stream")


def test_a_participants_name_is_erased_only_after_a_correction_restates_the_entry(
        client: TestClient, tokens: dict[str, str], negotiation: str) -> None:
    admin, recorder = bearer(tokens["admin"]), bearer(tokens["recorder"])
    opening = client.get(f"/negotiations/{negotiation}/timeline", headers=recorder).json()["items"][0]["event_id"]
    erasure = {"target_event_id": opening, "fields": ["participants"], "reason": "a delegate's name"}
    url = f"/negotiations/{negotiation}/erasures"
    refused = assert_problem(client.post(url, headers=admin, json=erasure), 409, "correction")
    assert refused["rule"] == "erasure-keeps-members"
    restated = [{"id": "ru", "name": "Russian Federation", "role": "party"},
                {"id": "us", "name": "A party (name withheld)", "role": "party"},
                {"id": "tr", "name": "Türkiye", "role": "host"}]
    correction = {"type": "record.corrected", "occurred_at": "2025-06", "target_event_id": opening,
                  "reason": "the name is withheld", "changes": {"participants": restated}}
    assert client.post(f"/negotiations/{negotiation}/events", json=correction, headers=recorder).status_code == 201
    assert client.post(url, headers=admin, json=erasure).status_code == 201
    assert client.get(f"/events/{opening}", headers=admin).json()["erased"] == ["participants"]
    state = client.get(f"/negotiations/{negotiation}", headers=recorder).json()
    assert "United States" not in json.dumps(state)
    assert {p["id"] for p in state["participants"]} == {"ru", "us", "tr"}
