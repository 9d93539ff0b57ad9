"""What the web page asks the API for: one page of the timeline per view, never the whole of it
and never twice, with "Show more events" asking for the next page by its cursor."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import bearer
from tests.e2e.browser import (  # noqa: F401 - browser, demo and pages are fixtures
    expect, NEGOTIATION, NO_CHROMIUM, browser, demo, pages, prepared_log,
)
from tests.processes import Server

pytestmark = NO_CHROMIUM
TIMELINE = f"/negotiations/{NEGOTIATION}/timeline"
PAGE = 200  # api/web/modules/pages.js TIMELINE_PAGE


def recorded_requests(page: Any) -> list[tuple[str, dict[str, list[str]]]]:
    """Every API request the tab makes from now on, as (path, query)."""
    seen: list[tuple[str, dict[str, list[str]]]] = []
    page.tab.on("request", lambda r: seen.append((urlsplit(r.url).path, parse_qs(urlsplit(r.url).query))))
    return seen


def timeline_requests(seen: list[tuple[str, dict[str, list[str]]]]) -> list[dict[str, list[str]]]:
    return [query for path, query in seen if path == TIMELINE]


def test_a_view_asks_for_one_page_of_the_timeline_once_and_shows_what_the_api_answers(
        demo: Server, pages: Any) -> None:
    page = pages(demo.url)
    seen = recorded_requests(page)
    page.open()
    [latest] = timeline_requests(seen)
    assert latest == {"limit": [str(PAGE)]}

    # A view at a point on both axes: still one request, the page known then; what is listed
    # as in effect is what the API answers with as_of too.
    everything = httpx.get(f"{demo.url}{TIMELINE}").json()["items"]
    known_at = sorted(e["recorded_at"] for e in everything)[len(everything) // 2]
    as_of = "2025-04-01"
    seen.clear()
    page.tab.goto(f"{demo.url}/#n={NEGOTIATION}&as_of={as_of}&known_at={known_at}")
    page.shown_at(as_of="2025-04-01", known_at=known_at)
    [then] = timeline_requests(seen)
    assert then == {"known_at": [known_at], "limit": [str(PAGE)]}
    expected = httpx.get(f"{demo.url}{TIMELINE}", params={"as_of": as_of, "known_at": known_at}).json()["items"]
    known = httpx.get(f"{demo.url}{TIMELINE}", params={"known_at": known_at}).json()["items"]
    assert 0 < len(expected) < len(known)  # the point leaves some known events out
    shown = page.tab.locator("#events > li")
    expect(shown).to_have_count(len(expected))
    assert [shown.nth(i).get_attribute("data-event-id") for i in range(len(expected))] == \
        [e["event_id"] for e in expected]
    expect(page.tab.locator("#events-more")).to_be_hidden()


def test_show_more_asks_for_the_next_page_by_its_cursor(
        tmp_path: Path, start_server: Any, pages: Any) -> None:
    db, tokens = prepared_log(tmp_path)
    server = start_server("--db", db, "--public-read")
    statements = [{"type": "statement.issued", "occurred_at": f"2025-06-{1 + n // 24:02d}T{n % 24:02d}:00Z",
                   "text": f"Statement {n}", "speaker": {"name": "Maria Zakharova", "participant_id": "ru",
                                                         "title": "Spokesperson"},
                   "sources": [{"title": "Briefing", "url": "https://example.org/briefing"}]} for n in range(PAGE)]
    appended = httpx.post(f"{server.url}/negotiations/{NEGOTIATION}/events", json=statements,
                          headers=bearer(tokens["recorder"]), timeout=60)
    assert appended.status_code == 201, appended.text
    everything = httpx.get(f"{server.url}{TIMELINE}", params={"limit": 1000}).json()["items"]
    assert len(everything) > PAGE

    page = pages(server.url)
    seen = recorded_requests(page)
    tab = page.open()
    expect(tab.locator("#events > li")).to_have_count(PAGE)
    more = tab.locator("#events-more")
    expect(more).to_be_visible()
    [first] = timeline_requests(seen)
    more.click()
    expect(tab.locator("#events > li")).to_have_count(len(everything))
    expect(more).to_be_hidden()
    assert tab.locator("#events > li").last.get_attribute("data-event-id") == everything[-1]["event_id"]
    [_, following] = timeline_requests(seen)
    cursor = httpx.get(f"{server.url}{TIMELINE}", params={"limit": PAGE}).json()["next_cursor"]
    assert first == {"limit": [str(PAGE)]} and following == {"limit": [str(PAGE)], "cursor": [cursor]}
