"""Pages of the global log for a viewer limited to workspaces hold exactly the events of its
workspaces, in order, whichever way they are read: few negotiations in scope (merged from each
one's index) or many (walked in position order), ascending or descending, with other filters."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from api.services import Services
from domain.appending import AppendRequest
from projections import log_query
from projections.log_query import LogFilter
from tests.conftest import OPENING


def _fill(services: Services, rng: random.Random) -> dict[str, str]:
    workspace_of = {}
    for i in range(9):
        workspace = ("alpha", "beta", "gamma")[i % 3]
        nid = services.log.append(AppendRequest(principal="p", events=[{**OPENING, "workspace": workspace}])
                                  ).negotiation_id
        workspace_of[nid] = workspace
    for n in range(120):
        nid = rng.choice(sorted(workspace_of))
        services.log.append(AppendRequest(principal=rng.choice(["ana", "bo"]), negotiation_id=nid, events=[
            {"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{n}"}]))
    return workspace_of


def _walk(services: Services, flt: LogFilter, descending: bool, limit: int) -> list[int]:
    seen: list[int] = []
    after = None
    head = services.queries.head()
    while True:
        page = services.queries.page(flt, after, limit, descending=descending, upto=head)
        seen += [e["position"] for e in page]
        if len(page) < limit:
            return seen
        after = page[-1]["position"]


@pytest.mark.parametrize("per_negotiation", [32, 1])  # merged from each negotiation's index, or walked
def test_a_scoped_page_is_the_unscoped_page_without_the_other_workspaces(services: Services, per_negotiation: int,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log_query, "PER_NEGOTIATION", per_negotiation)
    rng = random.Random(13)
    workspace_of = _fill(services, rng)
    everything = services.queries.page(LogFilter(), 0, 10_000, upto=services.queries.head())
    for scope in ({"alpha"}, {"alpha", "gamma"}, {"nowhere"}):
        for base in (LogFilter(), LogFilter(recorded_by="ana"), LogFilter(types=("round.proposed",))):
            expected = [e["position"] for e in everything if workspace_of[e["negotiation_id"]] in scope
                        and (base.recorded_by is None or e["recorded_by"] == base.recorded_by)
                        and (not base.types or e["type"] in base.types)]
            scoped = dataclasses.replace(base, scope=frozenset(scope))
            for limit in (1, 7, 100):
                assert _walk(services, scoped, False, limit) == expected
                assert _walk(services, scoped, True, limit) == expected[::-1]
    alpha = next(n for n, w in workspace_of.items() if w == "alpha")
    beta = next(n for n, w in workspace_of.items() if w == "beta")
    only: Any = LogFilter(negotiation_id=beta, scope=frozenset({"alpha"}))
    assert services.queries.page(only, 0, 100) == []
    mine = LogFilter(negotiation_id=alpha, scope=frozenset({"alpha"}))
    assert [e["position"] for e in services.queries.page(mine, 0, 1000)] == [
        e["position"] for e in everything if e["negotiation_id"] == alpha]
