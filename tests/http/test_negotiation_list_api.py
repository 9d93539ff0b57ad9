"""GET /negotiations: each item is what GET /negotiations/{id} answers at the same point (the
axes' echo included), and pages followed by their cursors give the list in one page."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import OPENING


def listed(client: TestClient, headers: dict[str, str], limit: int, **axes: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get("/negotiations", params={"limit": limit, **axes, **({"cursor": cursor} if cursor else {})},
                          headers=headers).json()
        assert all((i["as_of"], i["known_at"]) == (page["as_of"], page["known_at"]) for i in page["items"])
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def test_each_listed_negotiation_is_its_own_answer_at_that_point_and_pages_add_up(
        client: TestClient, as_recorder: dict[str, str]) -> None:
    opened = [client.post("/negotiations", json={**OPENING, "occurred_at": month}, headers=as_recorder).json()
              for month in ("2025-01", "2025-03", "2025-05")]
    [second] = client.get("/events", params={"negotiation_id": opened[1]["id"]}, headers=as_recorder).json()["items"]
    known_at = second["recorded_at"]
    for axes in ({}, {"as_of": "2025-04-01"}, {"known_at": known_at}, {"as_of": "2025-02-01", "known_at": known_at}):
        whole = client.get("/negotiations", params={"limit": 100, **axes}, headers=as_recorder).json()
        expected = [client.get(f"/negotiations/{o['id']}", params=axes, headers=as_recorder) for o in opened]
        assert whole["items"] == [r.json() for r in expected if r.status_code == 200], axes
        assert listed(client, as_recorder, 1, **axes) == whole["items"]
    assert len(client.get("/negotiations", params={"as_of": "2025-04-01"}, headers=as_recorder).json()["items"]) == 2
