"""The negotiation list read from the index (ReadModels.negotiation_page) answers what walking
every negotiation and building its state at the point answers: the same items, pages and
cursors, on both axes and within a workspace scope. Hypothesis draws negotiations whose status
events come before or after their opening in valid time, openings corrected to another time,
and status events retracted: the cases the SQL filter cannot decide alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.errors import NotFound
from domain.valid_time import parse_instant
from domain.workspaces import Scope
from projections.store import queries
from projections.store.queries import ReadModels
from tests.conftest import OPENING

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]
SCOPES: list[Scope] = [None, frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b"})]


@pytest.fixture
def svc(settings: Settings) -> Iterator[Services]:
    """On both backends (conftest's `backend`): the filter is SQL."""
    services = Services.open(settings)
    yield services
    services.close()


negotiation_plans = st.fixed_dictionaries({
    "workspace": st.sampled_from(["a", "b"]),
    "opened": st.sampled_from(MONTHS),
    # A suspension (and resumption) at any month: before the opening in valid time too.
    "status": st.lists(st.sampled_from(MONTHS), max_size=2),
    "moved_to": st.none() | st.sampled_from(MONTHS),  # a correction of the opening's valid time
    "retract_status": st.booleans(),
})


def record(svc: Services, plan: dict[str, Any]) -> list[datetime]:
    """Records one negotiation; returns the recorded times of its events."""
    def append(nid: str | None, event: dict[str, Any]) -> dict[str, Any]:
        return svc.log.append(AppendRequest(principal="t", negotiation_id=nid, events=[event])).events[0]

    opening = append(None, {**OPENING, "occurred_at": plan["opened"], "workspace": plan["workspace"]})
    nid = opening["negotiation_id"]
    stored = [opening]
    for month, kind in zip(plan["status"], ["negotiation.suspended", "negotiation.resumed"], strict=False):
        stored.append(append(nid, {"type": kind, "occurred_at": month}))
    if plan["moved_to"]:
        stored.append(append(nid, {"type": "record.corrected", "occurred_at": "2025-07",
                                   "target_event_id": opening["event_id"], "changes": {"occurred_at": plan["moved_to"]},
                                   "reason": "misdated"}))
    if plan["retract_status"] and len(stored) > 1 and stored[1]["type"] == "negotiation.suspended":
        stored.append(append(nid, {"type": "record.retracted", "occurred_at": "2025-07",
                                   "target_event_id": stored[1]["event_id"], "reason": "never happened"}))
    return [parse_instant(e["recorded_at"]) for e in stored]


def walked(svc: Services, limit: int, after: int, scope: Scope, **axes: Any) -> dict[str, Any]:
    """The list as it was built before the index: every negotiation in opening order, its
    state at the point, skipped where it was not open then."""
    models, items, last = ReadModels(svc.log), [], after
    for negotiation_id, opened_at in svc.log.event_log.negotiation_ids(after, 10**6):
        if not svc.log.workspaces.admits(svc.log.database, scope, negotiation_id):
            continue
        try:
            items.append(models.negotiation(negotiation_id, **axes))
        except NotFound:
            continue
        last = opened_at
        if len(items) == limit:
            break
    return {"items": items, "next_cursor": str(last) if len(items) == limit else None,
            "position": max((i["position"] for i in items), default=0)}


def pages(svc: Services, limit: int, scope: Scope, **axes: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each page from the index beside the walked one, following the index's cursors."""
    after = 0
    while True:
        page = ReadModels(svc.log).negotiation_page(after, limit, scope=scope, **axes)
        yield page, walked(svc, limit, after, scope, **axes)
        if page["next_cursor"] is None:
            return
        after = int(page["next_cursor"])


@PROPERTY
@given(plans=st.lists(negotiation_plans, min_size=1, max_size=5), limit=st.integers(1, 3),
       scope=st.sampled_from(SCOPES), as_of=st.none() | st.sampled_from(MONTHS + ["2024-12"]),
       known_at_pick=st.none() | st.integers(0, 40), few_open=st.sampled_from([0, 1, 10_000]), data=st.data())
def test_the_indexed_list_answers_what_walking_every_negotiation_answers(
        svc: Services, plans: list[dict[str, Any]], limit: int, scope: Scope, as_of: str | None,
        known_at_pick: int | None, few_open: int, data: st.DataObject) -> None:
    recorded = sorted(t for plan in plans for t in record(svc, plan))
    # Just before, or at, one of the recording moments: each one changes what was known.
    known_at = None
    if known_at_pick is not None:
        moment = recorded[known_at_pick % len(recorded)]
        known_at = moment - timedelta(microseconds=data.draw(st.sampled_from([0, 1])))
    axes = {"as_of": parse_instant(as_of) if as_of else None, "known_at": known_at}
    # The log keeps the earlier examples' negotiations too: many pages, with cursors between.
    # Both ways of finding a page at an as_of: among the few negotiations open by then (by id),
    # and looked for in opening order when more status events than `few_open` came before it.
    with mock.patch.object(queries, "FEW_OPEN", few_open):
        for page, expected in pages(svc, limit, scope, **axes):
            assert page == expected
