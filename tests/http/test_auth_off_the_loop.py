"""Token lookups never block the event loop, and an unknown token is remembered for a moment
so that repeating it costs no query; a token created since is never refused for it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain import principals
from tests.conftest import bearer

LOOKUP_SECONDS = 0.5


class CountingSlowLookups:
    """Stands between Principals and its database: token lookups take LOOKUP_SECONDS (a busy
    pool, a slow network), and are counted."""

    def __init__(self, db: Any) -> None:
        self.db, self.lookups = db, 0

    def query_one(self, statement: str, params: Any = ()) -> Any:
        if "token_hash = ?" in statement:
            self.lookups += 1
            time.sleep(LOOKUP_SECONDS)
        return self.db.query_one(statement, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


@pytest.fixture
def slow(services: Services) -> CountingSlowLookups:
    slow = CountingSlowLookups(services.principals.db)
    services.principals.db = slow  # type: ignore[assignment]
    return slow


def unknown_token(n: int) -> str:
    return "nl_" + f"{n:043d}"


async def timed(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> tuple[int, float]:
    started = time.monotonic()
    response = await client.get(path, headers=headers)
    return response.status_code, time.monotonic() - started


def test_lookups_of_unknown_tokens_do_not_hold_up_other_requests(settings: Settings, services: Services,
                                                                  slow: CountingSlowLookups) -> None:
    reader = services.principals.create("reader-1", "reader")[1]
    app = create_app(settings, services)

    async def scenario() -> list[tuple[int, float]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            await client.get("/negotiations", headers=bearer(reader))  # the valid token is now remembered
            flood = [asyncio.create_task(timed(client, "/negotiations", bearer(unknown_token(n)))) for n in range(4)]
            await asyncio.sleep(0.05)
            others = await asyncio.gather(timed(client, "/health", {}), timed(client, "/negotiations", bearer(reader)))
            return [*others, *await asyncio.gather(*flood)]

    (health, health_took), (listed, listed_took), *refused = asyncio.run(scenario())
    assert (health, listed) == (200, 200) and all(status == 401 for status, _ in refused)
    assert health_took < LOOKUP_SECONDS / 2 and listed_took < LOOKUP_SECONDS / 2, (health_took, listed_took)


def test_an_unknown_token_is_remembered_and_a_token_created_since_is_not_refused(
        client: Any, services: Services, slow: CountingSlowLookups, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "x" * 43
    for _ in range(3):
        assert client.get("/negotiations", headers=bearer("nl_" + secret)).status_code == 401
    assert slow.lookups == 1
    monkeypatch.setattr(principals.secrets, "token_urlsafe", lambda n: secret)
    _, created = services.principals.create("reader-1", "reader")
    assert created == "nl_" + secret
    assert client.get("/negotiations", headers=bearer(created)).status_code == 200


def test_a_token_created_by_another_process_works_once_the_short_memory_of_unknowns_passes(
        settings: Settings, client: Any, services: Services, slow: CountingSlowLookups,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(principals, "UNKNOWN_CACHE_SECONDS", 0.3)
    secret = "y" * 43
    assert client.get("/negotiations", headers=bearer("nl_" + secret)).status_code == 401
    other = Services.open(settings)
    try:
        monkeypatch.setattr(principals.secrets, "token_urlsafe", lambda n: secret)
        other.principals.create("reader-2", "reader")
    finally:
        other.close()
    time.sleep(0.35)
    assert client.get("/negotiations", headers=bearer("nl_" + secret)).status_code == 200


def test_a_token_of_the_wrong_shape_is_refused_without_a_lookup(client: Any, slow: CountingSlowLookups) -> None:
    for malformed in ["x", "nl_short", "nl_" + "a" * 44, "nl_" + "a" * 42 + "!", "Bearer", "a" * 5000]:
        assert client.get("/negotiations", headers=bearer(malformed)).status_code == 401
    assert slow.lookups == 0
