"""The audit round trip as an outside party runs it: save a checkpoint and the public key from
the service, then later prove with `negotiation-log verify --checkpoint` that the log still
extends it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import OPENING
from tests.processes import run_cli


def token(db: str, name: str, role: str) -> dict[str, str]:
    created = run_cli("token", "create", name, "--role", role, "--db", db)
    return {"Authorization": f"Bearer {created.stdout.strip().splitlines()[-1]}"}


def test_a_saved_checkpoint_is_verified_later_and_truncation_is_caught(tmp_path: Path, start_server: Any) -> None:
    db = str(tmp_path / "log.db")
    recorder, auditor = token(db, "alice", "recorder"), token(db, "audrey", "auditor")
    server = start_server("--db", db)
    negotiation = httpx.post(f"{server.url}/negotiations", json=OPENING, headers=recorder).json()["id"]
    for i in range(3):
        event = {"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{i}"}
        assert httpx.post(f"{server.url}/negotiations/{negotiation}/events", json=event, headers=recorder).is_success
    checkpoint, public_key = tmp_path / "checkpoint.json", tmp_path / "public-key.json"
    checkpoint.write_text(httpx.get(f"{server.url}/audit/checkpoint", headers=auditor).text)
    public_key.write_text(httpx.get(f"{server.url}/audit/public-key", headers=auditor).text)
    pem = tmp_path / "public.pem"
    pem.write_text(json.loads(public_key.read_text())["public_key_pem"])
    assert httpx.post(f"{server.url}/negotiations/{negotiation}/events", headers=recorder,
                      json={"type": "round.proposed", "occurred_at": "2025-04", "round_id": "later"}).is_success
    server.stop()

    kept = run_cli("verify", "--db", db, "--checkpoint", str(checkpoint))  # the service's own key file
    assert json.loads(kept.stdout)["ok"]
    assert run_cli("verify", "--db", db, "--checkpoint", str(checkpoint), "--public-key", str(pem)).returncode == 0

    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid > 2")
        conn.execute("DELETE FROM nl_chain WHERE position > 2")
    assert run_cli("verify", "--db", db).returncode == 0  # the chain alone cannot tell
    cut = run_cli("verify", "--db", db, "--checkpoint", str(checkpoint), "--public-key", str(public_key),
                  check=False)
    assert cut.returncode == 1 and "cut back" in cut.stderr
    assert json.loads(cut.stdout)["problems"]


def test_a_file_that_is_not_a_checkpoint_is_refused_naming_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "checkpoint.json"
    bad.write_text(json.dumps({"position": 3, "hash": "nope"}))
    refused = run_cli("verify", "--db", str(tmp_path / "log.db"), "--checkpoint", str(bad), check=False)
    assert refused.returncode == 2 and "hash" in refused.stderr and "signature" in refused.stderr
