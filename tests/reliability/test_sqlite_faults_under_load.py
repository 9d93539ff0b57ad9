"""SQLite's file briefly locked by another process, then locked past the lock timeout, then
briefly unreachable by its path, under 6 writers on a real server: a wait, or a 503 problem+json
with Retry-After (never a 500, never a wait past the lock timeout), clients retry with their
Idempotency-Key, and the same process serves again with every acknowledged event stored once."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OPENING
from tests.processes import run_cli
from tests.retrying_writers import RetryingWriters, judge

pytestmark = pytest.mark.slow

WRITERS = 6
LOCK_TIMEOUT = 2


def hold_write_lock(db: Path, seconds: float) -> None:
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer (a backup tool, a script) that holds on
    time.sleep(seconds)
    other.execute("ROLLBACK")
    other.close()


def test_a_locked_or_missing_sqlite_file_costs_only_a_wait(tmp_path: Path, start_server: Any) -> None:
    home = tmp_path / "data"
    home.mkdir()
    db = home / "log.db"
    token = run_cli("token", "create", "writer", "--role", "admin", "--db", str(db)).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    server = start_server("--db", str(db), env={"NEGOTIATION_LOG_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
                                                "NEGOTIATION_LOG_SIGNING_KEY": str(tmp_path / "key")})
    negotiations = [httpx.post(f"{server.url}/negotiations", json=OPENING, headers=auth).json()["id"]
                    for _ in range(3)]
    writers = RetryingWriters([server.url], auth, negotiations, WRITERS)
    try:
        time.sleep(0.5)
        hold_write_lock(db, LOCK_TIMEOUT / 4)  # briefly: appends wait, none is refused
        time.sleep(0.5)
        hold_write_lock(db, LOCK_TIMEOUT * 1.5)  # past the lock timeout: 503, then retried
        time.sleep(0.5)
        away = tmp_path / "moved"
        home.rename(away)  # the directory gone from its path for a moment (an unmounted volume)
        time.sleep(1)
        away.rename(home)
        time.sleep(1)
    finally:
        seen = writers.stop()
    figures = judge(seen, str(db))
    assert figures["503"] > 0  # the long lock was felt, and answered properly
    assert max(seen.attempts) < LOCK_TIMEOUT + 3
    response = httpx.post(f"{server.url}/negotiations/{negotiations[0]}/events", headers=auth,
                          json={"type": "round.proposed", "occurred_at": "2025", "round_id": "after"})
    assert response.status_code == 201 and server.process.poll() is None
    print("SQLite faults under load:", figures)
