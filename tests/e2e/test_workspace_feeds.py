"""The live stream and the paged feed for a token limited to one workspace while others are
being written, over real HTTP connections: no foreign event is ever delivered, and nothing of
its own workspace is missed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.services import Services
from api.settings import Settings
from domain.appending import AppendRequest
from tests.conftest import OPENING, bearer
from tests.sse_client import serving

WRITES = 60


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """On both backends (tests.conftest's `database_url`)."""
    return Settings(db=database_url, signing_key=tmp_path / "signing.ed25519", heartbeat_seconds=0.3,
                    feed_poll_seconds=0.05)


@pytest.fixture
def url(settings: Settings, services: Services) -> Iterator[str]:
    with serving(settings, services) as base:
        yield base


def _open(services: Services, workspace: str) -> str:
    result = services.writer.append(AppendRequest(principal="root", events=[{**OPENING, "workspace": workspace}]))
    return result.negotiation_id


def _write(services: Services, negotiations: dict[str, str]) -> None:
    """Alternates appends between the workspaces, as several teams recording at once would."""
    for i in range(WRITES):
        for workspace, nid in negotiations.items():
            services.writer.append(AppendRequest(principal="root", negotiation_id=nid, events=[{
                "type": "round.proposed", "occurred_at": "2025-03", "round_id": f"r{i}",
                "note": f"{workspace} {i}"}]))


def test_a_limited_stream_and_feed_never_deliver_another_workspaces_events(url: str, services: Services,
                                                                             streams: Any) -> None:
    negotiations = {w: _open(services, w) for w in ("alpha", "beta", "gamma")}
    alpha = bearer(services.principals.create("alpha-reader", "reader", ["alpha"])[1])
    stream = streams(url, alpha)
    writer = threading.Thread(target=_write, args=(services, negotiations))
    writer.start()
    paged: list[dict[str, Any]] = []
    after = 0
    # Paging the feed while the writer runs: each page is whatever has been committed so far.
    while writer.is_alive() or after < services.queries.head():
        page = httpx.get(f"{url}/events", params={"after": after, "limit": 7}, headers=alpha).json()
        paged += page["items"]
        after = page["next_after"]
    writer.join()
    delivered = [m.data for m in stream.take(WRITES + 1, timeout=20)]
    assert stream.nothing_more(0.5)
    for seen in (delivered, paged):
        assert {e["negotiation_id"] for e in seen} == {negotiations["alpha"]}
        assert [e.get("note") for e in seen[1:]] == [f"alpha {i}" for i in range(WRITES)]
        positions = [e["position"] for e in seen]
        assert positions == sorted(positions) and positions[-1] - positions[0] > WRITES  # gaps: others' events


def test_a_stream_filtered_to_a_foreign_negotiation_delivers_nothing(url: str, services: Services,
                                                                     streams: Any) -> None:
    beta = _open(services, "beta")
    alpha = bearer(services.principals.create("alpha-reader", "reader", ["alpha"])[1])
    stream = streams(url, alpha, negotiation_id=beta)
    _write(services, {"beta": beta})
    assert stream.status == 200 and stream.nothing_more(1.0)
