"""Signed checkpoints: anyone holding the public key can check the signature, and the service
later proves its log still extends a checkpoint, or says how it does not."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.chain import link_hash
from domain.errors import RuleViolation
from domain.storage.log import EventLog
from tests.conftest import bearer
from tests.raw_db import RawDB


def proposal(i: int) -> dict[str, Any]:
    return {"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{i}"}


def signed_bytes(checkpoint: dict[str, Any]) -> bytes:
    """Written out here from the documented format, not imported from the service."""
    return (f"negotiation-log checkpoint v1\nposition: {checkpoint['position']}\nhash: {checkpoint['hash']}\n"
            f"signed_at: {checkpoint['signed_at']}\nkey_id: {checkpoint['key_id']}\n").encode("ascii")


@pytest.fixture
def auditor(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["auditor"])


@pytest.fixture
def checkpoint(client: TestClient, as_recorder: dict, negotiation: str, auditor: dict) -> dict[str, Any]:
    """A checkpoint at position 7, signed before three more events were appended (8 to 10)."""
    for i in range(6):
        client.post(f"/negotiations/{negotiation}/events", json=proposal(i), headers=as_recorder)
    signed = client.get("/audit/checkpoint", headers=auditor)
    assert signed.status_code == 200 and signed.json()["position"] == 7
    for i in range(6, 9):
        client.post(f"/negotiations/{negotiation}/events", json=proposal(i), headers=as_recorder)
    return signed.json()  # type: ignore[no-any-return]


def prove(client: TestClient, auditor: dict, checkpoint: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/audit/checkpoint/verify", json=checkpoint, headers=auditor)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_the_signature_verifies_with_the_public_key_alone(client: TestClient, checkpoint: dict, auditor: dict) -> None:
    published = client.get("/audit/public-key", headers=auditor).json()
    raw = base64.b64decode(published["public_key"])
    key = Ed25519PublicKey.from_public_bytes(raw)
    assert published["algorithm"] == "Ed25519" and checkpoint["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    key.verify(base64.b64decode(checkpoint["signature"]), signed_bytes(checkpoint))
    pem_key = load_pem_public_key(published["public_key_pem"].encode())
    assert isinstance(pem_key, Ed25519PublicKey)
    pem_key.verify(base64.b64decode(checkpoint["signature"]), signed_bytes(checkpoint))
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(checkpoint["signature"]), signed_bytes({**checkpoint, "position": 8}))


def test_the_checkpoint_is_the_verified_head(client: TestClient, auditor: dict, checkpoint: dict) -> None:
    head = client.get("/audit/verify", headers=auditor).json()["head"]
    again = client.get("/audit/checkpoint", headers=auditor).json()
    assert (again["position"], again["hash"]) == (head["position"], head["hash"]) == (10, head["hash"])
    assert again["key_id"] == checkpoint["key_id"]


def test_an_untouched_log_that_grew_still_extends_the_checkpoint(client: TestClient, auditor: dict,
                                                                 checkpoint: dict) -> None:
    proof = prove(client, auditor, checkpoint)
    assert proof["ok"] and proof["signature_valid"] and proof["extends_checkpoint"] and proof["problems"] == []
    assert proof["chain"]["head"]["position"] == 10


def test_an_empty_log_has_a_checkpoint_too(client: TestClient, auditor: dict) -> None:
    empty = client.get("/audit/checkpoint", headers=auditor).json()
    assert (empty["position"], empty["hash"]) == (0, "0" * 64)
    assert prove(client, auditor, empty)["ok"]


def test_a_forged_or_altered_checkpoint_fails(client: TestClient, auditor: dict, checkpoint: dict) -> None:
    moved = prove(client, auditor, {**checkpoint, "signed_at": "2030-01-01T00:00:00Z"})
    assert not moved["ok"] and not moved["signature_valid"] and "signature" in moved["problems"][0]
    other_key = prove(client, auditor, {**checkpoint, "key_id": "0123456789abcdef"})
    assert not other_key["ok"] and "0123456789abcdef" in other_key["problems"][0]


def _rows(db: RawDB, *positions: int) -> list[bytes]:
    return [db.state(p) for p in positions]


def edit_state(db: RawDB) -> None:
    (state,) = _rows(db, 3)
    stored = json.loads(state)
    stored["record"]["round_id"] = "r-edited"
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = 3", (json.dumps(stored).encode(),))


def delete_row(db: RawDB) -> None:
    db.execute("DELETE FROM stored_events WHERE rowid = 4")


def delete_row_and_link(db: RawDB) -> None:
    db.execute("DELETE FROM stored_events WHERE rowid = 4")
    db.execute("DELETE FROM nl_chain WHERE position = 4")


def swap_rows(db: RawDB) -> None:
    third, fifth = _rows(db, 3, 5)
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = 3", (fifth,))
    db.execute("UPDATE stored_events SET state = ? WHERE rowid = 5", (third,))


def truncate(db: RawDB) -> None:
    db.execute("DELETE FROM stored_events WHERE rowid > 5")
    db.execute("DELETE FROM nl_chain WHERE position > 5")


def rewrite_consistently(db: RawDB) -> None:
    """Edit an event, then recompute every later link: the chain alone can no longer tell."""
    edit_state(db)
    prev = db.execute("SELECT hash FROM nl_chain WHERE position = 2").fetchone()["hash"]
    rows = db.execute("SELECT rowid AS position, originator_id, originator_version, state, NULL AS prev_hash, "
                      "NULL AS hash FROM stored_events WHERE rowid >= 3 ORDER BY rowid").fetchall()
    for row in rows:
        new = link_hash(prev, EventLog.decode(row))
        db.execute("UPDATE nl_chain SET prev_hash = ?, hash = ? WHERE position = ?", (prev, new, row["position"]))
        prev = new


def truncate_and_grow_again(db: RawDB) -> None:
    """Cut the log back to position 5, then append four different events 6 to 9, chained
    properly: the log reaches past the checkpoint again and its chain is intact."""
    tail = db.execute("SELECT rowid AS position, originator_id, originator_version, state, NULL AS prev_hash, "
                      "NULL AS hash, topic FROM stored_events WHERE rowid BETWEEN 6 AND 9 ORDER BY rowid").fetchall()
    truncate(db)
    prev = db.execute("SELECT hash FROM nl_chain WHERE position = 5").fetchone()["hash"]
    for row in tail:
        stored = json.loads(row["state"])
        stored["record"]["round_id"] += "-forged"
        state = json.dumps(stored).encode()
        db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) "
                   "VALUES (?, ?, ?, ?, ?)", (row["position"], row["originator_id"], row["originator_version"],
                                              row["topic"], state))
        event = EventLog.decode({**dict(row), "state": state})
        new = link_hash(prev, event)
        db.execute("INSERT INTO nl_chain (position, negotiation_id, version, event_id, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?)", (row["position"], event["negotiation_id"], event["version"],
                                                 event["event_id"], prev, new))
        prev = new


TAMPERING: dict[str, tuple[Callable[[RawDB], None], str]] = {
    "edited": (edit_state, "broken at position 3"),
    "dropped": (delete_row, "broken at position 4"),
    "dropped with its link": (delete_row_and_link, "broken at position 5"),
    "reordered": (swap_rows, "broken at position 3"),
    "truncated": (truncate, "ends at position 5, before the checkpoint's position 7"),
    "rewritten": (rewrite_consistently, "hash at position 7 is not the checkpoint's"),
    "truncated and grown again": (truncate_and_grow_again, "hash at position 7 is not the checkpoint's"),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_each_kind_of_tampering_is_caught(settings: Settings, client: TestClient, auditor: dict,
                                          checkpoint: dict, kind: str) -> None:
    tamper, problem = TAMPERING[kind]
    with RawDB(settings.db) as db:
        tamper(db)
    proof = prove(client, auditor, checkpoint)
    assert not proof["ok"] and proof["signature_valid"] and not proof["extends_checkpoint"]
    assert problem in proof["problems"][0], proof["problems"]


def test_no_checkpoint_is_signed_for_a_broken_chain(settings: Settings, client: TestClient, auditor: dict,
                                                    checkpoint: dict) -> None:
    with RawDB(settings.db) as db:
        db.set_state(9, db.state(9).replace(b"r7", b"r77"))
    refused = client.get("/audit/checkpoint", headers=auditor)
    assert refused.status_code == 409 and "position 9" in refused.json()["detail"]


def test_a_new_process_walks_the_whole_chain_before_its_first_checkpoint(settings: Settings, client: TestClient,
                                                                          auditor: dict, checkpoint: dict) -> None:
    with RawDB(settings.db) as db:
        edit_state(db)
    restarted = Services.open(settings)
    try:
        with pytest.raises(RuleViolation, match="broken at position 3"):
            restarted.checkpoints.issue()
    finally:
        restarted.close()


def test_a_log_cut_back_below_what_was_signed_is_not_signed_again(settings: Settings, client: TestClient,
                                                                  auditor: dict, checkpoint: dict) -> None:
    assert client.get("/audit/checkpoint", headers=auditor).json()["position"] == 10
    with RawDB(settings.db) as db:
        truncate(db)
    refused = client.get("/audit/checkpoint", headers=auditor)
    assert refused.status_code == 409 and "cut back" in refused.json()["detail"]


@pytest.mark.parametrize("role, status", [("reader", 403), ("recorder", 403), ("admin", 200)])
def test_checkpoints_are_for_auditors_and_admins(client: TestClient, tokens: dict, role: str, status: int) -> None:
    for path in ("/audit/checkpoint", "/audit/public-key"):
        assert client.get(path, headers=bearer(tokens[role])).status_code == status
    assert client.get("/audit/checkpoint").status_code == 401


@pytest.mark.parametrize("change, field", [
    ({"hash": "abc"}, "hash"), ({"position": -1}, "position"), ({"signature": "not base64"}, "signature"),
    ({"signed_at": "2025-01-01T00:00:00Z\nkey_id: x"}, "signed_at"), ({"key_id": None}, "key_id"),
])
def test_a_malformed_checkpoint_is_422_naming_the_field(client: TestClient, auditor: dict, checkpoint: dict,
                                                        change: dict, field: str) -> None:
    response = client.post("/audit/checkpoint/verify", json={**checkpoint, **change}, headers=auditor)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field


def test_the_key_is_created_once_private_to_its_owner_and_kept(settings: Settings, services: Services,
                                                               client: TestClient, auditor: dict) -> None:
    key_file = settings.signing_key or Path(f"{settings.db}.ed25519")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = client.get("/audit/public-key", headers=auditor).json()["key_id"]
    with TestClient(create_app(settings, Services.open(settings))) as restarted:
        assert restarted.get("/audit/public-key", headers=auditor).json()["key_id"] == first


def test_the_key_file_can_be_put_elsewhere(tmp_path: Path) -> None:
    elsewhere = tmp_path / "keys" / "service.pem"
    settings = Settings(db=str(tmp_path / "log.db"), signing_key=elsewhere)
    services = Services.open(settings)
    try:
        create_app(settings, services)
        assert elsewhere.exists() and not Path(f"{settings.db}.ed25519").exists()
        assert oct(os.stat(elsewhere).st_mode & 0o777) == "0o600"
    finally:
        services.close()
