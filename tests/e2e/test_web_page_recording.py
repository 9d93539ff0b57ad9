"""Recording from the web page in a real browser: forms built from the served event schemas,
If-Match and Idempotency-Key on every write, field errors beside their fields, a 409 showing what
was recorded meanwhile, corrections with a diff, retractions, role-aware controls and the live
notice of events recorded elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.browser import (  # noqa: F401 - browser and pages are fixtures
    expect, NEGOTIATION, NO_CHROMIUM, browser, pages, prepared_log,
)
from tests.processes import Server

pytestmark = NO_CHROMIUM

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


def test_a_double_click_or_a_retry_after_a_network_error_stores_once(log: tuple, pages: Any) -> None:
    server, tokens = log
    page = signed_in(pages, server, tokens["recorder"])
    tab = page.tab
    form = tab.get_by_role("form", name="Record an event")
    before = stored(server, tokens["recorder"])
    sent: list[dict[str, str]] = []
    tab.on("request", lambda r: r.method == "POST" and sent.append(r.headers))

    def fill(text: str) -> None:
        form.get_by_label("Event type").select_option("statement.issued")
        form.get_by_label("When it happened (valid time) (required)").fill("2025-05-21")
        speaker = form.get_by_role("group", name="Speaker")
        speaker.get_by_label("Name (required)").fill("Maria Zakharova")
        speaker.get_by_label("Participant").select_option("ru")
        form.get_by_label("Text (required)").fill(text)

    fill("The talks go on.")
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
    fill("Work continues on the embassies.")
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
