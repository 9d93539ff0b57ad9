"""An unexpected exception while one append is checked or saved fails that append alone: the
other requests of its group are still checked against the stored state and committed."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest

from api.services import Services
from domain.aggregate import Negotiation
from domain.appending import AppendRequest, AppendResult
from domain.application import NegotiationLog
from domain.errors import DomainError
from domain.group_commit import GroupCommit
from domain.storage.backend import eventsourcing_env
from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor
from domain.log_audit import verify_log
from tests.conftest import OPENING
from tests.faults import Boom, break_validation_of

GROUP = 16


def statement(text: str) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01", "text": text,
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


class FailingHook:
    """A transaction hook that fails on one marked event, as a hook bug on odd data would."""

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        pass

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        if any(e.get("text") == "boom" for e in events):
            raise Boom("a hook failed on this event")


@pytest.fixture
def log(services: Services) -> NegotiationLog:
    return services.log


def opened(log: NegotiationLog) -> str:
    return log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id


def group_with_one_bad(nid: str) -> list[AppendRequest]:
    return [AppendRequest(principal="alice", negotiation_id=nid,
                          events=[statement("boom" if n == GROUP // 2 else f"statement {n}")])
            for n in range(GROUP)]


def assert_only_the_bad_one_failed(log: NegotiationLog, nid: str, outcomes: list[Any]) -> None:
    failed = [n for n, o in enumerate(outcomes) if not isinstance(o, AppendResult)]
    assert failed == [GROUP // 2], outcomes
    assert isinstance(outcomes[GROUP // 2], Boom) and not isinstance(outcomes[GROUP // 2], DomainError)
    texts = [e["text"] for e in log.stream(nid)[1:]]
    assert texts == [f"statement {n}" for n in range(GROUP) if n != GROUP // 2]
    assert verify_log(log.event_log)["ok"]


def test_an_exception_while_validating_one_request_fails_it_alone(log: NegotiationLog,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    nid = opened(log)
    break_validation_of(monkeypatch, "text", "boom")
    assert_only_the_bad_one_failed(log, nid, log.append_many(group_with_one_bad(nid)))


def test_an_exception_while_checking_one_request_against_its_stream_fails_it_alone(
        log: NegotiationLog, monkeypatch: pytest.MonkeyPatch) -> None:
    nid = opened(log)
    record = Negotiation.record

    def failing(self: Negotiation, event: Any, *args: Any, **kwargs: Any) -> None:
        record(self, event, *args, **kwargs)  # the aggregate is half-changed when it fails
        if event.fields.get("text") == "boom":
            raise Boom("the check broke on this event")

    monkeypatch.setattr(Negotiation, "record", failing)
    assert_only_the_bad_one_failed(log, nid, log.append_many(group_with_one_bad(nid)))


def test_an_exception_while_saving_one_request_fails_it_alone(settings: Any) -> None:
    log = NegotiationLog(eventsourcing_env(settings.db), hooks=[FailingHook()])
    try:
        nid = opened(log)
        assert_only_the_bad_one_failed(log, nid, log.append_many(group_with_one_bad(nid)))
    finally:
        log.close()


def test_concurrent_appenders_are_answered_while_one_request_keeps_failing(settings: Any) -> None:
    log = NegotiationLog(eventsourcing_env(settings.db), hooks=[FailingHook()])
    writer = GroupCommit(log.append_many)
    nids = [opened(log) for _ in range(GROUP)]
    answers: list[str] = []
    barrier = threading.Barrier(GROUP + 1)

    def appender(n: int) -> None:
        barrier.wait()
        for k in range(10):
            writer.append(AppendRequest(principal="alice", negotiation_id=nids[n],
                                        events=[statement(f"statement {n}.{k}")]))
            answers.append(f"{n}.{k}")

    def attacker() -> None:
        barrier.wait()
        for _ in range(20):
            with pytest.raises(Boom):
                writer.append(AppendRequest(principal="mallory", negotiation_id=nids[0], events=[statement("boom")]))

    threads = [threading.Thread(target=appender, args=(n,)) for n in range(GROUP)]
    threads.append(threading.Thread(target=attacker))
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(answers) == GROUP * 10
        assert sum(len(log.stream(nid)) - 1 for nid in nids) == GROUP * 10
    finally:
        writer.close()
        log.close()
