"""An unexpected exception answers its own request with a 500 problem+json carrying a
correlation id, logged once with its traceback under that id; nothing else is disturbed."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.store.queries import ReadModels
from tests.conftest import bearer
from tests.faults import Boom, break_validation_of


def deep_text(depth: int) -> str:
    return '{"a":' * depth + '"x"' + "}" * depth


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def assert_one_500_logged_once(response: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    correlation_id = body["correlation_id"]
    assert correlation_id and correlation_id in body["detail"] and body["rule"] == "unexpected"
    [record] = errors_logged(caplog)
    assert record.exc_info and correlation_id in record.getMessage()


def test_an_unexpected_error_in_a_read_is_a_500_problem_logged_once(
        client: TestClient, tokens: dict[str, str], negotiation: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise Boom("a bug")

    monkeypatch.setattr(ReadModels, "timeline", broken)
    caplog.set_level(logging.INFO)
    response = client.get(f"/negotiations/{negotiation}/timeline", headers=bearer(tokens["reader"]))
    assert_one_500_logged_once(response, caplog)
    assert client.get(f"/negotiations/{negotiation}", headers=bearer(tokens["reader"])).status_code == 200


def test_an_unexpected_error_in_an_append_fails_that_append_alone(
        client: TestClient, as_recorder: dict[str, str], negotiation: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    break_validation_of(monkeypatch, "note", "boom")
    caplog.set_level(logging.INFO)
    event = {"type": "round.proposed", "occurred_at": "2025-03", "round_id": "r1"}
    response = client.post(f"/negotiations/{negotiation}/events", json={**event, "note": "boom"}, headers=as_recorder)
    assert_one_500_logged_once(response, caplog)
    assert client.post(f"/negotiations/{negotiation}/events", json=event, headers=as_recorder).status_code == 201


def test_every_body_nested_too_deeply_is_refused_with_400_when_parsed(client: TestClient, tokens: dict[str, str],
                                                                       negotiation: str) -> None:
    headers = {**bearer(tokens["admin"]), "Content-Type": "application/json"}
    for path in [f"/negotiations/{negotiation}/events", "/negotiations", "/admin/tokens",
                 f"/negotiations/{negotiation}/erasures"]:
        response = client.post(path, content=deep_text(40), headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["rule"] == "json" and "nested" in response.json()["detail"]


def test_a_correction_whose_changes_nest_400_deep_is_refused_with_400(
        client: TestClient, as_recorder: dict[str, str], negotiation: str) -> None:
    target = client.post(f"/negotiations/{negotiation}/events", headers=as_recorder,
                         json={"type": "dispute.raised", "occurred_at": "2025-03", "dispute_id": "d",
                               "title": "t"}).json()
    raw = ('{"type":"record.corrected","occurred_at":"2025-03","reason":"r","target_event_id":"%s",'
           '"changes":{"title":%s}}' % (target["event_id"], deep_text(400)))
    response = client.post(f"/negotiations/{negotiation}/events", content=raw,
                           headers={**as_recorder, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["rule"] == "json"
