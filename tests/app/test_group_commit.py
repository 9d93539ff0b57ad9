"""Group commit: many appends, one transaction, each answered as if it had been alone."""

from __future__ import annotations

import threading
from typing import Any

from api.services import Services
from domain.appending import AppendRequest, AppendResult
from domain.errors import IdempotencyKeyReused, RuleViolation, VersionConflict
from domain.group_commit import GroupCommit
from domain.log_audit import verify_log
from tests.conftest import OPENING


def statement(n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01", "text": f"statement {n}",
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


def request(nid: str, *events: dict[str, Any], **options: Any) -> AppendRequest:
    return AppendRequest(principal="alice", negotiation_id=nid, events=list(events), **options)


def test_requests_in_one_group_see_each_other_in_order(services: Services) -> None:
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    outcomes = services.log.append_many([
        request(nid, statement(1)),
        request(nid, statement(2), expected_version=2),
        AppendRequest(principal="bob", events=[OPENING]),
        request(nid, statement(3), expected_version=2),
    ])
    assert [e["version"] for e in outcomes[0].events + outcomes[1].events] == [2, 3]
    assert isinstance(outcomes[2], AppendResult) and outcomes[2].negotiation_id != nid
    assert isinstance(outcomes[3], VersionConflict)
    assert services.log.version(nid) == 3


def test_a_refused_request_leaves_the_rest_of_its_group_intact(services: Services) -> None:
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    bad = {"type": "round.concluded", "occurred_at": "2025-03-01", "round_id": "unknown"}
    outcomes = services.log.append_many([
        request(nid, statement(1)),
        request(nid, statement(2), bad, batch=True),
        request(nid, statement(3)),
    ])
    assert isinstance(outcomes[1], RuleViolation) and outcomes[1].index == 1
    assert [o.events[0]["version"] for o in (outcomes[0], outcomes[2])] == [2, 3]
    assert [e["text"] for e in services.log.stream(nid)[1:]] == ["statement 1", "statement 3"]
    assert verify_log(services.log.event_log)["ok"]


def test_the_same_idempotency_key_twice_in_a_group_stores_once(services: Services) -> None:
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    outcomes = services.log.append_many([
        request(nid, statement(1), idempotency_key="k", request_hash="h"),
        request(nid, statement(1), idempotency_key="k", request_hash="h"),
        request(nid, statement(2), idempotency_key="k", request_hash="other"),
    ])
    assert outcomes[1].replayed and outcomes[1].events == outcomes[0].events
    assert isinstance(outcomes[2], IdempotencyKeyReused)
    assert services.log.version(nid) == 2


def test_concurrent_threads_share_transactions_and_all_get_their_own_answer(services: Services) -> None:
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    group_sizes: list[int] = []

    def counting(requests: Any) -> Any:
        group_sizes.append(len(requests))
        return services.log.append_many(requests)

    writer = GroupCommit(counting)
    answers: dict[int, int] = {}
    barrier = threading.Barrier(16)

    def client(n: int) -> None:
        barrier.wait()
        for k in range(10):
            result = writer.append(request(nid, statement(n * 100 + k)))
            answers[n * 100 + k] = result.events[0]["version"]

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = {e["text"]: e["version"] for e in services.log.stream(nid)[1:]}
    assert {f"statement {n}": v for n, v in answers.items()} == stored
    assert sorted(stored.values()) == list(range(2, 162))
    writer.close()
    assert sum(group_sizes) == 160 and len(group_sizes) < 160


def test_a_failing_commit_is_reported_to_every_request_of_its_group() -> None:
    def broken(requests: Any) -> Any:
        raise OSError("disk on fire")

    writer = GroupCommit(broken)
    futures = [writer.submit(AppendRequest(principal="a", events=[OPENING])) for _ in range(3)]
    for future in futures:
        try:
            future.result(timeout=5)
        except OSError as e:
            assert "disk on fire" in str(e)
        else:
            raise AssertionError("a failed commit was answered as a success")
    writer.close()
