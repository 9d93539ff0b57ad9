"""What the web page's recording tests share: a log that needs a token, a tab signed in to it,
and the events as the API holds them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.browser import NEGOTIATION, prepared_log
from tests.processes import Server

EVENTS = f"/negotiations/{NEGOTIATION}/events"


def signed_in(pages: Any, server: Server, token: str) -> Any:
    """A tab on a log that needs a token, with `token` pasted into the page's prompt."""
    page = pages(server.url)
    tab = page.tab
    tab.goto(f"{server.url}/#n={NEGOTIATION}")
    tab.get_by_label("Bearer token").fill(token)
    tab.get_by_role("button", name="Read the log").click()
    page.ready()
    return page


def stored(server: Server, token: str) -> list[dict[str, Any]]:
    """The negotiation's events as the API holds them, in version order."""
    answer = httpx.get(f"{server.url}/events", params={"negotiation_id": NEGOTIATION, "limit": 1000},
                       headers={"Authorization": f"Bearer {token}"})
    return answer.json()["items"]


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    """The demo imported into a log that needs a token to read. The tests share it (each one
    compares the log before and after what it does) to keep them a few seconds each."""
    db, tokens = prepared_log(tmp_path_factory.mktemp("recording"))
    server = Server("--db", db, env={"NEGOTIATION_LOG_PUBLIC_READ": "false"})
    yield server, tokens
    server.stop()
