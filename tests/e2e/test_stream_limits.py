"""A live stream follows its token: revoked, it is closed within one heartbeat with a final
comment line and nothing appended afterwards reaches it. Streams are capped in lifetime, per
principal (429) and in all (503)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.services import Services
from api.settings import Settings
from domain.appending import AppendRequest
from tests.conftest import OPENING, bearer
from tests.sse_client import serving

HEARTBEAT = 0.5


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=str(tmp_path / "log.db"), heartbeat_seconds=HEARTBEAT, feed_poll_seconds=0.1,
                    max_streams_per_principal=2, max_streams=3, stream_max_seconds=30)


@pytest.fixture
def url(settings: Settings, services: Services) -> Iterator[str]:
    with serving(settings, services) as base:
        yield base


def token(services: Services, name: str) -> tuple[str, dict[str, str]]:
    info, secret = services.principals.create(name, "reader")
    return info["token_id"], bearer(secret)


def open_negotiation(services: Services) -> None:
    services.writer.append(AppendRequest(principal="recorder", events=[OPENING]))


def test_a_revoked_tokens_stream_closes_within_a_heartbeat_and_gets_nothing_more(
        url: str, services: Services, streams: Any) -> None:
    token_id, auth = token(services, "reader-1")
    stream = streams(url, auth)
    open_negotiation(services)
    assert stream.take(1)[0].data["position"] == 1
    services.principals.revoke(token_id)
    revoked_at = time.monotonic()
    open_negotiation(services)
    assert stream.ended.wait(HEARTBEAT * 3), "the stream of a revoked token stayed open"
    assert time.monotonic() - revoked_at < HEARTBEAT * 2
    assert stream.nothing_more(0.1)
    comments = []
    while not stream.comments.empty():
        comments.append(stream.comments.get())
    assert comments and "revoked" in comments[-1]


def test_streams_per_principal_are_capped_with_429(url: str, services: Services, streams: Any) -> None:
    _, auth = token(services, "reader-1")
    first, second = streams(url, auth), streams(url, auth)
    third = streams(url, auth)
    assert (first.status, second.status, third.status) == (200, 200, 429)
    assert third.problem and third.problem["rule"] == "streams-per-principal"
    first.close()
    time.sleep(HEARTBEAT * 2)  # the server notices the closed connection at its next write
    assert streams(url, auth).status == 200


def test_streams_in_all_are_capped_with_503(url: str, services: Services, streams: Any) -> None:
    opened = [streams(url, token(services, f"reader-{n}")[1]) for n in range(3)]
    assert [s.status for s in opened] == [200, 200, 200]
    refused = streams(url, token(services, "reader-9")[1])
    assert refused.status == 503 and refused.problem and refused.problem["rule"] == "streams"


def test_a_stream_ends_after_its_lifetime_with_a_comment(tmp_path: Path, streams: Any) -> None:
    settings = Settings(db=str(tmp_path / "short.db"), heartbeat_seconds=HEARTBEAT, stream_max_seconds=1)
    services = Services.open(settings)
    try:
        _, auth = token(services, "reader-1")
        with serving(settings, services) as url:
            started = time.monotonic()
            stream = streams(url, auth)
            assert stream.ended.wait(5)
            assert 1 <= time.monotonic() - started < 1 + HEARTBEAT * 3
            comments = []
            while not stream.comments.empty():
                comments.append(stream.comments.get())
            # The server's keep-alive pings run on their own timer and may interleave with the end.
            said = [c for c in comments if not c.startswith(": ping")]
            assert "Last-Event-ID" in said[-1], comments
    finally:
        services.close()


def test_a_revoked_stream_closes_even_while_other_events_keep_waking_it(url: str, services: Services,
                                                                         streams: Any) -> None:
    token_id, auth = token(services, "reader-1")
    stream = streams(url, auth, type="round.scheduled")  # none of what follows matches
    services.principals.revoke(token_id)
    revoked_at = time.monotonic()
    while not stream.ended.is_set() and time.monotonic() - revoked_at < HEARTBEAT * 4:
        open_negotiation(services)
        time.sleep(HEARTBEAT / 5)
    assert stream.ended.is_set(), "the stream of a revoked token stayed open"
    assert time.monotonic() - revoked_at < HEARTBEAT * 3
