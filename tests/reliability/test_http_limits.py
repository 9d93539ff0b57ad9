"""Unauthenticated clients cannot hold connections or memory: against a real server process
over real sockets, huge and slow request heads are cut off, idle connections closed, and the
number of connections bounded, while /health keeps answering."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import Server

HEADER_TIMEOUT = 1.0
KEEP_ALIVE = 1.0
LIMITS = {"NEGOTIATION_LOG_HEADER_TIMEOUT": str(HEADER_TIMEOUT), "NEGOTIATION_LOG_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE),
          "NEGOTIATION_LOG_MAX_HEADER_BYTES": "16384"}


@pytest.fixture
def server(start_server: Any, tmp_path: Path) -> Server:
    return start_server("--db", str(tmp_path / "log.db"), env=LIMITS)  # type: ignore[no-any-return]


def connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def closed_after(sock: socket.socket, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection (reading whatever it answered)."""
    started, answer = time.monotonic(), b""
    sock.settimeout(limit)
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (TimeoutError, socket.timeout):
        return float("inf"), answer
    except ConnectionResetError:
        pass
    return time.monotonic() - started, answer


def rss_kb(server: Server) -> int:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def health(server: Server) -> int:
    return httpx.get(f"{server.url}/health", timeout=5).status_code


def test_a_huge_request_head_is_refused_with_431_and_memory_stays_flat(server: Server) -> None:
    before = rss_kb(server)
    socks = []
    for _ in range(10):  # 10 connections, each sending 2 MB of a header that never ends
        sock = connect(server)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(32):
                sock.sendall(b"a" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server already answered and closed
        socks.append(sock)
    time.sleep(1)  # let the server read what was sent
    grown_mb = (rss_kb(server) - before) / 1024
    print(f"\nRSS grew {grown_mb:.1f} MB with 10 connections sending 2 MB heads")
    for sock in socks:
        took, answer = closed_after(sock, 5)
        assert took < 5 and answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert b"application/problem+json" in answer and b"header-limit" in answer
        sock.close()
    assert grown_mb < 10, f"RSS grew {grown_mb:.1f} MB"
    assert health(server) == 200


def test_an_idle_connection_is_closed_at_the_header_timeout(server: Server) -> None:
    with connect(server) as sock:
        took, answer = closed_after(sock, HEADER_TIMEOUT + 5)
    assert took < HEADER_TIMEOUT + 1.5 and answer == b""
    assert health(server) == 200


def test_a_trickled_request_head_is_cut_off_at_the_header_timeout(server: Server) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        stop = threading.Event()

        def trickle() -> None:
            try:
                sock.sendall(b"GET /health HTTP/1.1\r\n")
                while not stop.wait(0.2):
                    sock.sendall(b"X-Slow: 1\r\n")
            except OSError:
                pass

        sender = threading.Thread(target=trickle)
        sender.start()
        took, answer = closed_after(sock, HEADER_TIMEOUT + 5)
        stop.set()
        sender.join()
    assert time.monotonic() - started < HEADER_TIMEOUT + 1.5, took
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert health(server) == 200


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        took, _ = closed_after(sock, KEEP_ALIVE + 5)
    assert took < KEEP_ALIVE + 1.5


@pytest.fixture
def idle_sockets() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


def test_idle_connections_under_a_low_file_limit_never_starve_health(start_server: Any, tmp_path: Path,
                                                                     idle_sockets: list[socket.socket]) -> None:
    # A header timeout long enough that idle sockets outlive the test unless they are closed.
    server = start_server("--db", str(tmp_path / "log.db"), open_files=64,
                          env={**LIMITS, "NEGOTIATION_LOG_HEADER_TIMEOUT": "60"})
    for _ in range(50):
        idle_sockets.append(connect(server))
        time.sleep(0.005)
    for _ in range(10):
        assert health(server) == 200
    assert "Too many open files" not in server.output()


def test_connections_over_the_cap_get_503_when_none_is_idle(start_server: Any, tmp_path: Path) -> None:
    server = start_server("--db", str(tmp_path / "log.db"), "--public-read",
                          env={**LIMITS, "NEGOTIATION_LOG_MAX_CONNECTIONS": "4"})
    streams = []
    for _ in range(4):  # live streams: busy connections, never idle
        sock = connect(server)
        sock.sendall(b"GET /events/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        streams.append(sock)
    with connect(server) as extra:
        took, answer = closed_after(extra, 5)
    assert took < 1 and answer.startswith(b"HTTP/1.1 503 "), answer[:200]
    assert b"connection-limit" in answer
    streams.pop().close()
    time.sleep(0.5)
    deadline = time.monotonic() + 20  # the server notices the closed stream at its next heartbeat
    while health(server) != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    for sock in streams:
        sock.close()
