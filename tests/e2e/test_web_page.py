"""The web page at `/`, in a real browser: Debian's chromium (never a downloaded one) driven by
Playwright, against real `negotiation-log serve` processes. What the page shows is checked
against what the API answers for the same point on both time axes."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.processes import Server, run_cli

sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extra: pip install -e '.[test]'")
expect = sync_api.expect

CHROMIUM = os.environ.get("NEGOTIATION_LOG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO = Path(__file__).parents[2] / "api" / "demo" / "istanbul-2025.jsonl"
NEGOTIATION = "5d0c2a4e-7f3b-4c1e-9a59-2b8f1e6d4a10"
TITLE = "Russia–US consultations on embassy operations"
KINDS = ("rounds", "disputes", "proposals", "commitments")
EXPECTED_ANSWER = "Failed to load resource: the server responded with a status of 4"
# Set to a directory (docs/) to also save the README's screenshot there as web-page.png.
SCREENSHOT_DIR = os.environ.get("NEGOTIATION_LOG_SCREENSHOT_DIR")

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
                                reason=f"no chromium at {CHROMIUM}: apt-get install -y chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`serve --demo`, as the README's first command runs it. Tests here only read from it."""
    server = Server("--demo", "--db", str(tmp_path_factory.mktemp("demo") / "demo.db"))
    yield server
    server.stop()


class Page:
    """A browser tab on the page, with what went wrong in it collected for the end of the test."""

    def __init__(self, browser: Any, base: str, width: int = 1366, height: int = 900) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.tab = self.context.new_page()
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.tab.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.tab.on("console", self._console)
        origin = urlsplit(base).netloc
        self.tab.on("request", lambda r: urlsplit(r.url).netloc != origin and r.url.startswith("http")
                    and self.foreign.append(r.url))

    def _console(self, message: Any) -> None:
        # The browser logs every 4xx the API answers (401, 404, 422); the page shows those itself.
        if message.type == "error" and not message.text.startswith(EXPECTED_ANSWER):
            self.problems.append(f"console: {message.text}")

    def open(self, fragment: str = "") -> Any:
        self.tab.goto(f"{self.base}/{fragment}")
        self.ready()
        return self.tab

    def ready(self) -> None:
        expect(self.tab.locator("body")).to_have_attribute("data-state", "ready")
        expect(self.tab.locator("main")).to_have_attribute("aria-busy", "false")

    def shown_at(self, as_of: str = "", known_at: str = "") -> None:
        """Waits until the page shows the state at that point on both axes."""
        main = self.tab.locator("main")
        expect(main).to_have_attribute("data-as-of", as_of)
        expect(main).to_have_attribute("data-known-at", known_at)
        self.ready()

    def status(self, kind: str, key: str) -> str | None:
        badge = self.tab.locator(f'article[data-kind="{kind}"][data-id="{key}"] .card-head .status')
        return badge.get_attribute("data-status")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def pages(browser: Any) -> Iterator[Any]:
    opened: list[Page] = []

    def open_page(base: str, **kwargs: Any) -> Page:
        page = Page(browser, base, **kwargs)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.close()
    for page in opened:
        assert page.problems == [], page.problems
        assert page.foreign == [], f"the page loaded something from elsewhere: {page.foreign}"


def api_state(base: str, headers: dict[str, str] | None = None, **axes: str) -> dict[str, dict[str, str]]:
    """Every entity's status, as the API answers at that point: {kind: {key: status}}."""
    answer: dict[str, dict[str, str]] = {}
    for plural in KINDS:
        page = httpx.get(f"{base}/negotiations/{NEGOTIATION}/{plural}", params=axes, headers=headers).json()
        key = f"{plural[:-1]}_id"
        answer[plural[:-1]] = {item[key]: item["status"] for item in page["items"]}
    return answer


def assert_page_matches_api(page: Page, expected: dict[str, dict[str, str]]) -> None:
    for kind, statuses in expected.items():
        shown = page.tab.locator(f'article[data-kind="{kind}"]')
        expect(shown).to_have_count(len(statuses))
        for key, status in statuses.items():
            assert page.status(kind, key) == status, (kind, key)
            badge = page.tab.locator(f'article[data-kind="{kind}"][data-id="{key}"] .card-head .status')
            expect(badge).to_have_text(status.replace("_", " "))


def save(page: Page, tmp_path: Path, name: str, readme: bool = False) -> Path:
    path = tmp_path / name
    page.tab.screenshot(path=str(path), full_page=False)
    if readme and SCREENSHOT_DIR:
        page.tab.screenshot(path=str(Path(SCREENSHOT_DIR) / "web-page.png"), full_page=False)
    assert path.stat().st_size > 10_000
    return path


def prepared_log(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A database holding the demo (imported, not served with --demo) and a token per role used."""
    db = str(tmp_path / "log.db")
    run_cli("import", str(DEMO), "--as", "demo", "--db", db)
    tokens = {}
    for role in ("reader", "recorder"):
        created = run_cli("token", "create", f"{role}-1", "--role", role, "--db", db)
        tokens[role] = created.stdout.strip().splitlines()[-1]
    return db, tokens


# ------------------------------------------------------------------------------------------------


def test_the_page_and_its_files_are_served_from_the_package_with_a_strict_policy(demo: Server) -> None:
    page = httpx.get(f"{demo.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    for name, media in (("app.js", "text/javascript"), ("style.css", "text/css"), ("favicon.svg", "image/svg+xml")):
        served = httpx.get(f"{demo.url}/web/{name}")
        assert served.status_code == 200 and served.headers["content-type"].startswith(media)
    # Nothing referenced outside the service: no CDN, no web fonts.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)
    etag = httpx.get(f"{demo.url}/web/app.js").headers["etag"]
    revalidated = httpx.get(f"{demo.url}/web/app.js", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert httpx.get(f"{demo.url}/web/app.py").status_code == 404
    assert httpx.get(f"{demo.url}/web/index.html").status_code == 404
    # The page is not an API operation: not in the OpenAPI document.
    assert "/" not in httpx.get(f"{demo.url}/openapi.json").json()["paths"]


def test_the_demo_opens_on_the_istanbul_talks_with_the_statuses_the_api_gives(
        demo: Server, pages: Any, tmp_path: Path) -> None:
    page = pages(demo.url)
    tab = page.open()
    expect(tab.locator("#neg-title")).to_have_text(TITLE)
    expect(tab.locator("#list a[aria-current=page]")).to_have_text(TITLE)
    assert_page_matches_api(page, api_state(demo.url))
    expect(tab.locator("#showing")).to_have_text("Showing the latest state, as the log knows it now.")

    participants = tab.locator("#participants li")
    expect(participants).to_have_text(["Russian Federation — party", "United States — party", "Türkiye — host"])
    r1 = tab.locator('article[data-kind="round"][data-id="r1"]')
    expect(r1).to_contain_text("US Consul General's residence, Istanbul, Türkiye")  # as corrected
    expect(r1).to_contain_text("at least 6 hours")
    r2 = tab.locator('article[data-kind="round"][data-id="r2"]')
    expect(r2).to_contain_text("Alexander Darchiev")
    expect(r2).to_contain_text("Sonata Coulter")
    expect(r2).to_contain_text("4–5 hours")
    expect(r2).to_contain_text("Russian Consulate General in Istanbul")
    property_dispute = tab.locator('article[data-kind="dispute"][data-id="diplomatic-property"]')
    expect(property_dispute.locator('.positions li[data-participant="ru"] .stance')).to_have_text("demand")
    expect(property_dispute.locator('.positions li[data-participant="us"]')).to_contain_text("no position recorded")
    proposal = tab.locator('article[data-kind="proposal"][data-id="direct-flights"]')
    expect(proposal).to_contain_text("No response recorded")
    expect(tab.locator('article[data-kind="statement"]')).to_have_count(2)

    timeline = httpx.get(f"{demo.url}/negotiations/{NEGOTIATION}/timeline").json()["items"]
    expect(tab.locator("#events > li")).to_have_count(len(timeline))
    first = tab.locator("#events > li").first
    expect(first).to_have_attribute("data-event-id", timeline[0]["event_id"])
    expect(first).to_contain_text("recorded by demo")
    # The drawing: one span per round, marks coloured by kind, nothing after the (absent) date.
    expect(tab.locator("#timeline svg g.span")).to_have_count(2)
    expect(tab.locator("#timeline svg g.mark.kind-dispute").first).to_be_visible()
    expect(tab.locator("#timeline svg g.mark.later")).to_have_count(0)
    save(page, tmp_path, "web-page-latest.png")


def test_the_slider_shows_round_two_not_yet_held_the_day_before_and_concluded_after(
        demo: Server, pages: Any, tmp_path: Path) -> None:
    page = pages(demo.url, height=1200)
    tab = page.open()
    slider = tab.locator("#slider")
    slider.focus()
    slider.press("End")
    # Back a day at a time with the arrow keys, to 9 April 2025.
    for _ in range(120):
        if tab.locator("#as-of").input_value() == "2025-04-09":
            break
        slider.press("ArrowLeft")
    page.shown_at(as_of="2025-04-09")
    expect(tab.locator("#slider-output")).to_have_text("9 April 2025")
    assert slider.get_attribute("aria-valuetext") == "9 April 2025"
    assert page.status("round", "r2") == "scheduled"
    assert page.status("round", "r1") == "concluded"
    assert_page_matches_api(page, api_state(demo.url, as_of="2025-04-09"))
    r2 = tab.locator('article[data-kind="round"][data-id="r2"]')
    expect(r2).not_to_contain_text("Alexander Darchiev")
    expect(r2.locator("dt", has_text="Held")).to_have_count(0)
    expect(tab.locator("#showing")).to_contain_text("Showing the state on 9 April 2025")
    expect(tab.locator('#timeline g.span[data-round="r2"]')).to_have_class(re.compile(r"\bplanned\b"))
    expect(tab.locator("#timeline g.mark.later").first).to_be_visible()
    assert "as_of=2025-04-09" in tab.url
    slider.blur()
    save(page, tmp_path, "web-page-2025-04-09.png", readme=True)

    slider.press("ArrowRight")
    page.shown_at(as_of="2025-04-10")
    assert page.status("round", "r2") == "concluded"
    assert_page_matches_api(page, api_state(demo.url, as_of="2025-04-10"))
    expect(tab.locator('#timeline g.span[data-round="r2"]')).not_to_have_class(re.compile(r"\bplanned\b"))

    slider.press("PageDown")  # a week back
    page.shown_at(as_of="2025-04-03")

    # The date field does the same, and the address can be shared.
    tab.fill("#as-of", "2025-04-09")
    tab.press("#as-of", "Enter")
    page.shown_at(as_of="2025-04-09")
    assert page.status("round", "r2") == "scheduled"
    other = pages(demo.url)
    other.open(f"#n={NEGOTIATION}&as_of=2025-04-09")
    other.shown_at(as_of="2025-04-09")
    assert other.status("round", "r2") == "scheduled"

    tab.click("#as-of-latest")
    page.shown_at(as_of="")
    assert page.status("round", "r2") == "concluded"


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


def test_the_page_fits_a_phone_screen(demo: Server, pages: Any, tmp_path: Path) -> None:
    page = pages(demo.url, width=390, height=844)
    tab = page.open()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    slider = tab.locator("#slider")
    slider.focus()
    slider.press("Home")
    page.shown_at(as_of=tab.locator("#as-of").input_value())
    expect(tab.locator("#absent")).to_be_visible()  # before the talks opened
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    tab.click("#as-of-latest")
    page.shown_at()
    tab.locator("#rounds-title").scroll_into_view_if_needed()
    save(page, tmp_path, "web-page-phone.png")
