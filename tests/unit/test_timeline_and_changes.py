"""The timeline, the changes between two dates and list cursors, pure."""

from __future__ import annotations

import pytest

from domain.valid_time import parse_instant, parse_valid_time
from projections import paging
from projections.changes import diff, snapshot
from projections.timeline import TimelineFilter, timeline
from tests.facts import NID, correction, fact, retraction

OPENED = fact("negotiation.opened", "2025-02", title="Talks", participants=[{"id": "ru", "name": "R", "role": "party"}])


def test_the_timeline_is_in_valid_time_order_with_corrections_applied_and_retractions_flagged() -> None:
    late = fact("round.concluded", "2025-02-27T18:00:00+03:00", round_id="r1")
    started = fact("round.started", "2025-02-27T10:00:00+03:00", round_id="r1", venue={"city": "Riyadh"})
    false = fact("round.cancelled", "2025-02-28", round_id="r1")
    events = [OPENED, late, started, false, correction(started, {"venue": {"city": "Istanbul"}}), retraction(false)]
    items = timeline(events, TimelineFilter())
    assert [i["type"] for i in items] == ["negotiation.opened", "round.started", "round.concluded", "round.cancelled"]
    assert items[1]["venue"] == {"city": "Istanbul"} and len(items[1]["corrected_by"]) == 1
    assert [i["retracted"] for i in items] == [False, False, False, True]
    assert all("hash" not in i for i in items)


def test_the_timeline_filters_by_overlap_with_from_and_to_and_by_type_or_family() -> None:
    span = fact("statement.issued", "2025-02-27/2025-04-10", speaker={"name": "Z"}, text="contacts continue")
    events = [OPENED, fact("round.scheduled", "2025-03-01", round_id="r2"), span,
              fact("round.started", "2025-04-10", round_id="r2")]
    march = TimelineFilter(start=parse_valid_time("2025-03").start, end=parse_instant("2025-03"))
    assert [i["type"] for i in timeline(events, march)] == ["statement.issued", "round.scheduled"]
    rounds = TimelineFilter(types=frozenset({"round"}))
    assert [i["type"] for i in timeline(events, rounds)] == ["round.scheduled", "round.started"]
    exact = TimelineFilter(types=frozenset({"round.started"}), as_of=parse_instant("2025-04-09"))
    assert timeline(events, exact) == []


def test_changes_list_entities_added_removed_and_fields_changed() -> None:
    scheduled = fact("round.scheduled", "2025-03-01", round_id="r1")
    events = [OPENED, scheduled, fact("round.concluded", "2025-04-10", round_id="r1"),
              fact("dispute.raised", "2025-04-10", dispute_id="visas", title="Visas")]
    march, april = (snapshot(NID, events, as_of=parse_instant(d), known_at=None) for d in ("2025-03-31", "2025-04"))
    changes = diff(march, april)
    assert changes["added"] == [{"kind": "dispute", "id": "visas", "after": april[("dispute", "visas")][1]}]
    assert changes["removed"] == []
    by_id = {(c["kind"], c["id"]): c["fields"] for c in changes["changed"]}
    assert by_id[("round", "r1")]["status"] == {"before": "scheduled", "after": "concluded"}
    assert by_id[("negotiation", NID)]["counts"]["after"]["disputes"] == 1
    assert diff(april, march)["removed"][0]["id"] == "visas"


def test_a_cursor_is_the_sort_key_of_the_last_item_and_nothing_else_is_accepted() -> None:
    assert paging.decode(paging.encode(-5, "r-1_b")) == (-5, "r-1_b")
    items, cursor = paging.page([(1, "a", "A"), (1, "b", "B"), (2, "a", "C")], 2)
    assert items == ["A", "B"] and cursor == "1.b"
    assert paging.page([(1, "a", "A")], 2) == (["A"], None)
    for bad in ("", "1", "x.a", "1.A", "1.a.b", "1.a\n"):
        with pytest.raises(ValueError):
            paging.decode(bad)
