"""Group commit answers only after the commit: a real server whose commit is held back (another
connection holds SQLite's write lock) answers nothing until the lock is let go; what it then
answers 201 survives kill -9, and what it was still holding when killed is not stored."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OPENING
from tests.processes import run_cli

REQUESTS = 24
HELD_SECONDS = 1.5

pytestmark = pytest.mark.sqlite_only


def statement(text: str) -> dict[str, Any]:
    return {"type": "statement.issued", "occurred_at": "2025-03-01",
            "speaker": {"name": "Spokesperson", "participant_id": "us"}, "text": text}


def post_all(url: str, auth: dict[str, str], texts: list[str]) -> tuple[dict[str, Any], list[threading.Thread]]:
    """Posts one statement per text from its own thread; answers[text] is the status code,
    or the exception when no answer came."""
    answers: dict[str, Any] = {}

    def post(text: str) -> None:
        try:
            answers[text] = httpx.post(url, json=statement(text), headers=auth, timeout=30).status_code
        except httpx.HTTPError as e:
            answers[text] = e

    threads = [threading.Thread(target=post, args=(text,)) for text in texts]
    for t in threads:
        t.start()
    return answers, threads


def stored_texts(db: str) -> set[str]:
    events = [json.loads(line) for line in run_cli("export", "--db", db).stdout.splitlines()]
    return {e["text"] for e in events if e["type"] == "statement.issued"}


def test_a_201_comes_only_after_its_commit_and_survives_kill_9(tmp_path: Path, start_server: Any) -> None:
    db = str(tmp_path / "durable.db")
    token = run_cli("token", "create", "writer", "--role", "recorder", "--db", db).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    # A lock timeout well beyond the hold, so the writer waits for the lock rather than give up.
    server = start_server("--db", db, env={"NEGOTIATION_LOG_LOCK_TIMEOUT": "30"})
    nid = httpx.post(f"{server.url}/negotiations", json=OPENING, headers=auth).json()["id"]
    url = f"{server.url}/negotiations/{nid}/events"
    blocker = sqlite3.connect(db, isolation_level=None, timeout=10)

    # 1. The commit is held back: every request waits, none is answered.
    blocker.execute("BEGIN IMMEDIATE")
    released = [f"released {i}" for i in range(REQUESTS)]
    answers, threads = post_all(url, auth, released)
    time.sleep(HELD_SECONDS)
    early = dict(answers)
    blocker.execute("ROLLBACK")
    for t in threads:
        t.join()
    assert not early, f"answered while the commit could not happen: {early}"
    assert set(answers.values()) == {201}, answers

    # 2. Held back again, then killed while waiting: no answer, nothing stored.
    blocker.execute("BEGIN IMMEDIATE")
    killed = [f"killed {i}" for i in range(REQUESTS)]
    answers, threads = post_all(url, auth, killed)
    time.sleep(HELD_SECONDS)
    assert not answers, f"answered while the commit could not happen: {answers}"
    server.kill()
    blocker.execute("ROLLBACK")
    blocker.close()
    for t in threads:
        t.join()
    assert all(isinstance(a, httpx.HTTPError) for a in answers.values()), answers

    # Every acknowledged event survived the kill; none that was never acknowledged was stored.
    assert stored_texts(db) == set(released)
    assert json.loads(run_cli("verify", "--db", db).stdout)["ok"] is True
