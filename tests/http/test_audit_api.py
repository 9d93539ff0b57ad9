"""GET /audit: who recorded which event and when, filtered and paged, for auditors only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services import Services
from api.settings import Settings
from domain.valid_time import format_utc
from projections.log_query import LogFilter
from projections.store import recorded_order
from projections.store.rebuild import rebuild
from projections.store.shadow import table_exists
from tests.conftest import OPENING, bearer
from tests.raw_db import RawDB


def round_proposed(round_id: str) -> dict[str, Any]:
    return {"type": "round.proposed", "occurred_at": "2025-03", "round_id": round_id}


def dispute_raised(dispute_id: str) -> dict[str, Any]:
    return {"type": "dispute.raised", "occurred_at": "2025-03", "dispute_id": dispute_id, "title": dispute_id}


@pytest.fixture
def recorded(client: TestClient, services: Services, tokens: dict[str, str]) -> dict[str, Any]:
    """Two recorders, alice and bob, take turns recording into two negotiations."""
    alice = bearer(services.principals.create("alice", "recorder")[1])
    bob = bearer(services.principals.create("bob", "recorder")[1])
    first = client.post("/negotiations", json=OPENING, headers=alice).json()["id"]
    second = client.post("/negotiations", json=OPENING, headers=bob).json()["id"]
    for i in range(3):
        assert client.post(f"/negotiations/{first}/events", json=round_proposed(f"a{i}"), headers=alice).status_code == 201
        assert client.post(f"/negotiations/{second}/events", json=dispute_raised(f"b{i}"), headers=bob).status_code == 201
        assert client.post(f"/negotiations/{first}/events", json=dispute_raised(f"c{i}"), headers=bob).status_code == 201
    return {"first": first, "second": second, "auditor": bearer(tokens["auditor"])}


def audit(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/audit", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_each_entry_is_the_event_with_who_recorded_it_and_when(client: TestClient, recorded: dict) -> None:
    items = audit(client, recorded["auditor"])["items"]
    assert len(items) == 11
    assert [i["position"] for i in items] == sorted(i["position"] for i in items)
    assert {i["recorded_by"] for i in items} == {"alice", "bob"}
    for item in items:
        assert {"event_id", "type", "negotiation_id", "version", "recorded_at", "hash"} <= item.keys()


def test_filters_by_who_recorded(client: TestClient, recorded: dict) -> None:
    items = audit(client, recorded["auditor"], recorded_by="alice")["items"]
    assert [(i["negotiation_id"], i["type"]) for i in items] == (
        [(recorded["first"], "negotiation.opened")] + [(recorded["first"], "round.proposed")] * 3)
    assert audit(client, recorded["auditor"], recorded_by="nobody")["items"] == []


def test_filters_by_negotiation_and_type_and_combines_filters(client: TestClient, recorded: dict) -> None:
    auditor = recorded["auditor"]
    in_second = audit(client, auditor, negotiation_id=recorded["second"])["items"]
    assert len(in_second) == 4 and {i["negotiation_id"] for i in in_second} == {recorded["second"]}
    disputes = audit(client, auditor, type="dispute.raised")["items"]
    assert [i["dispute_id"] for i in disputes] == ["b0", "c0", "b1", "c1", "b2", "c2"]
    both = client.get("/audit?type=round.proposed&type=negotiation.opened", headers=auditor).json()["items"]
    assert len(both) == 5
    assert len(audit(client, auditor, type="round.proposed,negotiation.opened")["items"]) == 5
    bob_in_first = audit(client, auditor, recorded_by="bob", negotiation_id=recorded["first"])["items"]
    assert [i["dispute_id"] for i in bob_in_first] == ["c0", "c1", "c2"]


def test_filters_by_recorded_time_inclusively(client: TestClient, recorded: dict) -> None:
    auditor = recorded["auditor"]
    items = audit(client, auditor)["items"]
    middle = items[5]["recorded_at"]
    since = audit(client, auditor, since=middle)["items"]
    until = audit(client, auditor, until=middle)["items"]
    assert [i["position"] for i in since] == [i["position"] for i in items[5:]]
    assert [i["position"] for i in until] == [i["position"] for i in items[:6]]
    # A bare date means the whole day: since its start, until its end.
    day = middle[:10]
    assert len(audit(client, auditor, since=day, until=day)["items"]) == 11
    assert audit(client, auditor, until="2000-01-01")["items"] == []


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def bounds_around(items: list[dict[str, Any]]) -> list[str]:
    """Every recorded time of `items`, a microsecond either side of each, and times before and
    after them all."""
    times = sorted({at(i["recorded_at"]) for i in items})
    around = {t + timedelta(microseconds=d) for t in times for d in (-1, 0, 1)}
    around |= {times[0] - timedelta(days=1), times[-1] + timedelta(days=1)}
    return [t.isoformat().replace("+00:00", "Z") for t in sorted(around)]


def assert_time_filters_compare_every_event(client: TestClient, auditor: dict[str, str], services: Services) -> None:
    """Each `since`, `until` and pair of them answers the events a comparison of every event's
    recorded time finds, in position order, through the audit and through a scoped page."""
    items = audit(client, auditor)["items"]
    points = bounds_around(items)
    times = sorted({i["recorded_at"] for i in items}, key=at)
    singles = [(p, None) for p in points] + [(None, p) for p in points]
    pairs = [(a, b) for a in times for b in times if at(a) <= at(b)]
    for since, until in singles + pairs:
        expected = [i["position"] for i in items if (since is None or at(i["recorded_at"]) >= at(since))
                    and (until is None or at(i["recorded_at"]) <= at(until))]
        params = {k: v for k, v in (("since", since), ("until", until)) if v is not None}
        assert [i["position"] for i in audit(client, auditor, **params)["items"]] == expected, params
        if since is not None and until is not None:
            scoped = services.queries.page(LogFilter(since=at(since), until=at(until),
                                                     scope=frozenset({"default"})), None, 100)
            assert [e["position"] for e in scoped] == expected, params
    newest = audit(client, auditor, since=points[len(points) // 2], order="desc", limit=2)["items"]
    assert [i["position"] for i in newest] == [i["position"] for i in items[::-1][:2]]


def test_time_filters_answer_as_comparing_every_event_would(client: TestClient, services: Services,
                                                             recorded: dict) -> None:
    """Recorded time moves only forward along the log, so `since` and `until` are read as a
    range of positions (two seeks in the index of recorded times), not by comparing the time of
    every event from the log's start."""
    with services.log.database.transaction(commit=False) as cursor:
        assert recorded_order.in_order(cursor, services.log.database.dialect)
    assert_time_filters_compare_every_event(client, recorded["auditor"], services)


def test_recorded_times_that_go_back_are_compared_event_by_event(settings: Settings, client: TestClient,
                                                                 services: Services, recorded: dict) -> None:
    """A log upgraded from version 1 may hold an event recorded after the one that follows it:
    the read models made from it say so, and the time filters compare every event again (as
    positions, the second event would be missed by a `since` after its successors' times)."""
    items = audit(client, recorded["auditor"])["items"]
    later = format_utc(max(at(i["recorded_at"]) for i in items) + timedelta(seconds=1))
    with RawDB(settings.db) as db:
        db.execute("UPDATE nl_leaves SET recorded_at = ? WHERE position = ?", [later, items[1]["position"]])
    rebuild(services.log.database)
    with services.log.database.transaction(commit=False) as cursor:
        assert not recorded_order.in_order(cursor, services.log.database.dialect)
    assert audit(client, recorded["auditor"])["items"][1]["recorded_at"] == later
    assert_time_filters_compare_every_event(client, recorded["auditor"], services)


def test_read_models_made_before_the_order_was_kept_are_looked_over_at_start(settings: Settings,
                                                                             recorded: dict) -> None:
    def reopened_in_order() -> bool:
        again = Services.open(settings)
        try:
            with again.log.database.transaction(commit=False) as cursor:
                return recorded_order.in_order(cursor, again.log.database.dialect)
        finally:
            again.close()

    with RawDB(settings.db) as db:
        db.execute("DELETE FROM nl_read_meta WHERE name = ?", [recorded_order.IN_ORDER])
    assert reopened_in_order()
    with RawDB(settings.db) as db:
        first = db.one("SELECT MIN(position) FROM nl_read_events")
        db.execute("UPDATE nl_read_events SET recorded_us = recorded_us + 3600000000 WHERE position = ?", [first])
        db.execute("DELETE FROM nl_read_meta WHERE name = ?", [recorded_order.IN_ORDER])
    assert not reopened_in_order()


def test_pages_with_a_cursor_in_either_order(client: TestClient, recorded: dict) -> None:
    auditor = recorded["auditor"]
    seen, cursor = [], None
    while True:
        page = audit(client, auditor, limit=4, **({"cursor": cursor} if cursor else {}))
        seen += [i["position"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everything = [i["position"] for i in audit(client, auditor)["items"]]
    assert seen == everything
    newest = audit(client, auditor, order="desc", limit=3)
    assert [i["position"] for i in newest["items"]] == everything[::-1][:3]
    older = audit(client, auditor, order="desc", limit=3, after=newest["next_cursor"])
    assert [i["position"] for i in older["items"]] == everything[::-1][3:6]


@pytest.mark.parametrize("role, status", [("reader", 403), ("recorder", 403), ("auditor", 200), ("admin", 200)])
def test_only_auditors_and_admins_may_read_the_trail(client: TestClient, tokens: dict, role: str, status: int) -> None:
    assert client.get("/audit", headers=bearer(tokens[role])).status_code == status


def test_no_token_is_401_even_when_reads_are_public(tmp_path: Any) -> None:
    from api.app import create_app
    with TestClient(create_app(Settings(db=str(tmp_path / "p.db"), public_read=True))) as public:
        assert public.get("/audit").status_code == 401
        assert public.get("/events").status_code == 200


@pytest.mark.parametrize("query, field", [
    ("negotiation_id=not-a-uuid", "negotiation_id"), ("type=round.imagined", "type"),
    ("since=yesterday", "since"), ("until=2025-13-01", "until"), ("since=2025-02-01&until=2025-01-01", "until"),
    ("since=2025-01/2025-02", "since"), ("cursor=abc", "cursor"), ("after=-1", "after"), ("limit=0", "limit"),
    ("cursor=3&after=4", "after"), ("order=sideways", "order"), ("recorded_by=" + "x" * 65, "recorded_by"),
])
def test_bad_filters_are_422_naming_the_parameter(client: TestClient, tokens: dict, query: str, field: str) -> None:
    response = client.get(f"/audit?{query}", headers=bearer(tokens["auditor"]))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(field), response.json()


def test_the_audit_rows_are_made_anew_with_the_read_models(settings: Settings, client: TestClient,
                                                             recorded: dict) -> None:
    """Who recorded each event is a column of the read models' row of it: views of an older
    shape are made anew at the next start, a rebuild makes them again, and the audit reads the
    same."""
    before = audit(client, recorded["auditor"], recorded_by="bob")["items"]
    since = audit(client, recorded["auditor"], since=before[2]["recorded_at"])["items"]
    assert len(before) == 7 and since
    with RawDB(settings.db) as db:
        db.execute("DELETE FROM nl_read_events WHERE position - (position / 2) * 2 = 0")  # even positions
        db.execute("UPDATE nl_read_meta SET value = '1' WHERE name = 'version'")
        db.execute("CREATE TABLE nl_audit (position INTEGER PRIMARY KEY)")  # version 1's, retired
    reopened = Services.open(settings)
    try:
        assert reopened.queries.page(LogFilter(recorded_by="bob"), None, 100) == before
        with reopened.log.database.transaction(commit=False) as cursor:
            assert not table_exists(cursor, reopened.log.database.dialect, "nl_audit")
        with RawDB(settings.db) as db:
            db.execute("DELETE FROM nl_read_events WHERE position - (position / 2) * 2 = 0")
        rebuild(reopened.log.database)
        assert reopened.queries.page(LogFilter(recorded_by="bob"), None, 100) == before
    finally:
        reopened.close()
    assert audit(client, recorded["auditor"], since=before[2]["recorded_at"])["items"] == since
