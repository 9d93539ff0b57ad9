"""A restart never replays a stream to accept the next append (issue 15): the stream is loaded
from its snapshot and the events after it. A snapshot that is missing, stale, damaged or of
another shape is rebuilt or ignored, never trusted: the appends after a restart are accepted
and refused exactly as against the replayed stream. A snapshot holds no erasable value."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

import pytest

from api.settings import Settings
from domain import application, snapshots
from domain.aggregate import Negotiation
from domain.appending import AppendRequest, AppendResult, Prepared, UnitOfWork
from domain.application import NegotiationLog
from domain.errors import DomainError, NotFound
from domain.storage.backend import eventsourcing_env
from tests.app.test_refusals_keep_the_cache import StoredReads, random_request, request, statement
from tests.conftest import OPENING

EVERY = 20


@pytest.fixture(autouse=True)
def often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(application, "SNAPSHOT_EVERY", EVERY)


@pytest.fixture
def opened(settings: Settings) -> Iterator[Callable[[], NegotiationLog]]:
    logs: list[NegotiationLog] = []

    def open_log() -> NegotiationLog:
        logs.append(NegotiationLog(eventsourcing_env(settings.db)))
        return logs[-1]
    yield open_log
    for log in logs:
        log.close()


def snapshot_row(log: NegotiationLog, nid: str) -> dict[str, Any] | None:
    row = log.database.query_one("SELECT * FROM nl_snapshots WHERE negotiation_id = ?", [nid])
    return dict(row) if row is not None else None


def a_history(log: NegotiationLog, rng: random.Random) -> tuple[str, list[str]]:
    """A negotiation with kept facts, corrections and retractions before its snapshot."""
    nid = log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    targets = [e["event_id"] for e in log.append(request(nid, *[statement(n) for n in range(6)])).events]
    joined = {"type": "participant.joined", "occurred_at": "2025-02-20",
              "participant": {"id": "x0", "name": "Observer", "role": "observer"}}
    targets += [e["event_id"] for e in log.append(request(nid, joined)).events]
    rounds = [{"type": "round.proposed", "occurred_at": "2025-02-21", "round_id": f"k{i}"} for i in range(3)]
    targets[1:1] = [e["event_id"] for e in log.append(request(nid, *rounds)).events]
    for group in range(3):
        log.append_many([random_request(rng, nid, targets, 1000 * group + 10 * i) for i in range(10)])
    log.append(request(nid, *[statement(n) for n in range(EVERY)]))
    return nid, targets


def replayed_outcome(log: NegotiationLog, nid: str, req: AppendRequest) -> str:
    """What `req` would get against the stream replayed from every stored event (not saved)."""
    replayed = log.repository.get(UUID(nid), version=log.version(nid))
    assert isinstance(replayed, Negotiation)
    work = UnitOfWork(load=lambda _: replayed, catch_up=lambda a: a, find_event=log.event_log.by_event_id)
    try:
        work.add(Prepared.of(req), datetime.now(timezone.utc))
        return f"accepted at {replayed.version}"
    except DomainError as e:
        return f"refused: {e.rule}"
    finally:
        work.roll_back()


def outcome(result: Any) -> str:
    if isinstance(result, AppendResult):
        return f"accepted at {result.events[-1]['version']}"
    assert isinstance(result, DomainError), result
    return f"refused: {result.rule}"


def assert_appends_as_replayed(log: NegotiationLog, nid: str, targets: list[str], rng: random.Random) -> None:
    outcomes = []
    for i in range(24):
        req = random_request(rng, nid, targets, 5000 + 10 * i) if i % 4 else request(nid, statement(i))
        expected = replayed_outcome(log, nid, req)
        try:
            actual = outcome(log.append(req))
        except DomainError as e:
            actual = outcome(e)
        assert actual == expected, (i, outcomes, req.events, log.version(nid))
        outcomes.append(actual)
    assert any(o.startswith("accepted") for o in outcomes) and any(o.startswith("refused") for o in outcomes), outcomes


def test_a_restart_loads_the_snapshot_and_only_the_events_after_it(
        opened: Callable[[], NegotiationLog], monkeypatch: pytest.MonkeyPatch) -> None:
    log = opened()
    nid = log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    for n in range(0, 10 * EVERY + 7, 9):
        log.append(request(nid, *[statement(n + i) for i in range(9)]))
    row = snapshot_row(log, nid)
    assert row is not None and log.version(nid) - EVERY < row["version"] <= log.version(nid)
    log.close()
    restarted = opened()
    reads = StoredReads(restarted, monkeypatch)
    version = restarted.append(request(nid, statement(1))).events[0]["version"]
    assert version == restarted.version(nid) and reads.count == version - 1 - row["version"] < EVERY


def test_a_negotiation_stays_in_its_workspace_when_restored_from_its_snapshot(
        opened: Callable[[], NegotiationLog], monkeypatch: pytest.MonkeyPatch) -> None:
    log = opened()
    nid = log.append(AppendRequest(principal="alice", events=[{**OPENING, "workspace": "alpha"}])).negotiation_id
    log.append(request(nid, *[statement(n) for n in range(EVERY)]))
    assert snapshot_row(log, nid) is not None
    log.close()
    restarted = opened()
    reads = StoredReads(restarted, monkeypatch)
    with pytest.raises(NotFound):
        restarted.append(request(nid, statement(1), scope=frozenset({"beta"})))
    assert restarted.append(request(nid, statement(2), scope=frozenset({"alpha"}))).events
    assert reads.count == 0


def test_a_snapshot_holds_no_field_value_and_an_erasure_takes_it_again(opened: Callable[[], NegotiationLog]) -> None:
    log = opened()
    nid = log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    secret = {"type": "statement.issued", "occurred_at": "2025-03-01", "text": "Secret text Alpha",
              "speaker": {"name": "Secret speaker Bravo", "participant_id": "ru"}}
    [said] = log.append(request(nid, secret)).events
    joined = {"type": "participant.joined", "occurred_at": "2025-03-02",
              "participant": {"id": "x9", "name": "Secret observer Charlie", "role": "observer"}}
    [join] = log.append(request(nid, joined)).events
    corrections = [{"type": "record.corrected", "occurred_at": "2025-03-03", "target_event_id": target,
                    "changes": changes, "reason": "Secret reason Delta"}
                   for target, changes in ((said["event_id"], {"text": "Secret text Echo"}),
                                           (join["event_id"], {"participant": {"id": "x9", "role": "observer",
                                                                               "name": "Secret name Foxtrot"}}))]
    log.append(request(nid, *corrections))
    log.append(request(nid, *[statement(n) for n in range(EVERY)]))
    row = snapshot_row(log, nid)
    assert row is not None and "Secret" not in row["state"] and "Russian Federation" not in row["state"]
    assert "x9" in row["state"] and "observer" in row["state"]  # what the rules read is there
    erasure = {"type": "record.erased", "occurred_at": "2025-03-04", "target_event_id": said["event_id"],
               "fields": ["text"], "reason": "test"}
    log.append(AppendRequest(principal="admin", negotiation_id=nid, events=[erasure], erasure=True))
    assert snapshot_row(log, nid) is None  # deleted in the erasure's transaction
    log.append(request(nid, *[statement(n) for n in range(EVERY)]))
    row = snapshot_row(log, nid)
    assert row is not None and "Secret" not in row["state"]
    log.close()
    restarted = opened()
    # The corrected text is read from the stored correction when a new correction needs it.
    again = {"type": "record.corrected", "occurred_at": "2025-03-05", "target_event_id": join["event_id"],
             "changes": {"participant": {"id": "x9", "role": "mediator", "name": "Renamed"}}, "reason": "r"}
    restarted.append(request(nid, again))
    via = {"type": "proposal.tabled", "occurred_at": "2025-03-06", "proposal_id": "p1", "proposed_by": "ru",
           "text": "A proposal carried by the mediator", "via": "x9"}
    assert restarted.append(request(nid, via)).events[0]["via"] == "x9"  # x9 is a mediator now
    moved = {"type": "record.corrected", "occurred_at": "2025-03-05", "target_event_id": join["event_id"],
             "changes": {"participant": {"id": "x8", "role": "observer"}}, "reason": "r"}
    with pytest.raises(DomainError, match="ids"):
        restarted.append(request(nid, moved))


def test_facts_before_the_snapshot_are_read_back_when_a_correction_or_retraction_names_them(
        opened: Callable[[], NegotiationLog]) -> None:
    log = opened()
    nid = log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    opening = log.stream(nid)[0]["event_id"]
    k1, k2 = (e["event_id"] for e in log.append(request(nid, *[
        {"type": "round.proposed", "occurred_at": "2025-03-01", "round_id": key} for key in ("k1", "k2")])).events)
    restated = [{**p, "name": "A party (name withheld)"} if p["id"] == "us" else p for p in OPENING["participants"]]
    log.append(request(nid, {"type": "record.corrected", "occurred_at": "2025-03-02", "target_event_id": opening,
                             "changes": {"participants": restated}, "reason": "withheld"}))
    log.append(request(nid, *[statement(n) for n in range(EVERY)]))
    assert snapshot_row(log, nid) is not None
    log.close()
    restarted = opened()
    steps = [
        # The correction's own entity is left out when it is checked: found in the stored k1.
        request(nid, {"type": "record.corrected", "occurred_at": "2025-03-03", "target_event_id": k1,
                      "changes": {"occurred_at": "2025-03-04"}, "reason": "the date"}),
        # k2 no longer exists once retracted, so it may be proposed anew.
        request(nid, {"type": "record.retracted", "occurred_at": "2025-03-03", "target_event_id": k2, "reason": "r"}),
        request(nid, {"type": "round.proposed", "occurred_at": "2025-03-05", "round_id": "k2"}),
        # The opening's participants were restated by a correction (read back from storage).
        AppendRequest(principal="admin", negotiation_id=nid, erasure=True, events=[
            {"type": "record.erased", "occurred_at": "2025-03-06", "target_event_id": opening,
             "fields": ["participants"], "reason": "a delegate's name"}]),
        request(nid, {"type": "round.proposed", "occurred_at": "2025-03-07", "round_id": "k1"}),
    ]
    answers = []
    for step in steps:
        expected = replayed_outcome(restarted, nid, step) if not step.erasure else "accepted"
        try:
            answers.append(outcome(restarted.append(step)))
        except DomainError as e:
            answers.append(outcome(e))
        assert answers[-1].startswith(expected)
    assert [a.split(" ")[0] for a in answers] == ["accepted"] * 4 + ["refused:"]
    assert answers[-1] == "refused: entity-unique"


def _garbage(row: dict[str, Any]) -> dict[str, Any]:
    state = "{not json"
    return {"state": state, "digest": snapshots.digest_of(state)}


def _malformed(row: dict[str, Any]) -> dict[str, Any]:
    state = json.dumps({**json.loads(row["state"]), "facts": [["too", "short"]]})  # columns, not entries
    return {"state": state, "digest": snapshots.digest_of(state)}


def _damaged(row: dict[str, Any]) -> dict[str, Any]:
    # Well formed, but not what was written: every entity forgotten.
    state = json.loads(row["state"])
    return {"state": json.dumps({**state, "entities": {**state["entities"], "kind": "", "keys": [], "live": ""}})}


def _newer_shape(row: dict[str, Any]) -> dict[str, Any]:
    return {"shape": snapshots.SHAPE + 1}


def _older_shape(row: dict[str, Any]) -> dict[str, Any]:
    # As an earlier version would have stored it: another layout, claiming the old shape.
    state = json.dumps({"shape": 0, "knowledge": {"facts": {}, "live": {}}})
    return {"shape": 0, "state": state, "digest": snapshots.digest_of(state)}


def _older_shape_claiming_this_one(row: dict[str, Any]) -> dict[str, Any]:
    state = json.dumps({**json.loads(row["state"]), "shape": 0})
    return {"state": state, "digest": snapshots.digest_of(state)}


def _corrections_elsewhere(row: dict[str, Any]) -> dict[str, Any]:
    # Intact and well formed, but naming corrections that are not stored: found out only when a
    # rule reads them, after the snapshot was restored.
    state = json.loads(row["state"])
    state["corrections"] = {target: ["6c0e1f0a-8a38-4a8e-9f1e-2b3c4d5e6f70"] for target in state["corrections"]}
    assert state["corrections"]
    text = json.dumps(state)
    return {"state": text, "digest": snapshots.digest_of(text)}


CORRUPTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "corrections not stored": _corrections_elsewhere,
    "garbage": _garbage, "malformed": _malformed, "damaged (digest)": _damaged, "newer shape": _newer_shape,
    "older shape": _older_shape, "older shape inside": _older_shape_claiming_this_one,
    "not this stream's event": lambda row: {"event_id": "6c0e1f0a-8a38-4a8e-9f1e-2b3c4d5e6f70"},
    "ahead of the stream": lambda row: {"version": row["version"] + 1000},
}


def _set(log: NegotiationLog, nid: str, changes: dict[str, Any]) -> None:
    columns = ", ".join(f"{name} = ?" for name in changes)
    assert log.database.execute(f"UPDATE nl_snapshots SET {columns} WHERE negotiation_id = ?",
                                [*changes.values(), nid]) == 1


@pytest.mark.parametrize("corruption", [*CORRUPTIONS, "missing", "stale", "none"])
def test_appends_after_a_restart_answer_as_against_the_replayed_stream(
        opened: Callable[[], NegotiationLog], corruption: str, caplog: pytest.LogCaptureFixture) -> None:
    rng = random.Random(corruption)
    log = opened()
    nid, targets = a_history(log, rng)
    stale = snapshot_row(log, nid)
    assert stale is not None and stale["version"] > 1
    log.append(request(nid, *[statement(n) for n in range(EVERY)]))
    row = snapshot_row(log, nid)
    assert row is not None and row["version"] > stale["version"]
    if corruption == "missing":
        log.database.execute("DELETE FROM nl_snapshots")
    elif corruption == "stale":  # behind the stream by more than SNAPSHOT_EVERY
        _set(log, nid, {k: stale[k] for k in ("version", "event_id", "state", "digest")})
    elif corruption != "none":
        _set(log, nid, CORRUPTIONS[corruption](row))
    log.close()
    restarted = opened()
    assert_appends_as_replayed(restarted, nid, targets, rng)
    untrusted = corruption not in ("none", "missing", "stale")
    assert ("its snapshot is not used" in caplog.text) == untrusted
    # Rebuilt: the next snapshot taken replaces the one that was not used.
    restarted.append(request(nid, *[statement(n) for n in range(EVERY)]))
    rebuilt = snapshot_row(restarted, nid)
    assert rebuilt is not None and rebuilt["version"] == restarted.version(nid)
    assert rebuilt["shape"] == snapshots.SHAPE
    restarted.close()
    caplog.clear()
    assert_appends_as_replayed(opened(), nid, targets, rng)
    assert "its snapshot is not used" not in caplog.text


def test_a_snapshot_is_taken_at_most_once_per_share_of_its_entries(
        opened: Callable[[], NegotiationLog], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(application, "SNAPSHOT_SHARE", 2)
    log = opened()
    nid = log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    taken: list[tuple[int, int]] = []  # (version, entries) of each snapshot, as appends go on
    for n in range(30):
        # Each request brings 10 new entities: a snapshot's entries soon outgrow EVERY * SHARE.
        rounds = [{"type": "round.proposed", "occurred_at": "2025-02-21", "round_id": f"r{n}-{i}"} for i in range(10)]
        log.append(request(nid, *rounds))
        row = snapshot_row(log, nid)
        if row is not None and (not taken or taken[-1][0] != row["version"]):
            held = snapshots.restore(snapshots.Snapshot(nid, row["version"], "", row["shape"], row["state"],
                                                        row["digest"]), before=None)  # type: ignore[arg-type]
            taken.append((row["version"], snapshots.entries(held.knowledge)))
    assert len(taken) >= 3 and taken[-1][1] // 2 > EVERY, taken
    for (before, entries), (after, _) in zip(taken, taken[1:]):
        assert after - before >= max(EVERY, entries // 2), taken
    # Never further behind than a share of the entries now (here no more than the events).
    assert log.version(nid) - taken[-1][0] < max(EVERY, log.version(nid) // 2) + 10, taken
    # And a restart still reads it: appends answer as against the replayed stream.
    restarted = opened()
    assert replayed_outcome(restarted, nid, request(nid, statement(1))).startswith("accepted")
