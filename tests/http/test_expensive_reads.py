"""Reads that fold a whole negotiation (timeline, changes; exports) are computed a few at a
time (NEGOTIATION_LOG_MAX_EXPENSIVE_READS): the excess waits briefly, then gets 503 with
Retry-After; other reads are never held up by them."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.appending import AppendRequest
from projections.store.queries import ReadModels
from tests.conftest import OPENING, bearer


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(db=database_url, signing_key=tmp_path / "signing.ed25519", max_expensive_reads=1)


def test_expensive_reads_beyond_the_cap_wait_then_get_503(settings: Settings, services: Services,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    reader = bearer(services.principals.create("reader-1", "reader")[1])
    nid = services.log.append(AppendRequest(principal="alice", events=[OPENING])).negotiation_id
    release, entered = threading.Event(), threading.Event()
    timeline = ReadModels.timeline

    def held(self: ReadModels, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(10)
        return timeline(self, *args, **kwargs)

    monkeypatch.setattr(ReadModels, "timeline", held)
    app = create_app(settings, services)
    services.expensive_reads.wait = 0.3

    async def scenario() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                     headers=reader, timeout=20) as client:
            first = asyncio.create_task(client.get(f"/negotiations/{nid}/timeline"))
            while not entered.is_set():
                await asyncio.sleep(0.01)
            started = time.monotonic()
            second = await client.get(f"/negotiations/{nid}/changes")
            waited = time.monotonic() - started
            cheap = await client.get(f"/negotiations/{nid}")
            started = time.monotonic()
            anonymous = await client.get(f"/negotiations/{nid}/timeline", headers={"Authorization": ""})
            anonymous_waited = time.monotonic() - started
            release.set()
            done = await first
            after = await client.get(f"/negotiations/{nid}/changes")
            return {"second": second, "waited": waited, "cheap": cheap, "first": done, "after": after,
                    "anonymous": (anonymous.status_code, anonymous_waited)}

    answers = asyncio.run(scenario())
    second = answers["second"]
    assert second.status_code == 503, second.text
    assert second.headers["content-type"] == "application/problem+json" and second.headers["retry-after"]
    assert second.json()["rule"] == "busy" and "NEGOTIATION_LOG_MAX_EXPENSIVE_READS" in second.json()["detail"]
    assert 0.3 <= answers["waited"] < 2
    assert answers["cheap"].status_code == 200
    status, waited = answers["anonymous"]
    assert status == 401 and waited < 0.3  # refused before it could queue for a slot
    assert answers["first"].status_code == 200 and answers["after"].status_code == 200
