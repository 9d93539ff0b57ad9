"""The bundled Istanbul 2025 demo, read on both time axes: the statuses the contract defines
at dates along the real talks, and the deliberately wrong venue that a correction fixes."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.cli.transfer import import_events
from api.services import Services

DEMO = "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10"


@pytest.fixture
def demo(services: Services) -> str:
    text = resources.files("api.demo").joinpath("istanbul-2025.jsonl").read_text(encoding="utf-8")
    import_events(services.log, text.splitlines(), principal="demo")
    return f"/negotiations/{DEMO}"


def read(client: TestClient, headers: dict, path: str, **params: str) -> dict[str, Any]:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("round_id, as_of, status", [
    ("r1", "2025-02-26", "scheduled"),
    ("r1", "2025-02-27", "concluded"),
    ("r2", "2025-02-27", None),
    ("r2", "2025-04-09", "scheduled"),
    ("r2", "2025-04-10", "concluded"),
    ("r2", None, "concluded"),
])
def test_the_rounds_of_the_istanbul_talks(client: TestClient, as_recorder: dict, demo: str, round_id: str,
                                          as_of: str | None, status: str | None) -> None:
    response = client.get(f"{demo}/rounds/{round_id}", params={"as_of": as_of} if as_of else {}, headers=as_recorder)
    assert (response.json()["status"] if response.status_code == 200 else None) == status


def test_the_first_rounds_venue_reads_corrected_whatever_the_valid_time(client: TestClient, as_recorder: dict,
                                                                        demo: str) -> None:
    for params in ({}, {"as_of": "2025-02-26"}):
        assert read(client, as_recorder, f"{demo}/rounds/r1", **params)["venue"]["name"] == \
            "US Consul General's residence"


def test_the_disputes_on_both_dates(client: TestClient, as_recorder: dict, demo: str) -> None:
    march = read(client, as_recorder, f"{demo}/disputes", as_of="2025-03-01")
    assert {d["dispute_id"]: d["status"] for d in march["items"]} == {
        "working-conditions": "under_discussion", "diplomatic-property": "under_discussion",
        "embassy-financing": "under_discussion"}
    now = {d["dispute_id"]: d for d in read(client, as_recorder, f"{demo}/disputes")["items"]}
    assert now["diplomatic-staffing"]["status"] == "open"
    assert now["diplomatic-property"]["rounds"] == ["r1", "r2"]
    assert now["embassy-financing"]["positions"]["ru"]["stance"] == "demand"


def test_the_negotiation_its_commitments_and_its_proposal(client: TestClient, as_recorder: dict, demo: str) -> None:
    negotiation = read(client, as_recorder, demo)
    assert negotiation["status"] == "active" and negotiation["counts"]["rounds"] == 2
    assert negotiation["counts"]["disputes"] == 6 and negotiation["version"] == 31
    commitments = read(client, as_recorder, f"{demo}/commitments")["items"]
    assert {c["commitment_id"]: c["status"] for c in commitments} == {"mission-financing": "agreed",
                                                                      "continue-contacts": "agreed"}
    assert read(client, as_recorder, f"{demo}/proposals/direct-flights")["status"] == "tabled"


def test_what_changed_between_the_two_rounds(client: TestClient, as_recorder: dict, demo: str) -> None:
    answer = read(client, as_recorder, f"{demo}/changes", **{"from": "2025-02-28", "to": "2025-04-10"})
    added = {(a["kind"], a["id"]) for a in answer["added"]}
    assert {("round", "r2"), ("dispute", "visa-restrictions"), ("dispute", "diplomatic-staffing")} <= added
    changed = {(c["kind"], c["id"]): c["fields"] for c in answer["changed"]}
    assert changed[("dispute", "diplomatic-property")]["rounds"] == {"before": ["r1"], "after": ["r1", "r2"]}
