"""Storage faults: a full disk, a read-only database and a held write lock refuse writes with
503 problem+json, store nothing partial, and leave reads working."""

from __future__ import annotations

import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.log_audit import verify_log
from tests.conftest import OPENING, bearer


def statement(n: int) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01", "text": f"{n} " + "words " * 400,
            "speaker": {"name": "Spokesperson", "participant_id": "ru"}}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB file system of its own (tmpfs; the tests run as root in CI)."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def open_service(db: Path, **options: Any) -> tuple[TestClient, Services, dict[str, str]]:
    settings = Settings(db=str(db), **options)
    services = Services.open(settings)
    token = services.principals.create("writer", "admin")[1]
    return TestClient(create_app(settings, services)), services, bearer(token)


def test_a_full_disk_refuses_writes_with_503_and_keeps_reads(small_disk: Path) -> None:
    client, services, auth = open_service(small_disk / "log.db")
    nid = client.post("/negotiations", json=OPENING, headers=auth).json()["id"]
    statuses = []
    for n in range(2000):
        response = client.post(f"/negotiations/{nid}/events", json=statement(n), headers=auth)
        statuses.append(response.status_code)
        if response.status_code != 201:
            break
    assert statuses[-1] == 503, statuses[-5:]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    stored = statuses.count(201) + 1
    assert client.get(f"/negotiations/{nid}", headers=auth).json()["version"] == stored
    verified = verify_log(services.log.event_log)
    assert verified["ok"] and verified["checked"] == verified["tree_size"] == stored, verified
    services.close()


def test_a_database_that_turns_read_only_refuses_writes_with_503_and_keeps_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, services, auth = open_service(tmp_path / "log.db")
    nid = client.post("/negotiations", json=OPENING, headers=auth).json()["id"]
    # Linux refuses to remount a file system read-only while the database is open for writing,
    # so the fault is injected where SQLite sees it: every connection becomes read-only
    # (SQLITE_READONLY, as from a read-only file), idle ones and any opened later.
    pool = services.log.recorder.datastore.pool
    for connection in pool._pool:
        connection._sqlite_conn.execute("PRAGMA query_only = ON")
    create = type(pool)._create_connection

    def read_only(self: Any) -> Any:
        connection = create(self)
        connection._sqlite_conn.execute("PRAGMA query_only = ON")
        return connection

    monkeypatch.setattr(type(pool), "_create_connection", read_only)
    response = client.post(f"/negotiations/{nid}/events", json=statement(1), headers=auth)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"/negotiations/{nid}", headers=auth).json()["version"] == 1
    assert verify_log(services.log.event_log)["checked"] == 1
    services.close()


def test_a_held_write_lock_means_a_bounded_wait_then_503(tmp_path: Path) -> None:
    client, services, auth = open_service(tmp_path / "log.db", lock_timeout=1)
    nid = client.post("/negotiations", json=OPENING, headers=auth).json()["id"]
    other = sqlite3.connect(tmp_path / "log.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer that does not let go
    started = time.monotonic()
    response = client.post(f"/negotiations/{nid}/events", json=statement(1), headers=auth)
    waited = time.monotonic() - started
    other.execute("ROLLBACK")
    assert response.status_code == 503, response.text
    assert 0.9 < waited < 10
    assert client.get(f"/negotiations/{nid}", headers=auth).json()["version"] == 1
    assert client.post(f"/negotiations/{nid}/events", json=statement(2), headers=auth).status_code == 201
    services.close()
