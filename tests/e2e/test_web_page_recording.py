"""Recording from the web page in a real browser: forms built from the served event schemas,
If-Match and Idempotency-Key on every write, field errors beside their fields, a 409 showing what
was recorded meanwhile, and opening a negotiation on a public log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.e2e.browser import (  # noqa: F401 - browser and pages are fixtures
    expect, NEGOTIATION, NO_CHROMIUM, browser, pages, prepared_log,
)
from tests.e2e.recording import EVENTS, log, signed_in, stored  # noqa: F401 - log is a fixture

pytestmark = NO_CHROMIUM


def test_an_event_recorded_from_the_form_built_from_its_schema_appears_on_the_page(log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["recorder"])
    tab = page.tab
    before = stored(server, tokens["recorder"])
    form = tab.get_by_role("form", name="Record an event")
    expect(form).to_be_visible()
    expect(tab.locator("#session-text")).to_contain_text("Signed in as recorder-1 (recorder)")

    form.get_by_label("Event type").select_option("dispute.raised")
    when = form.get_by_label("When it happened (valid time) (required)")
    when.fill("2025-05~")
    # The span the fuzzy date will be read as, before anything is sent.
    expect(form.locator(".field-occurred_at output")).to_contain_text("Read as 1 May 2025")
    expect(form.locator(".field-occurred_at output")).to_contain_text("31 May 2025")
    expect(form.locator(".field-occurred_at output")).to_contain_text("approximate")
    form.get_by_label("Dispute (required)").fill("consular-access")
    form.get_by_label("Title (required)").fill("Consular access to detained nationals")
    # Participants at the event's valid time, as choices; "this is <party>'s claim".
    form.get_by_label("Raised by").select_option(label="Russian Federation (party)")
    form.get_by_label("Whose claim is this?").select_option(label="This is Russian Federation's claim")
    form.get_by_role("button", name="Add a source").click()
    source = form.get_by_role("group", name="Source 1")
    source.get_by_label("Title").fill("Briefing by the spokeswoman")
    source.get_by_label("Address (URL)").fill("https://example.org/briefing")
    source.get_by_label("Reliability").select_option("claimed")
    source.get_by_label("Quote").fill("We raised consular access.")
    form.get_by_role("button", name="Record this event").click()

    expect(form.locator("#record-message")).to_contain_text("Recorded: Dispute raised: Consular access to detained nationals")
    page.ready()
    card = tab.locator('article[data-kind="dispute"][data-id="consular-access"]')
    expect(card).to_be_visible()
    after = stored(server, tokens["recorder"])
    assert len(after) == len(before) + 1
    event = after[-1]
    assert event["type"] == "dispute.raised" and event["occurred_at"] == "2025-05~"
    assert event["attributed_to"] == "ru" and event["raised_by"] == "ru" and event["recorded_by"] == "recorder-1"
    assert event["sources"] == [{"title": "Briefing by the spokeswoman", "url": "https://example.org/briefing",
                                 "reliability": "claimed", "quote": "We raised consular access."}]
    expect(tab.locator("#record-version")).to_contain_text(f"version {event['version']}")

    # Two events queued in the form are sent as one atomic batch.
    form.get_by_label("Event type").select_option("dispute.discussed")
    # The rounds offered are those in the record at the event's valid time.
    form.get_by_label("When it happened (valid time) (required)").fill("2025-02-27")
    expect(form.get_by_label("Round (required)").locator("option")).to_have_text(["— choose —", "First round (r1)"])
    form.get_by_label("When it happened (valid time) (required)").fill("2025-06-02")
    expect(form.get_by_label("Round (required)").locator("option")).to_have_count(3)
    form.get_by_label("Dispute (required)").select_option("consular-access")
    form.get_by_label("Round (required)").select_option("r2")
    form.get_by_role("button", name="Add to batch").click()
    form.get_by_label("Event type").select_option("dispute.deferred")
    form.get_by_label("When it happened (valid time) (required)").fill("2025-06-03")
    form.get_by_label("Dispute (required)").select_option("consular-access")
    form.get_by_role("button", name="Add to batch").click()
    tab.get_by_role("button", name="Record the 2 queued events as one batch").click()
    expect(form.locator("#record-message")).to_contain_text("Recorded: 2 events")
    page.ready()
    batch = stored(server, tokens["recorder"])[len(after):]
    assert [e["type"] for e in batch] == ["dispute.discussed", "dispute.deferred"]
    assert batch[1]["version"] == batch[0]["version"] + 1
    assert page.status("dispute", "consular-access") == "deferred"


def test_a_field_the_api_refuses_is_named_next_to_it_and_nothing_is_stored(log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["recorder"])
    form = page.tab.get_by_role("form", name="Record an event")
    before = stored(server, tokens["recorder"])
    form.get_by_label("Event type").select_option("dispute.raised")
    # A required field left empty is refused before anything is sent.
    form.get_by_role("button", name="Record this event").click()
    expect(form.locator("#record-message")).to_contain_text("Not sent: fill in occurred_at, dispute_id, title")
    expect(form.get_by_label("Title (required)")).to_have_attribute("aria-invalid", "true")

    form.get_by_label("When it happened (valid time) (required)").fill("2025-05-20")
    form.get_by_label("Dispute (required)").fill("Consular Access")  # not a key
    form.get_by_label("Title (required)").fill("Consular access")
    form.get_by_role("button", name="Record this event").click()
    key = form.get_by_label("Dispute (required)")
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(key).to_be_focused()
    expect(form.locator('[data-field="dispute_id"] .field-message')).to_contain_text("must be a key of 1-64 lowercase")
    expect(form.locator("#record-message")).to_contain_text("Not recorded (HTTP 422)")
    expect(form.get_by_label("Title (required)")).not_to_have_attribute("aria-invalid", "true")
    expect(form.locator("#record-message")).not_to_contain_text("Recorded:")
    assert stored(server, tokens["recorder"]) == before

    # An error in a source lands beside that source, counted as sent after one was removed.
    key.fill("consular-visits")
    form.get_by_role("button", name="Add a source").click()
    form.get_by_role("group", name="Source 1").get_by_label("Publisher").fill("TASS")
    form.get_by_role("button", name="Add a source").click()
    form.get_by_role("group", name="Source 2").get_by_label("Published").fill("2025-13-01")
    form.get_by_role("button", name="Remove source 1").click()
    expect(form.get_by_role("group", name="Source 2")).to_have_count(0)
    published = form.get_by_role("group", name="Source 1").get_by_label("Published")
    expect(published).to_have_value("2025-13-01")
    form.get_by_role("button", name="Record this event").click()
    expect(published).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_role("group", name="Source 1").locator(".field-message.bad")).to_contain_text("month 13")
    assert stored(server, tokens["recorder"]) == before

    # A batch is stored all or nothing: one bad event refuses both, and the list says which.
    for key_text in ("consular-visits", "Consular Visits"):
        form.get_by_label("Event type").select_option("dispute.raised")
        form.get_by_label("When it happened (valid time) (required)").fill("2025-05-20")
        form.get_by_label("Dispute (required)").fill(key_text)
        form.get_by_label("Title (required)").fill("Consular visits")
        form.get_by_role("button", name="Add to batch").click()
    tab = page.tab
    tab.get_by_role("button", name="Record the 2 queued events as one batch").click()
    queued = tab.locator("#record-batch .queued > li")
    expect(tab.locator("#record-batch .batch-message")).to_contain_text("Not recorded (HTTP 422): event 2 of the batch")
    expect(queued.nth(1).locator(".field-message.bad")).to_contain_text("dispute_id: must be a key")
    expect(queued.nth(0).locator(".field-message")).to_have_count(0)
    assert stored(server, tokens["recorder"]) == before


def fill_statement(form: Any, text: str) -> None:
    """The record form filled in for a statement by Maria Zakharova of Russia."""
    form.get_by_label("Event type").select_option("statement.issued")
    form.get_by_label("When it happened (valid time) (required)").fill("2025-05-21")
    speaker = form.get_by_role("group", name="Speaker")
    speaker.get_by_label("Name (required)").fill("Maria Zakharova")
    speaker.get_by_label("Participant").select_option("ru")
    form.get_by_label("Text (required)").fill(text)


def record_form(pages: Any, server: Any, token: str) -> tuple[Any, Any]:
    """A tab signed in with `token`, and its "Record an event" form."""
    page = signed_in(pages, server, token)
    return page, page.tab.get_by_role("form", name="Record an event")


def click_with_count(page: Any, button: Any, count: int) -> None:
    """One press of the mouse on `button`, as the `count`-th click of a run (2: a double click's second)."""
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    page.tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.tab.mouse.down(click_count=count)
    page.tab.mouse.up(click_count=count)


def test_a_double_click_or_a_retry_after_a_network_error_stores_once(log: tuple, pages: Any) -> None:
    server, tokens = log
    page, form = record_form(pages, server, tokens["recorder"])
    tab = page.tab
    before = stored(server, tokens["recorder"])
    sent: list[dict[str, str]] = []
    tab.on("request", lambda r: r.method == "POST" and sent.append(r.headers))

    fill_statement(form, "The talks go on.")
    form.get_by_role("button", name="Record this event").dblclick()
    expect(form.locator("#record-message")).to_contain_text("Recorded: Maria Zakharova")
    page.ready()
    assert len(stored(server, tokens["recorder"])) == len(before) + 1
    assert sent and all(h["if-match"] == f'"{len(before)}"' for h in sent)

    # The answer is lost on the way back: the retry sends the same key, and the API replays it.
    lost: list[str] = []

    def lose_the_answer(route: Any) -> None:
        if not lost:
            lost.append(route.request.headers["idempotency-key"])
            route.fetch()  # the service stores it...
            route.abort("connectionreset")  # ...and the page never hears back
        else:
            route.continue_()

    tab.route(f"**{EVENTS}", lose_the_answer)
    sent.clear()
    fill_statement(form, "Work continues on the embassies.")
    form.get_by_role("button", name="Record this event").click()
    expect(form.locator("#record-message")).to_contain_text("could not be reached")
    expect(form.locator("#record-message")).not_to_contain_text("Recorded:")
    form.get_by_role("button", name="Record this event").press("Enter")
    expect(form.locator("#record-message")).to_contain_text("Recorded: Maria Zakharova")
    page.ready()
    assert [h["idempotency-key"] for h in sent] == lost * 2
    texts = [e.get("text") for e in stored(server, tokens["recorder"])]
    assert texts.count("Work continues on the embassies.") == 1
    # The browser logs the reset this test made; nothing else went wrong.
    page.problems[:] = [p for p in page.problems if "ERR_CONNECTION_RESET" not in p]


def test_the_second_click_of_a_double_click_sends_nothing_when_the_answer_came_first(log: tuple, pages: Any) -> None:
    # On a busy machine the first click's answer can come back, and empty the form, before the
    # second click of the same double click arrives: that click must not send the empty form
    # ("Not sent: fill in ...") over the "Recorded" message, nor anything else.
    server, tokens = log
    page, form = record_form(pages, server, tokens["recorder"])
    before = stored(server, tokens["recorder"])
    fill_statement(form, "A double click, slowly.")
    button = form.get_by_role("button", name="Record this event")
    click_with_count(page, button, 1)
    expect(form.locator("#record-message")).to_contain_text("Recorded: Maria Zakharova")
    page.ready()
    click_with_count(page, button, 2)
    # The same message, and one event stored; a single click after it still checks the form.
    expect(form.locator("#record-message")).to_contain_text("Recorded: Maria Zakharova")
    expect(form.locator("#record-message")).not_to_contain_text("Not sent")
    assert len(stored(server, tokens["recorder"])) == len(before) + 1
    button.click()
    expect(form.locator("#record-message")).to_contain_text("Not sent: fill in")
    assert len(stored(server, tokens["recorder"])) == len(before) + 1


def test_a_409_shows_what_was_recorded_meanwhile_and_mine_can_be_re_applied(log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["recorder"])
    tab = page.tab
    form = tab.get_by_role("form", name="Record an event")
    form.get_by_label("Event type").select_option("dispute.raised")
    form.get_by_label("When it happened (valid time) (required)").fill("2025-06-01")
    form.get_by_label("Dispute (required)").fill("direct-flights")
    form.get_by_label("Title (required)").fill("Direct flights")
    # Meanwhile, someone else records.
    elsewhere = httpx.post(f"{server.url}{EVENTS}", headers={"Authorization": f"Bearer {tokens['recorder']}"},
                           json={"type": "statement.issued", "occurred_at": "2025-05-30", "text": "Recorded elsewhere",
                                 "speaker": {"name": "Tammy Bruce"}})
    assert elsewhere.status_code == 201
    form.get_by_role("button", name="Record this event").click()
    meanwhile = tab.get_by_role("group", name="Recorded meanwhile")
    expect(meanwhile).to_contain_text("If-Match expected version")
    expect(meanwhile.locator("li")).to_have_count(1)
    expect(meanwhile.locator("li")).to_contain_text("Tammy Bruce: “Recorded elsewhere”")
    assert stored(server, tokens["recorder"])[-1]["event_id"] == elsewhere.json()["event_id"]
    again = meanwhile.get_by_role("button", name=f"Re-apply mine on version {elsewhere.json()['version']}")
    expect(again).to_be_focused()
    again.press("Enter")
    expect(form.locator("#record-message")).to_contain_text("Recorded: Dispute raised: Direct flights")
    page.ready()
    last = stored(server, tokens["recorder"])[-1]
    assert last["type"] == "dispute.raised" and last["version"] == elsewhere.json()["version"] + 1
    expect(tab.locator('article[data-kind="dispute"][data-id="direct-flights"]')).to_be_visible()


def test_on_a_public_log_a_recorder_signs_in_to_record_and_opens_a_negotiation(
        tmp_path: Path, start_server: Any, pages: Any) -> None:
    db, tokens = prepared_log(tmp_path)
    server = start_server("--db", db, "--public-read")
    page = pages(server.url)
    tab = page.open(f"#n={NEGOTIATION}")
    expect(tab.locator("#session-text")).to_have_text("Reading without a token.")
    expect(tab.locator("#record")).to_be_hidden()
    expect(tab.get_by_role("button", name="Open a new negotiation")).to_be_hidden()
    tab.get_by_role("button", name="Use a token (to record)").click()
    expect(tab.get_by_role("heading", name="Use a token")).to_be_visible()
    tab.get_by_label("Bearer token").fill(tokens["recorder"])
    tab.get_by_label("Bearer token").press("Enter")
    page.ready()
    expect(tab.get_by_role("form", name="Record an event")).to_be_visible()

    tab.get_by_role("button", name="Open a new negotiation").click()
    form = tab.get_by_role("dialog").get_by_role("form", name="Open a new negotiation")
    form.get_by_label("When it happened (valid time) (required)").fill("2025-08-08")
    form.get_by_label("Title (required)").fill("Armenia–Azerbaijan peace talks")
    first = form.get_by_role("group", name="Participant 1")
    expect(first.get_by_label("Role (required)")).to_have_value("party")
    first.get_by_label("Key (required)").fill("am")
    first.get_by_label("Name (required)").fill("Armenia")
    form.get_by_role("button", name="Add a participant").click()
    second = form.get_by_role("group", name="Participant 2")
    expect(second.get_by_label("Key (required)")).to_be_focused()
    second.get_by_label("Key (required)").fill("az")
    second.get_by_label("Name (required)").fill("Azerbaijan")
    second.get_by_label("Role (required)").select_option("party")
    form.get_by_label("Format").select_option("bilateral")
    form.get_by_role("button", name="Open the negotiation").click()
    expect(tab.locator("#neg-title")).to_have_text("Armenia–Azerbaijan peace talks")
    page.ready()
    expect(tab.locator("#list a")).to_have_count(2)
    expect(tab.locator("#participants li")).to_have_count(2)
    opened = httpx.get(f"{server.url}/negotiations").json()["items"]
    assert sorted(n["title"] for n in opened)[0] == "Armenia–Azerbaijan peace talks"


UNNAMED = """() => [...document.querySelectorAll(
    '#record input, #record select, #record textarea, #record button, #record fieldset')]
  .filter((el) => el.tagName === 'FIELDSET' ? !el.querySelector('legend') || !el.querySelector('legend').textContent.trim()
    : !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
  .map((el) => el.outerHTML.slice(0, 120))"""


def test_every_event_types_form_names_each_control_and_marks_what_is_required(log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["recorder"])
    tab = page.tab
    schemas = httpx.get(f"{server.url}/openapi.json").json()["components"]["schemas"]
    mapping = schemas["Event"]["discriminator"]["mapping"]
    offered = tab.get_by_label("Event type").locator("option").all_inner_texts()
    assert sorted(offered) == sorted(set(mapping) - {"negotiation.opened", "record.corrected", "record.retracted",
                                                     "record.erased"})
    for kind in offered:
        tab.get_by_label("Event type").select_option(kind)
        schema = schemas[mapping[kind].split("/")[-1]]
        for field in set(schema["required"]) - {"type"}:
            marked = tab.locator(f'#record-fields [data-field="{field}"]').first
            expect(marked.locator(".required").first).to_have_text(" (required)")
        for list_field in ("sources", "members"):
            adder = tab.locator(f'#record-fields [data-field="{list_field}"] > p > button')
            if adder.count():
                adder.click()
        assert tab.evaluate(UNNAMED) == [], kind
    # The keyboard reaches the form and sends it: Tab moves in order, Enter submits.
    tab.get_by_label("Event type").select_option("negotiation.resumed")
    tab.get_by_label("Event type").focus()
    tab.keyboard.press("Tab")
    expect(tab.get_by_label("When it happened (valid time) (required)")).to_be_focused()
    tab.keyboard.type("2025-06-20")
    tab.keyboard.press("Tab")
    expect(tab.get_by_label("Reason")).to_be_focused()
    tab.keyboard.type("Talks resume")
    tab.keyboard.press("Tab")
    expect(tab.get_by_label("Whose claim is this?")).to_be_focused()
    before = len(stored(server, tokens["recorder"]))
    tab.get_by_label("When it happened (valid time) (required)").press("Enter")
    expect(tab.locator("#record-message")).to_contain_text("Recorded: Negotiation resumed: Talks resume")
    page.ready()
    assert len(stored(server, tokens["recorder"])) == before + 1
