"""A live stream on one PostgreSQL process hears of appends made on another from the notice
the append transaction sends, not from polling; when the listening connection is killed it
polls meanwhile, and listens again by itself."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.head_notices import APPLICATION_NAME
from tests.conftest import OPENING
from tests.processes import run_cli
from tests.sse_client import EventStream

pytestmark = pytest.mark.postgres

# Far longer than any delivery below may take: only a notice can deliver in time.
NO_POLLING = "30"


def servers(pg_url: str, start_server: Any, tmp_path: Path, poll: str) -> tuple[Any, Any, dict[str, str]]:
    token = run_cli("token", "create", "writer", "--role", "admin", "--db", pg_url).stdout.splitlines()[-1]
    env = {"NEGOTIATION_LOG_SIGNING_KEY": str(tmp_path / "service.ed25519"), "NEGOTIATION_LOG_FEED_POLL_SECONDS": poll,
           "NEGOTIATION_LOG_HEARTBEAT_SECONDS": "0.5"}  # a heartbeat lets the stream close soon
    listening, writing = (start_server("--db", pg_url, env=env) for _ in range(2))
    return listening, writing, {"Authorization": f"Bearer {token}"}


def delivery_seconds(stream: EventStream, writing: Any, auth: dict[str, str], times: int) -> list[float]:
    took = []
    for _ in range(times):
        sent = time.monotonic()
        httpx.post(f"{writing.url}/negotiations", json=OPENING, headers=auth).raise_for_status()
        (message,) = stream.take(1, timeout=10)
        took.append(message.received_at - sent)
    print("delivered in", [round(t, 3) for t in took])
    return took


def listeners(pg_url: str) -> list[int]:
    with psycopg.connect(pg_url) as conn:
        return [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s "
                                           "AND datname = current_database()", (APPLICATION_NAME,))]


def test_a_stream_hears_another_process_by_its_notice_not_by_polling(pg_url: str, start_server: Any,
                                                                    tmp_path: Path) -> None:
    listening, writing, auth = servers(pg_url, start_server, tmp_path, NO_POLLING)
    stream = EventStream(listening.url, auth)
    try:
        assert max(delivery_seconds(stream, writing, auth, 5)) < 2.0
    finally:
        stream.close()


@pytest.mark.slow
def test_a_killed_listening_connection_falls_back_to_polling_and_listens_again(pg_url: str, start_server: Any,
                                                                              tmp_path: Path) -> None:
    listening, writing, auth = servers(pg_url, start_server, tmp_path, "0.5")
    stream = EventStream(listening.url, auth)
    try:
        delivery_seconds(stream, writing, auth, 1)
        [killed] = listeners(pg_url)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (killed,))
        # Meanwhile polling (every 0.5 s) still delivers; then a new connection listens.
        assert max(delivery_seconds(stream, writing, auth, 3)) < 3.0
        deadline = time.monotonic() + 15
        while not [pid for pid in listeners(pg_url) if pid != killed]:
            assert time.monotonic() < deadline, "the listener did not come back"
            time.sleep(0.2)
        assert max(delivery_seconds(stream, writing, auth, 3)) < 2.0
    finally:
        stream.close()
