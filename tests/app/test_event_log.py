"""The application on SQLite: events are stored once, with their envelope, atomically,
durably, idempotently, each with its leaf in the log's Merkle tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.cli.transfer import ImportFailed, import_events
from api.services import Services
from api.settings import Settings
from domain.application import AppendRequest
from domain.log_audit import verify_log
from domain.merkle import leaf_hash
from domain.errors import IdempotencyKeyReused, NotFound, ValidationFailed, VersionConflict
from projections.export.reading import read_record
from projections.export.registry import FORMATS
from tests.conftest import OPENING


def open_negotiation(svc: Services, principal: str = "alice") -> str:
    return svc.log.append(AppendRequest(principal=principal, events=[OPENING])).negotiation_id


def append(svc: Services, negotiation_id: str, *events: dict[str, Any], **options: Any) -> list[dict[str, Any]]:
    request = AppendRequest(principal=options.pop("principal", "alice"), negotiation_id=negotiation_id,
                            events=list(events), batch=len(events) > 1, **options)
    return svc.log.append(request).events


ROUND = {"type": "round.scheduled", "occurred_at": "2025-02-20", "round_id": "r1", "scheduled_for": "2025-02-27"}
STARTED = {"type": "round.started", "occurred_at": "2025-02-27", "round_id": "r1"}
CONCLUDED = {"type": "round.concluded", "occurred_at": "2025-02-27", "round_id": "r1"}


def test_an_appended_event_is_stored_once_with_its_envelope(services: Services) -> None:
    nid = open_negotiation(services)
    [event] = append(services, nid, ROUND, principal="bob")
    assert services.log.event(event["event_id"]) == event
    assert event["recorded_by"] == "bob" and event["version"] == 2 and event["negotiation_id"] == nid
    assert event["occurred_from"] == "2025-02-20T00:00:00Z"
    assert event["occurred_until"] == "2025-02-20T23:59:59.999999Z"
    assert [e["event_id"] for e in services.log.stream(nid)].count(event["event_id"]) == 1


def test_log_indexes_are_dense_in_position_order_and_each_hash_is_its_leaf_hash(services: Services) -> None:
    nid = open_negotiation(services)
    append(services, nid, ROUND, STARTED)
    events = services.log.stream(nid)
    assert [e["position"] for e in events] == sorted({e["position"] for e in events})
    assert [e["log_index"] for e in events] == [0, 1, 2]
    for event in events:
        committed = services.proofs.committed(event["event_id"])
        assert event["hash"] == leaf_hash(committed.leaf()).hex()


def test_recorded_time_follows_position_order_and_a_batch_shares_one(services: Services) -> None:
    nid = open_negotiation(services)
    append(services, nid, ROUND, STARTED)
    append(services, nid, CONCLUDED)
    events = services.log.stream(nid)
    times = [e["recorded_at"] for e in events]
    assert times[1] == times[2] and times[0] < times[1] < times[3]


def test_a_batch_with_one_bad_event_stores_nothing(services: Services) -> None:
    nid = open_negotiation(services)
    with pytest.raises(ValidationFailed) as caught:
        append(services, nid, ROUND, {"type": "round.started", "occurred_at": "not a date", "round_id": "r1"})
    assert caught.value.index == 1
    assert services.log.version(nid) == 1
    assert verify_log(services.log.event_log)["checked"] == 1
    append(services, nid, ROUND)  # the aggregate was not left half-changed by the refusal
    assert services.log.version(nid) == 2


def test_if_match_must_equal_the_stream_version(services: Services) -> None:
    nid = open_negotiation(services)
    append(services, nid, ROUND, expected_version=1)
    with pytest.raises(VersionConflict):
        append(services, nid, {**ROUND, "round_id": "r2"}, expected_version=1)
    assert services.log.version(nid) == 2


def test_appending_to_an_unknown_negotiation_is_not_found(services: Services) -> None:
    with pytest.raises(NotFound):
        append(services, "6c0e1f0a-8a38-4a8e-9f1e-2b3c4d5e6f70", ROUND)
    with pytest.raises(NotFound):
        append(services, "not-a-uuid", ROUND)


def test_a_retried_request_is_answered_from_the_first_even_after_a_restart(settings: Settings) -> None:
    first = Services.open(settings)
    nid = open_negotiation(first)
    original = first.log.append(AppendRequest(principal="alice", negotiation_id=nid, events=[ROUND],
                                              idempotency_key="k-1", request_hash="h"))
    first.close()
    again = Services.open(settings)
    retried = again.log.append(AppendRequest(principal="alice", negotiation_id=nid, events=[ROUND],
                                             idempotency_key="k-1", request_hash="h"))
    assert retried.replayed and retried.events == original.events
    assert again.log.version(nid) == 2
    with pytest.raises(IdempotencyKeyReused):
        again.log.append(AppendRequest(principal="alice", negotiation_id=nid, events=[ROUND],
                                       idempotency_key="k-1", request_hash="other"))
    # Keys belong to their principal: another principal's same key is a new request.
    other = again.log.append(AppendRequest(principal="bob", negotiation_id=nid, events=[{**ROUND, "round_id": "r2"}],
                                           idempotency_key="k-1", request_hash="h"))
    assert not other.replayed
    again.close()


def test_commits_are_fully_synchronous(services: Services, settings: Settings) -> None:
    """A 201 means the transaction reached the disk: SQLite's WAL with synchronous=FULL,
    PostgreSQL's synchronous_commit."""
    with services.log.database.transaction(commit=False) as cursor:
        if services.log.database.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == 2  # FULL
        else:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()["synchronous_commit"] == "on"


# -- export and import -------------------------------------------------------------------------

def test_export_then_import_reproduces_every_event(services: Services, tmp_path: Path) -> None:
    nid = open_negotiation(services)
    [scheduled] = append(services, nid, ROUND)
    append(services, nid, {"type": "record.corrected", "occurred_at": "2025-02-21", "reason": "date",
                           "target_event_id": scheduled["event_id"], "changes": {"scheduled_for": "2025-02-28"}})
    exported = "".join(FORMATS["jsonl"].render(read_record(services.log, nid)))
    assert len(exported.splitlines()) == 3
    copy = Services.open(Settings(db=str(tmp_path / "copy.db")))
    assert import_events(copy.log, exported.splitlines(), principal="importer") == 3
    server_set = {"recorded_at", "recorded_by", "hash", "position", "log_index"}
    before = [{k: v for k, v in e.items() if k not in server_set} for e in services.log.stream(nid)]
    after = copy.log.stream(nid)
    assert [{k: v for k, v in e.items() if k not in server_set} for e in after] == before
    assert {e["recorded_by"] for e in after} == {"importer"}
    assert verify_log(copy.log.event_log)["ok"]
    copy.close()


def test_an_import_line_nested_too_deeply_is_refused_by_number(services: Services) -> None:
    nid = open_negotiation(services)
    deep = '{"a":' * 2000 + '"x"' + "}" * 2000
    lines = [json.dumps({**ROUND, "negotiation_id": nid}),
             '{"type":"statement.issued","occurred_at":"2025","negotiation_id":"%s","text":%s}' % (nid, deep)]
    with pytest.raises(ImportFailed, match="line 2: nested more than 32 levels"):
        import_events(services.log, lines, principal="importer")
    assert len(services.log.stream(nid)) == 1


def test_a_second_writer_process_on_the_same_file_is_seen_by_the_first(settings: Settings) -> None:
    """A server and an import (two processes) may write one SQLite file: the server's cached
    streams must not make it refuse a correct If-Match or reuse a version."""
    server, importer = Services.open(settings), Services.open(settings)
    nid = open_negotiation(server)
    append(server, nid, ROUND)  # the server now caches the stream at version 2
    append(importer, nid, STARTED)  # version 3, behind the server's back
    [concluded] = append(server, nid, CONCLUDED, expected_version=3)
    assert concluded["version"] == 4
    [more] = append(server, nid, {"type": "dispute.raised", "occurred_at": "2025-03", "dispute_id": "d",
                                  "title": "T"})
    assert more["version"] == 5
    append(importer, nid, {"type": "dispute.raised", "occurred_at": "2025-03", "dispute_id": "e", "title": "U"})
    [last] = append(server, nid, {"type": "dispute.raised", "occurred_at": "2025-03", "dispute_id": "f", "title": "V"})
    assert last["version"] == 7
    assert verify_log(server.log.event_log)["ok"]
    server.close()
    importer.close()
