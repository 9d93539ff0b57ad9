"""A storage error while a group of appends is being checked (a connection lost before the
group is saved) fails the group, and leaves no cached negotiation holding events that were
never saved: the next append is checked and stored as if the failed group never was.

Found under load with PostgreSQL backends being killed: the next save of such a negotiation
carried the lost events too, and failed with a KeyError (a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from api.services import Services
from domain.application import AppendRequest
from tests.app.test_read_model_store import open_negotiation

STATEMENT = {"type": "statement.issued", "occurred_at": "2025-03-01", "text": "x",
             "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


def test_a_storage_error_mid_group_leaves_no_unsaved_events_behind(services: Services,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    log = services.log
    nid = open_negotiation(services)
    earlier = log._earlier_result

    def lost_connection(request: AppendRequest) -> Any:
        if request.idempotency_key == "lost":
            raise OperationalError("server closed the connection unexpectedly")
        return earlier(request)

    monkeypatch.setattr(log, "_earlier_result", lost_connection)
    first = AppendRequest(principal="t", negotiation_id=nid, events=[{**STATEMENT, "text": "never saved"}])
    second = AppendRequest(principal="t", negotiation_id=nid, events=[STATEMENT], idempotency_key="lost",
                           request_hash="h")
    with pytest.raises(OperationalError):
        log.append_many([first, second])
    monkeypatch.undo()
    stored = log.append(AppendRequest(principal="t", negotiation_id=nid, events=[{**STATEMENT, "text": "saved"}]))
    assert [e["version"] for e in stored.events] == [2]
    assert [e.get("text") for e in log.stream(nid)] == [None, "saved"]
