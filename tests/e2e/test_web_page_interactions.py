"""The web page's interactions in a real browser: bad dates and API refusals, each item's events,
the known-at axis, and the token prompt when reads are not public."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from domain.receipts import verify_receipt
from domain.signed_note import parse_verifier_key

from tests.e2e.browser import (  # noqa: F401 - browser, demo and pages are fixtures
    expect, NEGOTIATION, NO_CHROMIUM, TITLE, api_state, assert_page_matches_api, browser, demo, pages, prepared_log,
)
from tests.processes import Server, run_cli

pytestmark = NO_CHROMIUM


def test_bad_dates_get_a_clear_message_and_the_page_stays_as_it_was(demo: Server, pages: Any) -> None:
    page = pages(demo.url)
    tab = page.open(f"#n={NEGOTIATION}&as_of=2025-04-09")
    page.shown_at(as_of="2025-04-09")

    tab.fill("#as-of", "2025-02-30")
    tab.press("#as-of", "Enter")
    expect(tab.locator("#as-of-message")).to_have_text("2025-02-30 is not a date: February 2025 has 28 days.")
    expect(tab.locator("#as-of")).to_have_attribute("aria-invalid", "true")
    page.shown_at(as_of="2025-04-09")
    assert page.status("round", "r2") == "scheduled"
    expect(tab.locator("#error")).to_be_hidden()

    # A time the page cannot judge goes to the API, whose problem+json detail is shown.
    tab.fill("#known-at", "last tuesday")
    tab.press("#known-at", "Enter")
    expect(tab.locator("#known-at-message")).to_contain_text("The service refused this time: known_at:")
    expect(tab.locator("#known-at-message")).to_contain_text("accepted forms")
    page.shown_at(as_of="2025-04-09")
    assert page.status("round", "r2") == "scheduled"

    # A day before the negotiation was opened: the API's 404 detail, not a broken page.
    tab.fill("#as-of", "2025-01-15")
    tab.press("#as-of", "Enter")
    page.shown_at(as_of="2025-01-15")
    expect(tab.locator("#absent")).to_contain_text("was not open at that point")
    expect(tab.locator("#content")).to_be_hidden()
    expect(tab.locator("#list-note")).to_have_text("No negotiation is in the log at this point in time.")
    tab.click("#as-of-latest")
    page.shown_at()
    expect(tab.locator("#content")).to_be_visible()
    expect(tab.locator("#as-of")).not_to_have_attribute("aria-invalid", "true")

    # An address naming a negotiation the log does not hold.
    unknown = pages(demo.url)
    unknown.open("#n=00000000-0000-0000-0000-000000000000")
    expect(unknown.tab.locator("#absent")).to_contain_text("The service says: no negotiation 00000000")
    expect(unknown.tab.locator("#list a")).to_have_text([TITLE])


def test_each_item_opens_its_events_with_sources_and_who_recorded_them(demo: Server, pages: Any) -> None:
    page = pages(demo.url)
    tab = page.open()
    button = tab.locator('article[data-kind="round"][data-id="r1"] .events-button')
    button.click()
    dialog = tab.locator("dialog#dialog")
    expect(dialog).to_be_visible()
    expect(tab.locator("#dialog-title")).to_have_text("Events of Round 1 · First round")
    r1_events = [e for e in httpx.get(f"{demo.url}/negotiations/{NEGOTIATION}/timeline").json()["items"]
                 if e.get("round_id") == "r1"]
    details = dialog.locator("article.event-detail")
    expect(details).to_have_count(len(r1_events))
    scheduled = dialog.locator('article.event-detail[data-event-id="3b080333-26c9-4b43-821f-59e25f7b447f"]')
    expect(scheduled.locator(".recorded-by")).to_have_text("demo")
    expect(scheduled.locator(".sources blockquote")).to_contain_text("US Consul General’s residence")
    expect(scheduled.locator(".reliability")).to_have_text("reported")
    # From GET /events/{event_id}: the correction that fixed the venue, and the event as stored.
    expect(scheduled.locator(".corrections")).to_contain_text("Wrong venue")
    expect(scheduled.locator("details pre")).to_contain_text('"hash"')
    tab.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()

    # A mark of the drawing, by keyboard.
    mark = tab.locator("#timeline g.mark.kind-proposal").first
    mark.focus()
    tab.keyboard.press("Enter")
    expect(dialog.locator("article.event-detail")).to_have_count(1)
    expect(dialog).to_contain_text("Restoration of direct flights")
    tab.click("#dialog-close")


def test_known_at_shows_what_the_log_knew_before_a_retraction_and_a_resolution(
        tmp_path: Path, start_server: Any, pages: Any) -> None:
    db, tokens = prepared_log(tmp_path)
    server = start_server("--db", db, "--public-read")
    before = httpx.get(f"{server.url}/negotiations/{NEGOTIATION}/timeline").json()["items"]
    known_then = max(e["recorded_at"] for e in before)
    statement = next(e for e in before
                     if e["type"] == "statement.issued" and e["speaker"]["name"] == "Alexander Darchiev")
    auth = {"Authorization": f"Bearer {tokens['recorder']}"}
    later = [
        {"type": "dispute.resolved", "occurred_at": "2025-05-01", "dispute_id": "visa-restrictions",
         "summary": "Test: visa restrictions settled."},
        {"type": "record.retracted", "occurred_at": "2025-04-10", "target_event_id": statement["event_id"],
         "reason": "Test: retracted to see it struck through."},
    ]
    stored = httpx.post(f"{server.url}/negotiations/{NEGOTIATION}/events", json=later, headers=auth)
    assert stored.status_code == 201, stored.text

    page = pages(server.url)
    tab = page.open()
    assert page.status("dispute", "visa-restrictions") == "resolved"
    assert_page_matches_api(page, api_state(server.url))
    retracted = tab.locator(f'article[data-kind="statement"][data-id="{statement["event_id"]}"]')
    expect(retracted).to_have_class(re.compile(r"\bretracted\b"))
    expect(retracted.locator("blockquote del")).to_be_visible()
    expect(tab.locator(f'#events li[data-event-id="{statement["event_id"]}"] del')).to_be_visible()
    expect(tab.locator("#timeline g.mark.kind-statement.retracted")).to_have_count(1)
    # The moments of recording are offered as suggestions.
    expect(tab.locator(f'#recorded-moments option[value="{known_then}"]')).to_have_count(1)

    tab.fill("#known-at", known_then)
    tab.press("#known-at", "Enter")
    page.shown_at(known_at=known_then)
    assert page.status("dispute", "visa-restrictions") == "under_discussion"
    assert_page_matches_api(page, api_state(server.url, known_at=known_then))
    expect(retracted).not_to_have_class(re.compile(r"\bretracted\b"))
    expect(tab.locator("#timeline g.mark.retracted")).to_have_count(0)
    expect(tab.locator("#showing")).to_contain_text("as the log knew it at")

    # Both axes at once: on 9 April, as known then.
    tab.fill("#as-of", "2025-04-09")
    tab.press("#as-of", "Enter")
    page.shown_at(as_of="2025-04-09", known_at=known_then)
    assert page.status("round", "r2") == "scheduled"
    assert_page_matches_api(page, api_state(server.url, as_of="2025-04-09", known_at=known_then))

    tab.click("#known-at-latest")
    page.shown_at(as_of="2025-04-09")
    tab.click("#as-of-latest")
    page.shown_at()
    assert page.status("dispute", "visa-restrictions") == "resolved"


def test_without_public_reads_the_page_asks_for_a_token_and_keeps_it_in_the_tab_only(
        tmp_path: Path, start_server: Any, pages: Any) -> None:
    db, tokens = prepared_log(tmp_path)
    server = start_server("--db", db, env={"NEGOTIATION_LOG_PUBLIC_READ": "false"})
    assert httpx.get(f"{server.url}/negotiations").status_code == 401
    page = pages(server.url)
    tab = page.tab
    tab.goto(f"{server.url}/")
    expect(tab.locator("#auth")).to_be_visible()
    expect(tab.locator("#app")).to_be_hidden()
    expect(tab.locator("#token")).to_be_focused()

    tab.fill("#token", "nl_not-a-token")
    tab.press("#token", "Enter")
    expect(tab.locator("#auth-message")).to_contain_text("the bearer token is unknown or revoked")

    tab.fill("#token", tokens["reader"])
    tab.click("#auth-form button[type=submit]")
    page.ready()
    expect(tab.locator("#neg-title")).to_have_text(TITLE)
    headers = {"Authorization": f"Bearer {tokens['reader']}"}
    assert_page_matches_api(page, api_state(server.url, headers=headers))
    assert tab.evaluate("sessionStorage.getItem('negotiation-log:token')") == tokens["reader"]
    assert tab.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []

    tab.reload()  # the same tab keeps it
    page.ready()
    expect(tab.locator("#neg-title")).to_have_text(TITLE)
    elsewhere = pages(server.url)  # a new session does not
    elsewhere.tab.goto(f"{server.url}/")
    expect(elsewhere.tab.locator("#auth")).to_be_visible()

    tab.click("#forget-token")
    expect(tab.locator("#auth")).to_be_visible()
    assert tab.evaluate("sessionStorage.length") == 0


def test_an_event_shows_it_is_on_record_and_its_receipt_downloads_and_verifies(demo: Server, pages: Any,
                                                                             tmp_path: Path) -> None:
    page = pages(demo.url)
    tab = page.open()
    tab.locator('article[data-kind="round"][data-id="r1"] .events-button').click()
    scheduled = tab.locator('dialog#dialog article.event-detail[data-event-id="3b080333-26c9-4b43-821f-59e25f7b447f"]')
    on_record = scheduled.get_by_role("region", name="On record")
    stored = httpx.get(f"{demo.url}/events/3b080333-26c9-4b43-821f-59e25f7b447f").json()
    expect(on_record).to_contain_text(f"Leaf {stored['log_index']} of the log's Merkle tree")
    with tab.expect_download() as download:
        on_record.get_by_role("button", name="Download receipt").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    expect(on_record.get_by_role("status")).to_contain_text("included in the checkpoint of 31 events")
    vkey = parse_verifier_key(httpx.get(f"{demo.url}/log/key").text.strip())
    assert verify_receipt(json.loads(saved.read_text()), vkey)["event_id"] == stored["event_id"]


def test_an_erased_speaker_reads_as_erased_with_when_and_why(tmp_path: Path, start_server: Any, pages: Any) -> None:
    db, _ = prepared_log(tmp_path)
    statement = "4eaf05b9-e8c1-4cd3-8914-719a0735278f"
    reason = "The ambassador asked to be erased (GDPR art. 17)"
    run_cli("erase", statement, "--field", "speaker", "--field", "sources[0]", "--reason", reason,
            "--as", "dpo", "--db", db)
    server = start_server("--db", db, "--public-read")
    page = pages(server.url)
    tab = page.open(f"#n={NEGOTIATION}")
    card = tab.locator(f'article[data-kind="statement"][data-id="{statement}"]')
    expect(card.get_by_role("heading")).to_have_text("[erased]")
    expect(card).not_to_contain_text("Darchiev")
    card.get_by_role("button", name="Source and record").click()
    erased = tab.locator("dialog#dialog").get_by_role("region", name="Erased fields")
    expect(erased).to_contain_text("speaker erased on")
    expect(erased).to_contain_text("sources[0] erased on")
    expect(erased).to_contain_text(reason)
    expect(tab.locator("dialog#dialog")).to_contain_text("A source, erased")
    expect(tab.locator("dialog#dialog")).not_to_contain_text("Darchiev")
