"""What the web page tests share: a headless Debian chromium driven by Playwright (never a
downloaded browser), the demo served by a real `negotiation-log serve`, a page wrapper, and a
comparison of what the page shows with what the API answers. Test modules import the fixtures."""

from __future__ import annotations

import os
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

NO_CHROMIUM = pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
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
    tokens = {}
    for role in ("reader", "recorder"):
        created = run_cli("token", "create", f"{role}-1", "--role", role, "--db", db)
        tokens[role] = created.stdout.strip().splitlines()[-1]
    run_cli("import", str(DEMO), "--as", "demo", "--db", db)
    return db, tokens
