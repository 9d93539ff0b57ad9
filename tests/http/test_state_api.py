"""Reading state over HTTP, in-process, on a real timeline of the 2025 embassy talks: rounds
postponed, rescheduled and cancelled, both parties' positions over time, a commitment kept
over a month, a misreported venue corrected and a false report retracted; asked on both time
axes, with date-times carrying offsets and facts known only to the month."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.valid_time import format_utc, parse_instant

TIMELINE: list[dict[str, Any]] = [
    {"type": "round.scheduled", "occurred_at": "2025-02-20", "round_id": "r1", "number": 1,
     "scheduled_for": "2025-02-27", "venue": {"name": "Russian Consulate General", "city": "Istanbul"}},
    {"type": "round.started", "occurred_at": "2025-02-27T10:00:00+03:00", "round_id": "r1"},
    {"type": "dispute.raised", "occurred_at": "2025-02-27", "dispute_id": "property", "title": "Six properties",
     "raised_by": "ru"},
    {"type": "position.stated", "occurred_at": "2025-02-27T12:00:00+03:00", "dispute_id": "property",
     "participant_id": "ru", "stance": "demand", "text": "Return all six."},
    {"type": "dispute.discussed", "occurred_at": "2025-02-27T15:00:00+03:00", "dispute_id": "property",
     "round_id": "r1"},
    {"type": "proposal.tabled", "occurred_at": "2025-02-27", "proposal_id": "flights", "proposed_by": "ru",
     "text": "Restore direct flights", "dispute_id": "property"},
    {"type": "round.concluded", "occurred_at": "2025-02-27T16:30:00+03:00", "round_id": "r1",
     "duration": {"min_hours": 6, "max_hours": 7}},
    {"type": "commitment.agreed", "occurred_at": "2025-02-27", "commitment_id": "financing", "parties": ["ru", "us"],
     "text": "Keep the missions financed", "round_id": "r1", "due": "2025-06"},
    {"type": "round.proposed", "occurred_at": "2025-03-01", "round_id": "r2", "proposed_by": "us"},
    {"type": "proposal.responded", "occurred_at": "2025-03-01", "proposal_id": "flights", "participant_id": "us",
     "response": "under_review"},
    {"type": "round.scheduled", "occurred_at": "2025-03-10", "round_id": "r2", "scheduled_for": "2025-03-25"},
    {"type": "position.stated", "occurred_at": "2025-03-15", "dispute_id": "property", "participant_id": "us",
     "stance": "reject", "text": "Not on the table."},
    {"type": "commitment.progress_reported", "occurred_at": "2025-03-15", "commitment_id": "financing",
     "text": "Banking channel agreed"},
    {"type": "round.postponed", "occurred_at": "2025-03-20", "round_id": "r2", "requested_by": "us"},
    {"type": "round.scheduled", "occurred_at": "2025-03-28", "round_id": "r2", "scheduled_for": "2025-04-10"},
    {"type": "commitment.fulfilled", "occurred_at": "2025-04-01/2025-04-30", "commitment_id": "financing"},
    {"type": "round.started", "occurred_at": "2025-04-10T10:00:00+03:00", "round_id": "r2"},
    {"type": "position.stated", "occurred_at": "2025-04-10", "dispute_id": "property", "participant_id": "ru",
     "stance": "offer", "text": "Start with two."},
    {"type": "proposal.responded", "occurred_at": "2025-04-10", "proposal_id": "flights", "participant_id": "us",
     "response": "countered", "text": "Charter flights first"},
    {"type": "round.concluded", "occurred_at": "2025-04-10T15:00:00+03:00", "round_id": "r2"},
    {"type": "dispute.raised", "occurred_at": "2025-05", "dispute_id": "visas", "title": "Visa restrictions"},
    {"type": "round.scheduled", "occurred_at": "2025-05-01", "round_id": "r3", "scheduled_for": "2025-06"},
    {"type": "round.cancelled", "occurred_at": "2025-05-20", "round_id": "r3", "cancelled_by": "us"},
]


def assert_problem(response: Any, status: int, *mentions: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert all(word in body["detail"] for word in mentions), body["detail"]
    return body


def record(client: TestClient, headers: dict, nid: str, *events: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(f"/negotiations/{nid}/events", json=list(events), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def get(client: TestClient, headers: dict, path: str, **params: str) -> dict[str, Any]:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def talks(client: TestClient, as_recorder: dict, negotiation: str) -> str:
    record(client, as_recorder, negotiation, *TIMELINE)
    return negotiation


def status_at(client: TestClient, headers: dict, path: str, **params: str) -> str | None:
    response = client.get(path, params=params, headers=headers)
    return response.json()["status"] if response.status_code == 200 else None


def test_rounds_move_through_their_statuses_in_valid_time(client: TestClient, as_recorder: dict, talks: str) -> None:
    r2 = f"/negotiations/{talks}/rounds/r2"
    dates = ["2025-02-28", "2025-03-01", "2025-03-10", "2025-03-21", "2025-03-28", "2025-04-10T08:00:00+01:00",
             "2025-04-10T14:59:59+03:00", "2025-04-10T12:00:00Z"]
    assert [status_at(client, as_recorder, r2, as_of=d) for d in dates] == [
        None, "proposed", "scheduled", "postponed", "scheduled", "in_progress", "in_progress", "concluded"]
    r2_now = get(client, as_recorder, r2)
    assert r2_now["scheduled_for"] == "2025-04-10" and r2_now["proposed_by"] == "us"
    assert status_at(client, as_recorder, f"/negotiations/{talks}/rounds/r3") == "cancelled"
    assert status_at(client, as_recorder, f"/negotiations/{talks}/rounds/r3", as_of="2025-05-19") == "scheduled"


def test_as_of_with_an_offset_is_the_same_instant_in_utc(client: TestClient, as_recorder: dict, talks: str) -> None:
    r1 = f"/negotiations/{talks}/rounds/r1"
    assert status_at(client, as_recorder, r1, as_of="2025-02-27T09:59:59+03:00") == "scheduled"
    assert status_at(client, as_recorder, r1, as_of="2025-02-27T07:00:00Z") == "in_progress"
    assert status_at(client, as_recorder, r1, as_of="2025-02-27T05:30:00-01:30") == "in_progress"
    answer = get(client, as_recorder, r1, as_of="2025-02-27T16:30:00+03:00")
    assert answer["status"] == "concluded" and answer["as_of"] == "2025-02-27T13:30:00Z"
    assert answer["known_at"] is None and answer["position"] > 0


def test_month_precision_facts_count_from_the_first_of_the_month(client: TestClient, as_recorder: dict,
                                                                 talks: str) -> None:
    visas = f"/negotiations/{talks}/disputes/visas"
    assert_problem(client.get(visas, params={"as_of": "2025-04-30"}, headers=as_recorder), 404, "visas")
    assert status_at(client, as_recorder, visas, as_of="2025-05-01T00:00:00Z") == "open"
    assert get(client, as_recorder, visas)["raised_at"] == "2025-05"
    assert get(client, as_recorder, f"/negotiations/{talks}/commitments/financing")["due"] == "2025-06"


def test_both_parties_positions_over_time(client: TestClient, as_recorder: dict, talks: str) -> None:
    prop = f"/negotiations/{talks}/disputes/property"
    assert get(client, as_recorder, prop, as_of="2025-02-27T08:00:00Z")["status"] == "open"
    stated = get(client, as_recorder, prop, as_of="2025-02-27T09:30:00Z")
    assert stated["status"] == "under_discussion" and stated["rounds"] == []
    early = get(client, as_recorder, prop, as_of="2025-03-01")
    assert early["status"] == "under_discussion" and early["positions"] == {
        "ru": {"stance": "demand", "text": "Return all six.", "stated_at": "2025-02-27T12:00:00+03:00"}}
    assert early["rounds"] == ["r1"] and early["raised_by"] == "ru"
    now = get(client, as_recorder, prop)
    assert {p: v["stance"] for p, v in now["positions"].items()} == {"ru": "offer", "us": "reject"}


def test_a_commitment_agreed_in_progress_then_fulfilled_over_a_month(client: TestClient, as_recorder: dict,
                                                                     talks: str) -> None:
    path = f"/negotiations/{talks}/commitments/financing"
    assert [status_at(client, as_recorder, path, as_of=d) for d in ("2025-02-26", "2025-03-01", "2025-03-31",
                                                                    "2025-04-01", "2025-04-15")] == [
        None, "agreed", "in_progress", "fulfilled", "fulfilled"]
    now = get(client, as_recorder, path)
    assert now["parties"] == ["ru", "us"] and now["round_id"] == "r1"
    assert [h["type"] for h in now["history"]] == ["commitment.agreed", "commitment.progress_reported",
                                                   "commitment.fulfilled"]


def test_a_proposal_follows_the_responses_to_it(client: TestClient, as_recorder: dict, talks: str) -> None:
    path = f"/negotiations/{talks}/proposals/flights"
    assert [status_at(client, as_recorder, path, as_of=d) for d in ("2025-02-28", "2025-03-02", "2025-04-11")] == [
        "tabled", "under_review", "countered"]
    now = get(client, as_recorder, path)
    assert now["responses"] == {"us": "countered"} and now["proposed_by"] == "ru"
    assert now["response_details"]["us"]["text"] == "Charter flights first"


def test_a_misreported_venue_is_corrected_and_known_at_shows_what_the_log_said_before(
        client: TestClient, as_recorder: dict, talks: str) -> None:
    r1 = f"/negotiations/{talks}/rounds/r1"
    scheduled = client.get(f"/negotiations/{talks}/timeline", params={"type": "round.scheduled"},
                           headers=as_recorder).json()["items"][0]
    [fix] = record(client, as_recorder, talks, {
        "type": "record.corrected", "occurred_at": "2025-02-20", "target_event_id": scheduled["event_id"],
        "changes": {"venue": {"name": "US Consul General's residence", "city": "Istanbul"}},
        "reason": "The first round was at the US residence."})
    assert get(client, as_recorder, r1)["venue"]["name"] == "US Consul General's residence"
    before = get(client, as_recorder, r1, known_at=scheduled["recorded_at"], as_of="2025-02-26")
    assert before["venue"]["name"] == "Russian Consulate General" and before["status"] == "scheduled"
    assert before["known_at"] == scheduled["recorded_at"]
    assert get(client, as_recorder, r1, known_at=fix["recorded_at"])["venue"]["city"] == "Istanbul"
    timeline = get(client, as_recorder, f"/negotiations/{talks}/timeline", type="round.scheduled")
    assert timeline["items"][0]["corrected_by"] == [fix["event_id"]]


def test_a_false_report_retracted_is_gone_but_known_at_still_shows_it(client: TestClient, as_recorder: dict,
                                                                      talks: str) -> None:
    [false] = record(client, as_recorder, talks, {"type": "commitment.breached", "occurred_at": "2025-05-10",
                                                  "commitment_id": "financing"})
    path = f"/negotiations/{talks}/commitments/financing"
    assert get(client, as_recorder, path)["status"] == "breached"
    [gone] = record(client, as_recorder, talks, {"type": "record.retracted", "occurred_at": "2025-05-10",
                                                 "target_event_id": false["event_id"], "reason": "A false report."})
    assert get(client, as_recorder, path)["status"] == "fulfilled"
    assert get(client, as_recorder, path, known_at=false["recorded_at"])["status"] == "breached"
    assert get(client, as_recorder, path)["position"] == gone["position"]
    flagged = get(client, as_recorder, f"/negotiations/{talks}/timeline", type="commitment")["items"]
    assert [(i["type"], i["retracted"]) for i in flagged][-1] == ("commitment.breached", True)


def test_known_at_before_an_event_was_recorded_never_shows_it(client: TestClient, as_recorder: dict,
                                                              talks: str) -> None:
    [raised] = record(client, as_recorder, talks, {"type": "dispute.raised", "occurred_at": "2025-01-15",
                                                   "dispute_id": "staffing", "title": "Staffing"})
    path = f"/negotiations/{talks}/disputes/staffing"
    assert get(client, as_recorder, path, as_of="2025-02-01")["status"] == "open"
    just_before = format_utc(parse_instant(raised["recorded_at"]) - timedelta(microseconds=1))
    assert_problem(client.get(path, params={"known_at": just_before}, headers=as_recorder), 404, "staffing")
    listed = get(client, as_recorder, f"/negotiations/{talks}/disputes", known_at=just_before)
    assert [d["dispute_id"] for d in listed["items"]] == ["property", "visas"]
    assert get(client, as_recorder, path, known_at=raised["recorded_at"])["status"] == "open"


def test_lists_come_a_page_at_a_time_in_the_order_entities_came_about(client: TestClient, as_recorder: dict,
                                                                      talks: str) -> None:
    base = f"/negotiations/{talks}/rounds"
    first = get(client, as_recorder, base, limit="2")
    assert [r["round_id"] for r in first["items"]] == ["r1", "r2"] and first["next_cursor"]
    second = get(client, as_recorder, base, limit="2", cursor=first["next_cursor"])
    assert [r["round_id"] for r in second["items"]] == ["r3"] and second["next_cursor"] is None
    assert first["position"] == second["position"] and first["as_of"] is None
    then = get(client, as_recorder, base, as_of="2025-03-05", limit="1")
    assert [r["round_id"] for r in then["items"]] == ["r1"]
    rest = get(client, as_recorder, base, as_of="2025-03-05", limit="1", cursor=then["next_cursor"])
    assert [(r["round_id"], r["status"]) for r in rest["items"]] == [("r2", "proposed")]
    for kind in ("disputes", "proposals", "commitments"):
        assert get(client, as_recorder, f"/negotiations/{talks}/{kind}")["items"]


def test_a_read_right_after_a_201_sees_the_event(client: TestClient, as_recorder: dict, negotiation: str) -> None:
    [event] = record(client, as_recorder, negotiation, {"type": "round.started", "occurred_at": "2025-03-01",
                                                        "round_id": "r9"})
    answer = get(client, as_recorder, f"/negotiations/{negotiation}/rounds/r9")
    assert answer["status"] == "in_progress" and answer["position"] == event["position"]
    assert get(client, as_recorder, f"/negotiations/{negotiation}")["counts"]["rounds"] == 1


def test_the_timeline_filters_by_valid_time_and_type(client: TestClient, as_recorder: dict, talks: str) -> None:
    april = get(client, as_recorder, f"/negotiations/{talks}/timeline", **{"from": "2025-04", "to": "2025-04"})
    assert [i["type"] for i in april["items"]][:3] == ["commitment.fulfilled", "position.stated", "proposal.responded"]
    assert all(i["occurred_from"] <= "2025-04-30T23:59:59.999999Z" for i in april["items"])
    both = client.get(f"/negotiations/{talks}/timeline", params=[("type", "round.started"), ("type", "round.concluded")],
                      headers=as_recorder).json()["items"]
    assert [i["type"] for i in both] == ["round.started", "round.concluded"] * 2
    paged = get(client, as_recorder, f"/negotiations/{talks}/timeline", limit="5")
    more = get(client, as_recorder, f"/negotiations/{talks}/timeline", limit="100", cursor=paged["next_cursor"])
    assert len(paged["items"]) + len(more["items"]) == len(TIMELINE) + 1


def test_changes_between_two_dates(client: TestClient, as_recorder: dict, talks: str) -> None:
    answer = get(client, as_recorder, f"/negotiations/{talks}/changes", **{"from": "2025-03-01", "to": "2025-04-10"})
    assert answer["from"] == "2025-03-01T00:00:00Z" and answer["to"] == "2025-04-10T23:59:59.999999Z"
    assert [(a["kind"], a["id"]) for a in answer["added"]] == [("round", "r2")]
    changed = {(c["kind"], c["id"]): c["fields"] for c in answer["changed"]}
    assert changed[("commitment", "financing")]["status"] == {"before": "agreed", "after": "fulfilled"}
    assert changed[("proposal", "flights")]["status"] == {"before": "tabled", "after": "countered"}
    assert "r1" not in [key for _, key in changed]
    assert answer["removed"] == [] and answer["position"] > 0
    everything = get(client, as_recorder, f"/negotiations/{talks}/changes")
    assert {a["kind"] for a in everything["added"]} == {"negotiation", "round", "dispute", "proposal", "commitment"}


@pytest.mark.parametrize("path, params, field", [
    ("rounds/r1", {"as_of": "27 Feb"}, "as_of"),
    ("rounds/r1", {"known_at": "2025-02-30"}, "known_at"),
    ("rounds", {"cursor": "page-2"}, "cursor"),
    ("rounds", {"limit": "0"}, "limit"),
    ("timeline", {"type": "round.exploded"}, "type"),
    ("timeline", {"from": "2025-05", "to": "2025-04"}, "to"),
    ("timeline", {"cursor": "1.r1"}, "cursor"),
    ("changes", {"from": "2025/04"}, "from"),
])
def test_bad_query_parameters_are_422_naming_the_field(client: TestClient, as_recorder: dict, talks: str,
                                                       path: str, params: dict, field: str) -> None:
    body = assert_problem(client.get(f"/negotiations/{talks}/{path}", params=params, headers=as_recorder), 422, field)
    assert body["errors"][0]["field"] == field


def test_unknown_or_not_yet_existing_entities_are_404(client: TestClient, as_recorder: dict, talks: str) -> None:
    assert_problem(client.get(f"/negotiations/{talks}/rounds/r7", headers=as_recorder), 404, "r7")
    assert_problem(client.get(f"/negotiations/{talks}/rounds/r2", params={"as_of": "2025-02-28"},
                              headers=as_recorder), 404, "r2")
    unknown = "00000000-0000-4000-8000-00000000abcd"
    for path in ("rounds", "rounds/r1", "disputes", "timeline", "changes"):
        assert_problem(client.get(f"/negotiations/{unknown}/{path}", headers=as_recorder), 404, unknown)


def test_state_reads_need_a_token(client: TestClient, talks: str) -> None:
    assert_problem(client.get(f"/negotiations/{talks}/rounds"), 401)
