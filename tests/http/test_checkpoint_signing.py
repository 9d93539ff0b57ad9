"""The service never signs a rewritten log: it keeps the last checkpoint it signed outside the
database, beside its key, and signs a larger tree only once the log is shown to extend it.
Also: the origin and the key are fixed for a database once it has them."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.checkpoints import CheckpointRefused
from domain.log_meta import LogIdentityError
from domain.merkle import Frontier
from domain.signing_key import SigningKeyError, load_or_create
from tests.conftest import OPENING
from tests.problems import assert_problem
from tests.raw_db import RawDB

ROUND = {"type": "round.proposed", "occurred_at": "2025-03", "round_id": "r1"}


def grow(client: TestClient, auth: dict, nid: str, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        event = {**ROUND, "round_id": f"r{i}"}
        assert client.post(f"/negotiations/{nid}/events", json=event, headers=auth).status_code == 201


def size_of(note: str) -> int:
    return int(note.split("\n")[1])


def rewrite(raw: RawDB, position: int) -> None:
    """Edit the event at `position` and recompute its leaf and every tree node, as someone
    with the database but not the key would."""
    state = json.loads(raw.state(position))
    state["record"]["round_id"] = "forged"
    raw.set_state(position, json.dumps(state).encode())
    raw.recompute_leaves_and_tree()


def truncate(raw: RawDB, keep: int) -> None:
    raw.execute("DELETE FROM stored_events WHERE rowid > ?", [keep])
    raw.execute("DELETE FROM nl_leaves WHERE position > ?", [keep])
    raw.execute("DELETE FROM nl_tree")
    frontier = Frontier.empty()
    for row in raw.execute("SELECT leaf_hash FROM nl_leaves ORDER BY log_index").fetchall():
        for (level, idx), node in frontier.append(bytes(row["leaf_hash"])):
            if level:
                raw.execute("INSERT INTO nl_tree (level, idx, hash) VALUES (?, ?, ?)", [level, idx, node])


@pytest.fixture
def signed(client: TestClient, as_recorder: dict, settings: Settings) -> tuple[str, str]:
    nid = client.post("/negotiations", json=OPENING, headers=as_recorder).json()["id"]
    grow(client, as_recorder, nid, 5)
    note = client.get("/log/checkpoint", headers=as_recorder).text
    assert size_of(note) == 6
    return nid, note


def test_the_last_checkpoint_is_kept_beside_the_key(settings: Settings, signed: tuple[str, str]) -> None:
    assert settings.signing_key is not None
    origin = signed[1].split("\n")[0]
    kept = settings.signing_key.with_name(f"{settings.signing_key.name}.{origin.replace('/', '_')}.checkpoint")
    assert kept.read_text() == signed[1] and oct(kept.stat().st_mode & 0o777) == "0o600"


def test_an_edited_last_signed_event_is_not_signed_again(client: TestClient, as_recorder: dict, settings: Settings,
                                                         signed: tuple[str, str],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    nid, _ = signed
    with RawDB(settings.db) as raw:
        rewrite(raw, 6)  # the last event the checkpoint covers
    grow(client, as_recorder, nid, 1, start=10)
    with caplog.at_level(logging.ERROR, logger="negotiation_log"):
        refused = client.get("/log/checkpoint", headers=as_recorder)
    assert_problem(refused, 409, "rewritten")
    assert any("NOT SIGNING A CHECKPOINT" in r.message for r in caplog.records)
    # Receipts and default proofs need a checkpoint: none is made for such a log.
    opening = client.get(f"/negotiations/{nid}/timeline", headers=as_recorder).json()["items"][0]["event_id"]
    for what in ("receipt", "proof"):
        assert_problem(client.get(f"/events/{opening}/{what}", headers=as_recorder), 409, "rewritten")


@pytest.mark.parametrize("tamper, problem", [(lambda raw: rewrite(raw, 3), "rewritten"),
                                             (lambda raw: truncate(raw, 4), "cut back")])
def test_after_a_restart_a_rewritten_or_cut_log_is_refused_too(settings: Settings, as_recorder: dict,
                                                               signed: tuple[str, str], tamper, problem: str) -> None:
    with RawDB(settings.db) as raw:
        tamper(raw)
    restarted = Services.open(settings)
    try:
        with pytest.raises(CheckpointRefused, match=problem):
            restarted.signer.latest()
        with TestClient(create_app(settings, restarted)) as client:
            assert_problem(client.get("/log/checkpoint", headers=as_recorder), 409, problem)
    finally:
        restarted.close()


def test_a_log_that_grew_honestly_is_signed_by_any_process_sharing_the_key(settings: Settings, client: TestClient,
                                                                           as_recorder: dict,
                                                                           signed: tuple[str, str]) -> None:
    nid, first = signed
    other = Services.open(settings)
    try:
        grow(client, as_recorder, nid, 3, start=100)
        second = other.signer.latest()
        assert second.size == 9
        grow(client, as_recorder, nid, 2, start=20)
        assert size_of(client.get("/log/checkpoint", headers=as_recorder).text) == 11
        assert other.signer.last_signed().size == 11  # type: ignore[union-attr]
    finally:
        other.close()


def test_an_operator_who_moves_the_kept_checkpoint_aside_lets_the_service_sign_again(
        settings: Settings, client: TestClient, as_recorder: dict, signed: tuple[str, str]) -> None:
    nid, _ = signed
    with RawDB(settings.db) as raw:
        truncate(raw, 4)
    assert client.get("/log/checkpoint", headers=as_recorder).status_code == 409
    origin = signed[1].split("\n")[0]
    assert settings.signing_key is not None
    kept = settings.signing_key.with_name(f"{settings.signing_key.name}.{origin.replace('/', '_')}.checkpoint")
    kept.rename(kept.with_name("checkpoint-before-restore"))
    restarted = Services.open(settings)
    try:
        assert restarted.signer.latest().size == 4
    finally:
        restarted.close()


def test_a_missing_key_is_never_replaced_for_a_log_that_signed_checkpoints(settings: Settings,
                                                                           signed: tuple[str, str]) -> None:
    assert settings.signing_key is not None
    settings.signing_key.rename(settings.signing_key.with_name("elsewhere"))
    restarted = Services.open(settings)
    try:
        with pytest.raises(SigningKeyError, match="missing"):
            restarted.signer.private_key()
        assert not settings.signing_key.exists()
    finally:
        restarted.close()


def test_another_key_is_refused_for_a_log_that_signed_with_one(settings: Settings, tmp_path: Path,
                                                               signed: tuple[str, str]) -> None:
    load_or_create(tmp_path / "other.ed25519")
    restarted = Services.open(settings.model_copy(update={"signing_key": tmp_path / "other.ed25519"}))
    try:
        with pytest.raises(SigningKeyError, match="not the one"):
            restarted.signer.private_key()
    finally:
        restarted.close()


def test_the_origin_is_set_when_the_database_is_made_and_fixed_after(settings: Settings) -> None:
    named = settings.model_copy(update={"origin": "example.org/istanbul-talks"})
    services = Services.open(named)
    try:
        assert services.signer.latest().note.startswith("example.org/istanbul-talks\n0\n")
        assert services.signer.verifier_key().startswith("example.org/istanbul-talks+")
    finally:
        services.close()
    again = Services.open(settings)  # not configured: the stored one
    try:
        assert again.signer.origin == "example.org/istanbul-talks"
    finally:
        again.close()
    with pytest.raises(LogIdentityError, match="fixed when a database is made"):
        Services.open(settings.model_copy(update={"origin": "example.org/other"}))
    with pytest.raises(LogIdentityError, match="valid key name"):
        Services.open(settings.model_copy(update={"origin": "has space"}))


def test_a_default_origin_is_a_valid_key_name_made_once(settings: Settings) -> None:
    first = Services.open(settings)
    origin = first.signer.origin
    first.close()
    again = Services.open(settings)
    try:
        assert again.signer.origin == origin and " " not in origin and "+" not in origin
        assert base64.b64decode(again.signer.latest().note.split("\n")[2])
    finally:
        again.close()
