"""The backup drill of the README's Operations section, run as an operator would, on each
backend: save a signed checkpoint, take a backup while writers keep appending (`sqlite3
.backup`, or `pg_dump -Fc`), restore it as a new database (a copied file, or `createdb` and
`pg_restore`), then on the restored copy `negotiation-log verify` passes, the log is a prefix of
the live one, its read models equal a replay, and it still extends the checkpoint saved before
the backup (`verify --checkpoint`).

The last step holds the restored log to a C2SP checkpoint saved before the backup, with the
log's verifier key alone."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from tests.conftest import OPENING, POSTGRES_URL
from tests.processes import run_cli
from tests.retrying_writers import statement
from tests.views import every_view_matches_replay

pytestmark = pytest.mark.slow


def backup_sqlite(db: str, tmp_path: Path) -> str:
    restored = tmp_path / "restored.db"
    backup = tmp_path / "backup.db"
    if shutil.which("sqlite3"):
        subprocess.run(["sqlite3", db, f".backup {backup}"], check=True, timeout=120)
    else:  # the same online backup API, from Python
        with sqlite3.connect(db) as live, sqlite3.connect(backup) as copy:
            live.backup(copy)
    shutil.copy(backup, restored)  # restoring is copying the file into place
    return str(restored)


def backup_postgres(db: str, tmp_path: Path) -> str:
    dump = tmp_path / "negotiation-log.dump"
    subprocess.run(["pg_dump", "-Fc", "-d", db, "-f", str(dump)], check=True, timeout=120)
    name = f"nl_restored_{uuid.uuid4().hex[:10]}"
    admin = urlsplit(POSTGRES_URL or "")
    subprocess.run(["createdb", "-h", admin.hostname or "127.0.0.1", "-p", str(admin.port or 5432),
                    "-U", admin.username or "postgres", name], check=True, timeout=60)
    restored = urlunsplit(admin._replace(path=f"/{name}"))
    subprocess.run(["pg_restore", "--exit-on-error", "-d", restored, str(dump)], check=True, timeout=300)
    return restored


def drop_postgres(db: str) -> None:
    name = urlsplit(db).path.lstrip("/")
    with psycopg.connect(POSTGRES_URL or "", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prove_extends_checkpoint(restored: str, checkpoint: Path, vkey: Path) -> None:
    result = run_cli("verify", "--db", restored, "--checkpoint", str(checkpoint), "--key", f"@{vkey}", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["checkpoint"]["extends"] is True


def test_a_backup_taken_while_writing_restores_to_a_log_that_verifies(
        database_url: str, backend: str, tmp_path: Path, start_server: Any) -> None:
    token = run_cli("token", "create", "ops", "--role", "admin", "--db", database_url).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    key = tmp_path / "service.ed25519"
    server = start_server("--db", database_url, env={"NEGOTIATION_LOG_SIGNING_KEY": str(key)})
    nid = httpx.post(f"{server.url}/negotiations", json=OPENING, headers=auth).json()["id"]
    for n in range(20):
        httpx.post(f"{server.url}/negotiations/{nid}/events", json=statement(n), headers=auth).raise_for_status()
    # 1. A signed checkpoint and the verifier key, saved before the backup (kept elsewhere).
    checkpoint, vkey = tmp_path / "checkpoint", tmp_path / "log.vkey"
    checkpoint.write_text(httpx.get(f"{server.url}/log/checkpoint", headers=auth).text)
    vkey.write_text(httpx.get(f"{server.url}/log/key", headers=auth).text)

    stop = threading.Event()

    def keep_writing() -> None:
        n = 1000
        with httpx.Client(headers=auth, timeout=30) as client:
            while not stop.is_set():
                client.post(f"{server.url}/negotiations/{nid}/events", json=statement(n)).raise_for_status()
                n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    restored = ""
    try:
        time.sleep(0.3)
        # 2. The backup, while the writer goes on; 3. restored as a new database.
        restored = backup_sqlite(database_url, tmp_path) if backend == "sqlite" else backup_postgres(database_url, tmp_path)
        time.sleep(0.3)
    finally:
        stop.set()
        writer.join(30)
    try:
        # 4. The restored log verifies, is what the live log held up to some position, and its
        # read models are whole.
        verified = json.loads(run_cli("verify", "--db", restored).stdout)
        assert verified["ok"] is True
        live = [json.loads(line) for line in run_cli("export", "--db", database_url).stdout.splitlines()]
        copy = [json.loads(line) for line in run_cli("export", "--db", restored).stdout.splitlines()]
        assert 21 < len(copy) < len(live) and copy == live[:len(copy)]
        assert every_view_matches_replay(restored, [nid], tmp_path)
        # 5. It extends the checkpoint saved before the backup.
        prove_extends_checkpoint(restored, checkpoint, vkey)
    finally:
        if backend == "postgres" and restored:
            drop_postgres(restored)
