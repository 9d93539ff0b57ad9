"""PostgreSQL restarted, a backend killed, every pooled connection killed, all under 6 writers
on 2 real API processes: appends in flight get 503 problem+json with Retry-After (never a 500,
never a wait past the timeouts), clients retry with their Idempotency-Key, the same processes
serve again by themselves, and every acknowledged event is stored exactly once.

Restarting the server disturbs every other test run on this machine: these are few, marked
slow, and always leave PostgreSQL running."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import OPENING, POSTGRES_URL
from tests.processes import run_cli
from tests.retrying_writers import RetryingWriters, judge

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WRITERS = 6


def cluster(action: str) -> None:
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True,
                   capture_output=True, timeout=120)


def wait_for_postgres(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(POSTGRES_URL or "", connect_timeout=2):
                return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


@pytest.fixture
def restartable() -> Iterator[None]:
    """Whatever the test does, PostgreSQL is running afterwards."""
    try:
        yield
    finally:
        try:
            wait_for_postgres(5)
        except AssertionError:
            cluster("start")
            wait_for_postgres()


@pytest.fixture
def serving(pg_url: str, start_server: Any, tmp_path: Path) -> tuple[list[Any], dict[str, str], list[str]]:
    token = run_cli("token", "create", "writer", "--role", "admin", "--db", pg_url).stdout.splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    env = {"NEGOTIATION_LOG_SIGNING_KEY": str(tmp_path / "service.ed25519")}
    servers = [start_server("--db", pg_url, env=env) for _ in range(2)]
    negotiations = [httpx.post(f"{servers[0].url}/negotiations", json=OPENING, headers=auth).json()["id"]
                    for _ in range(3)]
    return servers, auth, negotiations


def backends(pg_url: str) -> list[int]:
    """The API processes' connections to the test's database (not this one's)."""
    with psycopg.connect(pg_url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'")]


def terminate(pg_url: str, pids: list[int]) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def serves_again(servers: list[Any], auth: dict[str, str], negotiation: str) -> None:
    """The same processes, never restarted, take an append each."""
    for server in servers:
        assert server.process.poll() is None
        deadline = time.monotonic() + 30
        while True:
            response = httpx.post(f"{server.url}/negotiations/{negotiation}/events", headers=auth, timeout=15,
                                  json={"type": "round.proposed", "occurred_at": "2025", "round_id": f"after-{server.port}"})
            if response.status_code == 201:
                break
            assert response.status_code == 503 and time.monotonic() < deadline, response.text
            time.sleep(0.5)


def under_load(pg_url: str, serving: Any, fault: Callable[[], None]) -> dict[str, Any]:
    """`fault` while 6 writers append; then the judgement, and the same processes serving again."""
    servers, auth, negotiations = serving
    writers = RetryingWriters([s.url for s in servers], auth, negotiations, WRITERS)
    try:
        fault()
    finally:
        seen = writers.stop()
    figures = judge(seen, pg_url)
    serves_again(servers, auth, negotiations[0])
    return figures


@pytest.mark.restarts_postgres
def test_a_database_restart_under_load_costs_only_a_wait(pg_url: str, serving: Any, restartable: None) -> None:
    def restart() -> None:
        time.sleep(1.5)
        cluster("restart")
        time.sleep(3)

    figures = under_load(pg_url, serving, restart)
    print("restart under load:", figures)
    assert figures["acknowledged"] > 100


def test_killed_backends_under_load_cost_only_a_wait(pg_url: str, serving: Any) -> None:
    def kill() -> None:
        for _ in range(3):
            time.sleep(0.7)
            terminate(pg_url, backends(pg_url)[:3])
        time.sleep(1.5)

    print("killed backends under load:", under_load(pg_url, serving, kill))


def test_a_pool_whose_connections_all_died_recovers_by_itself(pg_url: str, serving: Any) -> None:
    # Every pooled connection of both processes dies while idle; the next requests find them dead.
    terminate(pg_url, backends(pg_url))
    print("pool of dead connections:", under_load(pg_url, serving, lambda: time.sleep(2)))
