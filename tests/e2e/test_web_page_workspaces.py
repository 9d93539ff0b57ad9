"""The page for a token limited to one workspace, on a log that needs a token to read (no
public reads): it lists and shows only that workspace's negotiations, and its live notice
counts what is recorded there, never what is recorded in another workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OPENING
from tests.e2e.browser import NO_CHROMIUM, TITLE, browser, expect, pages, prepared_log  # noqa: F401
from tests.e2e.recording import EVENTS, signed_in
from tests.processes import Server, run_cli

pytestmark = NO_CHROMIUM


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    folder: Path = tmp_path_factory.mktemp("workspaces-page")
    db, tokens = prepared_log(folder)  # the demo, imported: in `default`
    created = run_cli("token", "create", "desk", "--role", "reader", "--workspace", "default", "--db", db)
    tokens["desk"] = created.stdout.strip().splitlines()[-1]
    server = Server("--db", db, env={"NEGOTIATION_LOG_PUBLIC_READ": "false"})
    yield server, tokens
    server.stop()


def test_a_limited_token_reads_and_follows_only_its_workspace(log: tuple, pages: Any) -> None:
    server, tokens = log
    recorder = {"Authorization": f"Bearer {tokens['recorder']}"}
    hidden = httpx.post(f"{server.url}/negotiations", json={**OPENING, "title": "Confidential track",
                                                            "workspace": "talks-b"}, headers=recorder)
    assert hidden.status_code == 201
    page = signed_in(pages, server, tokens["desk"])
    tab = page.tab
    listed = tab.get_by_role("navigation", name="Negotiations").get_by_role("listitem")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(TITLE)
    expect(tab.get_by_text("Confidential track")).to_have_count(0)
    elsewhere = {"type": "statement.issued", "occurred_at": "2025-06-10", "text": "Not for the desk",
                 "speaker": {"name": "A spokesperson"}}
    assert httpx.post(f"{server.url}/negotiations/{hidden.json()['id']}/events", json=elsewhere,
                      headers=recorder).status_code == 201
    here = {**elsewhere, "text": "For the desk"}
    assert httpx.post(f"{server.url}{EVENTS}", json=here, headers=recorder).status_code == 201
    notice = tab.get_by_role("status").filter(has_text="new event")
    expect(notice).to_contain_text("1 new event recorded elsewhere since this page loaded.")
    tab.get_by_role("button", name="Show them").click()
    page.ready()
    expect(tab.get_by_text("For the desk").first).to_be_visible()
    expect(tab.get_by_text("Not for the desk")).to_have_count(0)
    tab.goto(f"{server.url}/#n={hidden.json()['id']}")
    page.ready()
    expect(tab.get_by_text("Confidential track")).to_have_count(0)
