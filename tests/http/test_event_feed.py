"""GET /events: the global log in position order, paged with `next_after`, and complete even
when read while writers are appending."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from api.services import Services
from api.settings import Settings
from domain.appending import AppendRequest
from tests.conftest import OPENING, bearer
from tests.raw_db import RawDB


def proposal(i: int) -> dict[str, Any]:
    return {"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{i}"}


def read_all(client: TestClient, headers: dict[str, str], limit: int, **params: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get("/events", params={"after": after, "limit": limit, **params}, headers=headers).json()
        events += page["items"]
        after = page["next_after"]
        if not page["has_more"]:
            return events


def test_pages_follow_position_order_to_the_head(client: TestClient, as_recorder: dict, negotiation: str) -> None:
    for i in range(6):
        client.post(f"/negotiations/{negotiation}/events", json=proposal(i), headers=as_recorder)
    first = client.get("/events?limit=3", headers=as_recorder).json()
    assert [e["position"] for e in first["items"]] == [1, 2, 3]
    assert first["next_after"] == 3 and first["has_more"] and first["head"] == 7
    rest = client.get("/events", params={"after": 3, "limit": 10}, headers=as_recorder).json()
    assert [e["position"] for e in rest["items"]] == [4, 5, 6, 7]
    assert rest["next_after"] == 7 and not rest["has_more"]
    assert rest["items"][0]["round_id"] == "r2" and "hash" in rest["items"][0]
    caught_up = client.get("/events?after=7", headers=as_recorder).json()
    assert caught_up == {"items": [], "next_after": 7, "has_more": False, "head": 7}


def test_filters_by_negotiation_and_type(client: TestClient, as_recorder: dict, negotiation: str) -> None:
    other = client.post("/negotiations", json=OPENING, headers=as_recorder).json()["id"]
    for i in range(3):
        client.post(f"/negotiations/{negotiation}/events", json=proposal(i), headers=as_recorder)
        client.post(f"/negotiations/{other}/events", json=proposal(i), headers=as_recorder)
    mine = read_all(client, as_recorder, 2, negotiation_id=negotiation)
    assert [e["version"] for e in mine] == [1, 2, 3, 4] and {e["negotiation_id"] for e in mine} == {negotiation}
    openings = client.get("/events?type=negotiation.opened", headers=as_recorder).json()
    assert [e["negotiation_id"] for e in openings["items"]] == [negotiation, other]
    assert openings["next_after"] == openings["head"]  # the page saw everything up to the head


def test_bad_parameters_are_422_naming_them(client: TestClient, as_recorder: dict) -> None:
    for query, field in (("after=x", "after"), ("limit=1001", "limit"), ("type=nope", "type"),
                         ("negotiation_id=1", "negotiation_id")):
        response = client.get(f"/events?{query}", headers=as_recorder)
        assert response.status_code == 422 and response.json()["detail"].startswith(field)
    assert client.get("/events").status_code == 401


def test_a_reader_paging_during_concurrent_writes_sees_every_event_once(
        settings: Settings, services: Services, client: TestClient, tokens: dict) -> None:
    writers, per_writer = 4, 40
    opened = [services.writer.append(AppendRequest(principal="w", events=[OPENING])).negotiation_id
              for _ in range(writers)]

    def write(negotiation_id: str) -> None:
        for i in range(per_writer):
            services.writer.append(AppendRequest(principal="w", negotiation_id=negotiation_id, events=[proposal(i)]))

    threads = [threading.Thread(target=write, args=(n,)) for n in opened]
    for t in threads:
        t.start()
    reader = bearer(tokens["reader"])
    seen: list[int] = []
    heads: set[int] = set()
    after = 0
    while True:
        writing = any(t.is_alive() for t in threads)
        page = client.get("/events", params={"after": after, "limit": 7}, headers=reader).json()
        seen += [e["position"] for e in page["items"]]
        after = page["next_after"]
        heads.add(page["head"])
        if not writing and not page["has_more"]:
            break
    for t in threads:
        t.join()
    assert len(heads) > 3  # the reader really did page while the log grew
    with RawDB(settings.db) as db:
        stored = [r[0] for r in db.execute("SELECT rowid FROM stored_events ORDER BY rowid")]
    assert len(stored) == writers * (per_writer + 1)
    assert seen == stored  # in order, no duplicates, nothing missing
