"""The web page's other writes and what they depend on, in a real browser: role-aware controls,
corrections with a diff, retractions, the live notice of events recorded elsewhere, and the
modules the page is made of."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.browser import (  # noqa: F401 - browser and pages are fixtures
    expect, NEGOTIATION, NO_CHROMIUM, browser, pages,
)
from tests.e2e.recording import EVENTS, log, signed_in, stored  # noqa: F401 - log is a fixture

pytestmark = NO_CHROMIUM


def test_a_reader_sees_no_recording_controls_and_the_api_refuses_it_anyway(log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["reader"])
    tab = page.tab
    expect(tab.locator("#session-text")).to_contain_text("Signed in as reader-1 (reader), kept in this tab only. This role cannot record.")
    expect(tab.get_by_role("form", name="Record an event")).to_have_count(0)
    expect(tab.locator("#record")).to_be_hidden()
    tab.locator("#events li").first.get_by_role("button").click()
    dialog = tab.get_by_role("dialog")
    expect(dialog.locator(".recorded-by")).to_have_text("demo")
    expect(dialog.get_by_role("button", name="Correct this event")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Retract this event")).to_have_count(0)
    forced = httpx.post(f"{server.url}{EVENTS}", headers={"Authorization": f"Bearer {tokens['reader']}"},
                        json={"type": "negotiation.suspended", "occurred_at": "2025-06-01"})
    assert forced.status_code == 403 and "may not append" in forced.json()["detail"]


def test_an_event_is_corrected_with_its_change_shown_first_and_another_retracted_with_a_reason(
        log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["recorder"])
    tab = page.tab
    tab.locator('article[data-kind="round"][data-id="r1"] .events-button').click()
    dialog = tab.get_by_role("dialog")
    scheduled = dialog.locator('article.event-detail[data-event-id="3b080333-26c9-4b43-821f-59e25f7b447f"]')
    scheduled.get_by_role("button", name="Correct this event").click()
    form = scheduled.get_by_role("form", name="Correct this event")
    label = form.get_by_label("Label")
    expect(label).to_have_value("First round")  # pre-filled with the event's fields
    expect(form.get_by_label("Number")).to_have_value("1")
    label.fill("First round, Istanbul")
    form.get_by_role("button", name="Show the change").click()
    expect(form.locator("#" + "reason-3b080333-26c9-4b43-821f-59e25f7b447f")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Reason for the correction (required)").fill("The label names the city")
    form.get_by_role("button", name="Show the change").click()
    diff = form.get_by_role("table", name="The change that will be sent")
    expect(diff.locator("tbody tr")).to_have_count(1)
    expect(diff.locator('tr[data-field="label"] del')).to_have_text("First round")
    expect(diff.locator('tr[data-field="label"] ins')).to_have_text("First round, Istanbul")
    before = stored(server, tokens["recorder"])
    send = form.get_by_role("button", name="Send the correction")
    expect(send).to_be_focused()
    send.press("Enter")
    expect(scheduled.locator(".amend .good")).to_contain_text("Corrected: recorded as version")
    page.ready()
    correction = stored(server, tokens["recorder"])[-1]
    assert len(stored(server, tokens["recorder"])) == len(before) + 1
    assert correction["type"] == "record.corrected"
    assert correction["target_event_id"] == "3b080333-26c9-4b43-821f-59e25f7b447f"
    assert correction["changes"] == {"label": "First round, Istanbul"} and correction["reason"] == "The label names the city"
    tab.keyboard.press("Escape")
    expect(tab.locator('article[data-kind="round"][data-id="r1"] h3')).to_have_text("Round 1 · First round, Istanbul")

    statement = next(e for e in httpx.get(f"{server.url}/negotiations/{NEGOTIATION}/timeline",
                                          headers={"Authorization": f"Bearer {tokens['reader']}"}).json()["items"]
                     if e["type"] == "statement.issued" and not e["retracted"])
    tab.locator(f'#events li[data-event-id="{statement["event_id"]}"] .event-more button').click()
    detail = dialog.locator(f'article.event-detail[data-event-id="{statement["event_id"]}"]')
    detail.get_by_role("button", name="Retract this event").click()
    retract = detail.get_by_role("form", name="Retract this event")
    reason = retract.get_by_label("Reason for the retraction (required)")
    expect(reason).to_be_focused()
    retract.get_by_role("button", name="Retract it").click()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(retract.get_by_role("status")).to_contain_text("Not sent: a retraction needs a reason")
    assert stored(server, tokens["recorder"])[-1]["event_id"] == correction["event_id"]
    reason.fill("Recorded for the wrong negotiation")
    reason.press("Tab")
    tab.keyboard.press("Enter")
    expect(detail.locator(".amend .good")).to_contain_text("Retracted: recorded as version")
    page.ready()
    retraction = stored(server, tokens["recorder"])[-1]
    assert retraction["type"] == "record.retracted" and retraction["target_event_id"] == statement["event_id"]
    tab.keyboard.press("Escape")
    expect(tab.locator(f'#events li[data-event-id="{statement["event_id"]}"]')).to_have_class(re.compile("retracted"))


def test_events_recorded_elsewhere_are_announced_not_jumped_to(log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["reader"])
    tab = page.tab
    shown = tab.locator("#events > li")
    count = shown.count()
    expect(tab.locator("#live")).to_be_hidden()
    batch = [{"type": "statement.issued", "occurred_at": "2025-06-10", "text": f"Elsewhere {n}",
              "speaker": {"name": "Tammy Bruce"}} for n in range(3)]
    answer = httpx.post(f"{server.url}{EVENTS}", json=batch, headers={"Authorization": f"Bearer {tokens['recorder']}"})
    assert answer.status_code == 201
    notice = tab.get_by_role("status").filter(has_text="new events")
    expect(notice).to_contain_text("3 new events recorded elsewhere since this page loaded.")
    expect(shown).to_have_count(count)  # announced, not shown by surprise
    tab.get_by_role("button", name="Show them").click()
    page.ready()
    expect(shown).to_have_count(count + 3)
    expect(tab.locator("#live")).to_be_hidden()
    expect(tab.locator("#negotiation")).to_be_focused()


def test_every_module_of_the_script_is_preloaded_and_served_under_the_pages_policy(log: tuple) -> None:
    server, _ = log
    folder = Path(__file__).parents[2] / "api" / "web" / "modules"
    names = sorted(p.name for p in folder.glob("*.js"))
    page = httpx.get(f"{server.url}/")
    assert re.findall(r'<link rel="modulepreload" href="/web/modules/([a-z]+\.js)">', page.text) == names
    assert '<script type="module" src="/web/app.js">' in page.text
    for name in names:
        served = httpx.get(f"{server.url}/web/modules/{name}")
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/javascript")
        assert served.headers["content-security-policy"] == page.headers["content-security-policy"]
        assert len(served.text.splitlines()) <= 300, f"{name}: small enough to read at once"
    assert httpx.get(f"{server.url}/web/modules/..%2Fapp.js").status_code == 404
    assert httpx.get(f"{server.url}/web/modules/nope.js").status_code == 404
