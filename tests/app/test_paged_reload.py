"""A negotiation dropped from the cache (a restart, a refused append) is read back a page at a
time, so a long one needs memory for one page, not for all its stored events; and it comes
back the same, able to take appends that depend on what it knew."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from api.services import Services
from domain.application import AppendRequest
from domain.errors import RuleViolation
from domain.storage import paged_events
from tests.conftest import OPENING


def append(svc: Services, nid: str, *events: dict[str, Any]) -> None:
    svc.log.append(AppendRequest(principal="t", negotiation_id=nid, events=list(events), batch=True))


def test_a_dropped_negotiation_is_read_back_in_pages(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    nid = services.log.append(AppendRequest(principal="t", events=[OPENING])).negotiation_id
    append(services, nid, *[{"type": "round.scheduled", "occurred_at": "2025-03-01", "round_id": f"r{i}"}
                            for i in range(10)])
    append(services, nid, {"type": "round.concluded", "occurred_at": "2025-03-02", "round_id": "r3"})
    monkeypatch.setattr(paged_events, "PAGE", 3)
    limits: list[Any] = []
    select = services.log.recorder.select_events

    def spy(*args: Any, **kwargs: Any) -> Any:
        limits.append(kwargs.get("limit"))
        return select(*args, **kwargs)

    monkeypatch.setattr(services.log.recorder, "select_events", spy)
    services.log.repository.cache.get(UUID(nid), evict=True)
    with pytest.raises(RuleViolation, match="already concluded"):
        append(services, nid, {"type": "round.concluded", "occurred_at": "2025-03-03", "round_id": "r3"})
    assert limits and set(limits) == {3} and len(limits) >= 4  # 12 events, 3 at a time
    append(services, nid, {"type": "round.concluded", "occurred_at": "2025-03-03", "round_id": "r4"})
    assert services.log.version(nid) == 13
