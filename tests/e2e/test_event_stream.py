"""GET /events/stream over a real HTTP connection: catch-up, live delivery within a second,
resuming with Last-Event-ID, filters, heartbeats, and a slow client that never holds up writers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.services import Services
from api.settings import Settings
from domain.appending import AppendRequest
from projections import reading
from projections.log_query import feed_page
from tests.conftest import OPENING, bearer
from tests.sse_client import serving

HEARTBEAT = 0.3


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=str(tmp_path / "log.db"), heartbeat_seconds=HEARTBEAT, feed_poll_seconds=0.1)


@pytest.fixture
def url(settings: Settings, services: Services) -> Iterator[str]:
    with serving(settings, services) as base:
        yield base


@pytest.fixture
def reader(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["reader"])


def append(services: Services, negotiation_id: str | None, *events: dict[str, Any]) -> list[dict[str, Any]]:
    result = services.writer.append(AppendRequest(principal="recorder", negotiation_id=negotiation_id,
                                                  events=list(events) or [OPENING], batch=len(events) > 1))
    return result.events


def proposal(i: int, note: str = "") -> dict[str, Any]:
    return {"type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{i}", **({"note": note} if note else {})}


def opened(services: Services) -> str:
    return append(services, None)[0]["negotiation_id"]


def test_catches_up_then_delivers_new_events_within_a_second(url: str, services: Services, reader: dict,
                                                             streams: Any) -> None:
    negotiation = opened(services)
    append(services, negotiation, proposal(1), proposal(2))
    stream = streams(url, reader)
    assert stream.status == 200
    caught_up = stream.take(3)
    assert [m.id for m in caught_up] == ["1", "2", "3"]
    assert [m.data["position"] for m in caught_up] == [1, 2, 3] and caught_up[2].data["round_id"] == "r2"
    for i in range(3, 6):
        sent = time.monotonic()
        append(services, negotiation, proposal(i))
        (live,) = stream.take(1, timeout=2)
        assert live.data["round_id"] == f"r{i}" and live.received_at - sent < 1.0


def test_events_appended_over_http_are_delivered_live(url: str, services: Services, tokens: dict,
                                                      reader: dict, streams: Any) -> None:
    stream = streams(url, reader)
    sent = time.monotonic()
    response = httpx.post(f"{url}/negotiations", json=OPENING, headers=bearer(tokens["recorder"]))
    assert response.status_code == 201
    (live,) = stream.take(1, timeout=2)
    assert live.data["type"] == "negotiation.opened" and live.received_at - sent < 1.0


def test_events_written_by_another_process_arrive_by_polling(settings: Settings, url: str, reader: dict,
                                                             streams: Any) -> None:
    stream = streams(url, reader)
    other = Services.open(settings)  # its own log object: the server hears nothing in-process
    try:
        sent = time.monotonic()
        append(other, None)
        (live,) = stream.take(1, timeout=2)
        assert live.data["position"] == 1 and live.received_at - sent < 1.0
    finally:
        other.close()


def test_last_event_id_resumes_after_the_last_event_seen(url: str, services: Services, reader: dict,
                                                         streams: Any) -> None:
    negotiation = opened(services)
    append(services, negotiation, *[proposal(i) for i in range(4)])
    first = streams(url, reader)
    assert [m.id for m in first.take(3)] == ["1", "2", "3"]
    first.close()
    append(services, negotiation, proposal(9))
    # The header wins over the query: a reconnecting EventSource resends its original URL.
    resumed = streams(url, {**reader, "Last-Event-ID": "3"}, after=0)
    assert [m.id for m in resumed.take(3)] == ["4", "5", "6"]
    assert resumed.nothing_more()
    from_query = streams(url, reader, after=5)
    assert [m.id for m in from_query.take(1)] == ["6"]


def test_filters_by_negotiation_and_type_in_catch_up_and_live(url: str, services: Services, reader: dict,
                                                              streams: Any) -> None:
    mine, other = opened(services), opened(services)
    append(services, mine, proposal(1))
    append(services, other, proposal(1))
    by_negotiation = streams(url, reader, negotiation_id=mine)
    by_type = streams(url, reader, type="round.proposed")
    assert [m.data["negotiation_id"] for m in by_negotiation.take(2)] == [mine, mine]
    assert [m.data["negotiation_id"] for m in by_type.take(2)] == [mine, other]
    append(services, other, proposal(2))
    append(services, mine, {"type": "dispute.raised", "occurred_at": "2025-03", "dispute_id": "d", "title": "d"})
    assert by_negotiation.take(1)[0].data["type"] == "dispute.raised"
    assert by_type.take(1)[0].data["round_id"] == "r2"
    assert by_negotiation.nothing_more() and by_type.nothing_more()


def test_idle_connections_get_heartbeat_comments(url: str, reader: dict, streams: Any) -> None:
    stream = streams(url, reader)
    started = time.monotonic()
    stream.comments.get(timeout=HEARTBEAT * 5)
    stream.comments.get(timeout=HEARTBEAT * 5)
    assert time.monotonic() - started < HEARTBEAT * 6


def test_refusals_come_before_the_stream_starts(url: str, reader: dict) -> None:
    assert httpx.get(f"{url}/events/stream").status_code == 401
    bad = httpx.get(f"{url}/events/stream", headers={**reader, "Last-Event-ID": "seven"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("Last-Event-ID")
    assert httpx.get(f"{url}/events/stream?type=nope", headers=reader).status_code == 422


def test_a_stalled_client_does_not_hold_up_writers_and_later_gets_everything(
        url: str, services: Services, tokens: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    read_up_to = [0]

    def counting_feed_page(*args: Any) -> Any:
        page = feed_page(*args)
        read_up_to[0] = max(read_up_to[0], page.next_after)
        return page

    monkeypatch.setattr(reading, "feed_page", counting_feed_page)  # what the viewer's reads call
    negotiation = opened(services)
    host, port = url.removeprefix("http://").split(":")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((host, int(port)))
    slow.sendall(f"GET /events/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {tokens['reader']}\r\n\r\n"
                 .encode())
    # 600 messages of ~10 kB: more than the socket buffers between us can hold (at most ~4 MB
    # on Linux) plus the one page the stream holds.
    count, note = 600, "x" * 10_000
    started = time.monotonic()
    for i in range(count):  # the client reads nothing meanwhile
        append(services, negotiation, proposal(i, note))
    writing = time.monotonic() - started
    assert writing < 10, f"{count} appends took {writing:.1f}s with a stalled reader"
    time.sleep(0.3)
    # The stream stopped pulling pages when the connection backed up: nothing piles up in memory.
    assert read_up_to[0] < count
    ids: list[int] = []
    pending = b""
    slow.settimeout(5)
    while len(ids) < count + 1:
        time.sleep(0.0002)  # and then reads, slowly
        chunk = slow.recv(16384)
        assert chunk, "the server closed the stream"
        *lines, pending = (pending + chunk).split(b"\n")
        ids += [int(line.split(b":", 1)[1]) for line in lines if line.startswith(b"id:")]
    slow.close()
    assert ids == list(range(1, count + 2))
