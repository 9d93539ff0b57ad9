"""The web page at `/` in a real browser: served from the package, opening on the demo with the
statuses the API gives, the date slider moving the whole page through valid time, a phone screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.browser import (  # noqa: F401 - browser, demo and pages are fixtures
    expect, NEGOTIATION, NO_CHROMIUM, TITLE, api_state, assert_page_matches_api, browser, demo, pages, save,
)
from tests.processes import Server

pytestmark = NO_CHROMIUM


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
