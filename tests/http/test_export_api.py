"""GET /negotiations/{id}/export (docs/api.md §11) over HTTP, in-process, and the EDTF dates it
keeps: each format with its content type, read through the same pure renderers as a
reference reading of the stored stream, on both time axes; refusals as problem+json."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import icalendar
from fastapi.testclient import TestClient

from api.services import Services
from projections.export.registry import FORMATS
from tests.conftest import bearer
from tests.export_records import reference_record
from tests.http.test_state_api import assert_problem

EVENTS: list[dict[str, Any]] = [
    {"type": "round.scheduled", "occurred_at": "2025-04~", "round_id": "r1", "scheduled_for": "2025-05-20",
     "venue": {"name": "Consulate", "city": "Istanbul", "country": "Türkiye"}},
    {"type": "round.started", "occurred_at": "2025-05-20T10:00+03:00", "round_id": "r1"},
    {"type": "commitment.agreed", "occurred_at": "2025-05?", "commitment_id": "c1", "parties": ["ru", "us"],
     "text": "Keep talking", "due": "2025-XX"},
    {"type": "position.stated", "occurred_at": "2025-05-23/..", "dispute_id": "d1", "participant_id": "ru",
     "stance": "demand", "text": "Return the properties"},
]


def fill(client: TestClient, nid: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    raised = {"type": "dispute.raised", "occurred_at": "2025-02", "dispute_id": "d1", "title": "Property"}
    stored = client.post(f"/negotiations/{nid}/events", json=[raised, *EVENTS], headers=headers)
    assert stored.status_code == 201, stored.text
    wrong = client.post(f"/negotiations/{nid}/events", headers=headers, json={
        "type": "statement.issued", "occurred_at": "2025-05-21", "speaker": {"name": "S"}, "text": "False"}).json()
    for fix in ({"type": "record.retracted", "occurred_at": "2025-05-22", "target_event_id": wrong["event_id"],
                 "reason": "never said"},
                {"type": "record.corrected", "occurred_at": "2025-06", "target_event_id": stored.json()[3]["event_id"],
                 "changes": {"text": "Keep talking, monthly"}, "reason": "fuller quote"}):
        assert client.post(f"/negotiations/{nid}/events", json=fix, headers=headers).status_code == 201
    return stored.json()


def test_each_format_is_served_with_its_content_type_as_the_renderers_write_it(
        client: TestClient, negotiation: str, as_recorder: dict[str, str], services: Services) -> None:
    fill(client, negotiation, as_recorder)
    reference = reference_record(services.log.stream(negotiation))
    for name, chosen in FORMATS.items():
        got = client.get(f"/negotiations/{negotiation}/export", params={"format": name}, headers=as_recorder)
        assert got.status_code == 200, got.text
        assert got.headers["content-type"].split(";")[0] == chosen.content_type.split(";")[0]
        assert f'filename="negotiation-{negotiation}.{chosen.extension}"' in got.headers["content-disposition"]
        assert got.text == "".join(chosen.render(reference)), name


def test_corrections_are_applied_and_retracted_facts_left_out(client: TestClient, negotiation: str,
                                                               as_recorder: dict[str, str]) -> None:
    fill(client, negotiation, as_recorder)
    table = client.get(f"/negotiations/{negotiation}/export?format=csv", headers=as_recorder).text
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["type"] for r in rows].count("statement.issued") == 0
    assert [r["text"] for r in rows if r["type"] == "commitment.agreed"] == ["Keep talking, monthly"]
    assert {r["type"]: (r["approximate"], r["uncertain"]) for r in rows}["commitment.agreed"] == ("false", "true")
    stored = client.get(f"/negotiations/{negotiation}/export", headers=as_recorder).text.splitlines()
    assert len(stored) == 1 + 5 + 1 + 2  # jsonl: as stored, the false statement and its retraction kept


def test_as_of_and_known_at_apply(client: TestClient, negotiation: str, as_recorder: dict[str, str]) -> None:
    stored = fill(client, negotiation, as_recorder)
    before = client.get(f"/negotiations/{negotiation}/export", headers=as_recorder,
                        params={"format": "plover", "as_of": "2025-04-30"}).text.splitlines()
    assert [json.loads(line)["id"] for line in before] == [stored[1]["event_id"]]  # only the scheduling
    then = client.get(f"/negotiations/{negotiation}/export", headers=as_recorder,
                      params={"format": "csv", "known_at": stored[-1]["recorded_at"]}).text
    rows = list(csv.DictReader(io.StringIO(then)))
    assert [r["text"] for r in rows if r["type"] == "commitment.agreed"] == ["Keep talking"]  # before the fix
    cal = icalendar.Calendar.from_ical(client.get(f"/negotiations/{negotiation}/export", headers=as_recorder,
                                                  params={"format": "ics", "as_of": "2025-05-01"}).text)
    [round_] = cal.walk("VEVENT")
    assert round_.decoded("DTSTART").isoformat() == "2025-05-20"  # scheduled for, not yet held


def test_an_unknown_format_is_a_422_naming_format(client: TestClient, negotiation: str,
                                                   as_recorder: dict[str, str]) -> None:
    body = assert_problem(client.get(f"/negotiations/{negotiation}/export?format=xlsx", headers=as_recorder),
                          422, "format", "jsonl, plover, timelinejs, csv, ics")
    assert body["errors"][0]["field"] == "format"


def test_an_unknown_negotiation_is_a_404_and_a_reader_is_needed(client: TestClient, negotiation: str,
                                                                 tokens: dict[str, str]) -> None:
    missing = "00000000-0000-4000-8000-00000000abcd"
    assert_problem(client.get(f"/negotiations/{missing}/export", headers=bearer(tokens["reader"])), 404, missing)
    assert client.get(f"/negotiations/{negotiation}/export?format=ics").status_code == 401
    assert client.get(f"/negotiations/{negotiation}/export?format=ics",
                      headers=bearer(tokens["reader"])).status_code == 200


# -- EDTF dates on events and views -------------------------------------------------------------

def test_events_and_views_carry_the_qualifier_flags_only_when_a_date_has_one(
        client: TestClient, negotiation: str, as_recorder: dict[str, str]) -> None:
    stored = fill(client, negotiation, as_recorder)
    assert stored[1]["approximate"] is True and "uncertain" not in stored[1]
    assert stored[3]["uncertain"] is True and "approximate" not in stored[3]
    assert "approximate" not in stored[2] and "uncertain" not in stored[2]
    assert stored[4]["occurred_until"] == "9999-12-31T23:59:59.999999Z"
    commitment = client.get(f"/negotiations/{negotiation}/commitments/c1", headers=as_recorder).json()
    assert commitment["uncertain"] is True and commitment["due"] == "2025-XX"
    round_ = client.get(f"/negotiations/{negotiation}/rounds/r1", headers=as_recorder).json()
    assert "approximate" not in round_ and "uncertain" not in round_  # its own dates are plain
    # Strict bounds: "2025-04~" is April exactly, so as of 31 March the round is not yet scheduled.
    early = client.get(f"/negotiations/{negotiation}/rounds/r1?as_of=2025-03-31", headers=as_recorder)
    assert early.status_code == 404


def test_an_edtf_form_outside_level_1_is_a_422_naming_occurred_at(client: TestClient, negotiation: str,
                                                                 as_recorder: dict[str, str]) -> None:
    for text in ("2025-13~", "~2025", "2025-05~~"):
        body = assert_problem(client.post(f"/negotiations/{negotiation}/events", headers=as_recorder, json={
            "type": "round.proposed", "occurred_at": text, "round_id": "rx"}), 422, "occurred_at")
        assert body["errors"][0]["field"] == "occurred_at"
        assert "2025-05~" in body["errors"][0]["message"] and "EDTF" in body["errors"][0]["message"]


def test_the_derived_flags_cannot_be_sent_by_a_client(client: TestClient, negotiation: str,
                                                      as_recorder: dict[str, str]) -> None:
    body = assert_problem(client.post(f"/negotiations/{negotiation}/events", headers=as_recorder, json={
        "type": "round.proposed", "occurred_at": "2025-05", "round_id": "rx", "approximate": True}), 422, "approximate")
    assert "set by the server" in body["errors"][0]["message"]
