"""GET /events/{id} lists the corrections, retractions and erasures that touched the event
through the target index (projections.target_index), on both backends: the same answer a
scan of the whole stream gives, after an erasure too; and a dropped, emptied or stale index
is never trusted, and is complete again after a restart or a rebuild."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest, NegotiationLog
from domain.storage.backend import eventsourcing_env
from projections.store.rebuild import rebuild
from projections.target_index import TargetIndex
from tests.conftest import OPENING, bearer
from tests.raw_db import RawDB

NAME = "Ivan Petrovich Sidorov"


def statement(text: str) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-04-10", "text": text,
            "speaker": {"name": NAME, "title": "Deputy head of delegation", "participant_id": "ru"}}


def correction(target: str, text: str) -> dict[str, Any]:
    return {"type": "record.corrected", "occurred_at": "2025-04-11", "target_event_id": target,
            "changes": {"text": text}, "reason": "a misquote"}


def retraction(target: str) -> dict[str, Any]:
    return {"type": "record.retracted", "occurred_at": "2025-04-12", "target_event_id": target,
            "reason": "never said"}


def scanned(services: Services, event_id: str) -> dict[str, Any]:
    """The answer as it was before the index: the event, and its stream filtered on target."""
    event = services.log.event(event_id)
    touching = [e for e in services.log.stream(event["negotiation_id"]) if e.get("target_event_id") == event_id]
    return json.loads(json.dumps({**event, "corrections": touching,
                                  "retracted": any(e["type"] == "record.retracted" for e in touching)}))


def record(client: TestClient, headers: dict[str, str], nid: str, *events: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(f"/negotiations/{nid}/events", json=list(events), headers=headers)
    assert response.status_code == 201, response.text
    return list(response.json())


def touched(client: TestClient, tokens: dict[str, str], nid: str) -> list[str]:
    """Two statements in `nid` and one in another negotiation, corrected, retracted and one
    erased; returns the ids of every event recorded."""
    recorder, admin = bearer(tokens["recorder"]), bearer(tokens["admin"])
    a, b = record(client, recorder, nid, statement("first"), statement("second"))
    other = client.post("/negotiations", json=OPENING, headers=recorder).json()["id"]
    [c] = record(client, recorder, other, statement("elsewhere"))
    record(client, recorder, nid, correction(a["event_id"], "first, corrected"))
    record(client, recorder, other, correction(c["event_id"], "elsewhere, corrected"))
    record(client, recorder, nid, correction(b["event_id"], "second, corrected"), correction(a["event_id"], "again"))
    record(client, recorder, nid, retraction(b["event_id"]))
    erased = client.post(f"/negotiations/{nid}/erasures", headers=admin, json={
        "target_event_id": a["event_id"], "fields": ["speaker"], "reason": "GDPR art. 17"})
    assert erased.status_code == 201, erased.text
    return [e["event_id"] for e in (a, b, c)] + [erased.json()["event_id"]]


def assert_answers_as_a_scan(client: TestClient, services: Services, reader: dict[str, str],
                             event_ids: list[str]) -> None:
    for event_id in event_ids:
        response = client.get(f"/events/{event_id}", headers=reader)
        assert response.status_code == 200, response.text
        assert response.json() == scanned(services, event_id)


def test_the_corrections_listed_are_those_a_scan_of_the_stream_finds(
        client: TestClient, services: Services, tokens: dict[str, str], negotiation: str, settings: Settings) -> None:
    event_ids = touched(client, tokens, negotiation)
    reader = bearer(tokens["reader"])
    for event_id in event_ids:  # found through the index, not the scan
        assert services.targets.touching(services.log.event_log, services.log.event(event_id)) is not None
    assert_answers_as_a_scan(client, services, reader, event_ids)
    a, b = (client.get(f"/events/{i}", headers=reader).json() for i in event_ids[:2])
    assert [e["type"] for e in a["corrections"]] == ["record.corrected", "record.corrected", "record.erased"]
    assert not a["retracted"] and b["retracted"] and "speaker" not in a
    # The index holds ids and positions, nothing an erasure would have to take back.
    rows = RawDB(settings.db).execute("SELECT * FROM nl_targets").fetchall()
    assert NAME not in json.dumps([list(r) for r in rows]) and all(len(r) == 2 for r in rows)


@pytest.mark.parametrize("damage", ["DROP TABLE nl_targets", "DELETE FROM nl_targets"])
def test_a_dropped_or_emptied_index_is_not_trusted_and_is_refilled_at_start(
        settings: Settings, damage: str) -> None:
    services = Services.open(settings)
    try:
        with TestClient(create_app(settings, services)) as client:
            tokens = {role: services.principals.create(f"{role}-1", role)[1] for role in ("reader", "recorder", "admin")}
            nid = client.post("/negotiations", json=OPENING, headers=bearer(tokens["recorder"])).json()["id"]
            event_ids = touched(client, tokens, nid)
            RawDB(settings.db).execute(damage)
            assert services.targets.touching(services.log.event_log, services.log.event(event_ids[0])) is None
            assert_answers_as_a_scan(client, services, bearer(tokens["reader"]), event_ids)
    finally:
        services.close()
    services = Services.open(settings)
    try:
        with TestClient(create_app(settings, services)) as client:
            assert services.targets.touching(services.log.event_log, services.log.event(event_ids[0])) is not None
            assert_answers_as_a_scan(client, services, bearer(tokens["reader"]), event_ids)
    finally:
        services.close()


def test_an_index_left_behind_by_a_writer_without_it_is_not_trusted_until_a_rebuild(
        client: TestClient, services: Services, tokens: dict[str, str], negotiation: str, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("projections.store.rebuild.YIELD_SECONDS", 0)  # no other writer to let in
    event_ids = touched(client, tokens, negotiation)
    other = NegotiationLog(eventsourcing_env(settings.db))  # another process, of a version before the index
    try:
        other.append(AppendRequest(principal="recorder-1", negotiation_id=negotiation,
                                   events=[correction(event_ids[0], "corrected elsewhere")]))
    finally:
        other.close()
    record(client, bearer(tokens["recorder"]), negotiation, correction(event_ids[0], "and here"))
    reader = bearer(tokens["reader"])
    assert services.targets.touching(services.log.event_log, services.log.event(event_ids[0])) is None
    assert_answers_as_a_scan(client, services, reader, event_ids)
    rebuild(services.log.database, also=[TargetIndex()])
    assert services.targets.touching(services.log.event_log, services.log.event(event_ids[0])) is not None
    assert len(client.get(f"/events/{event_ids[0]}", headers=reader).json()["corrections"]) == 5
    assert_answers_as_a_scan(client, services, reader, event_ids)
