"""The web page says fuzzy dates as analysts write them (docs/api.md §11): "c. May 2025" for
2025-05~, "May 2025?" for 2025-05?, and an open end as "from ..."; the drawing stays on the
known dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.e2e.browser import (  # noqa: F401 - browser and pages are fixtures
    expect, NEGOTIATION, NO_CHROMIUM, browser, pages, prepared_log,
)

pytestmark = NO_CHROMIUM

FUZZY = [
    {"type": "statement.issued", "occurred_at": "2025-05~", "speaker": {"name": "Spokesperson"}, "text": "Soon."},
    {"type": "statement.issued", "occurred_at": "2025-05?", "speaker": {"name": "Diplomat"}, "text": "Maybe."},
    {"type": "statement.issued", "occurred_at": "2025-05-23/..", "speaker": {"name": "Envoy"}, "text": "Ongoing."},
]


def test_fuzzy_dates_read_c_may_2025_and_may_2025_question_mark(tmp_path: Path, start_server: Any,
                                                                 pages: Any) -> None:
    db, tokens = prepared_log(tmp_path)
    server = start_server("--db", db, "--public-read")
    stored = httpx.post(f"{server.url}/negotiations/{NEGOTIATION}/events", json=FUZZY,
                        headers={"Authorization": f"Bearer {tokens['recorder']}"})
    assert stored.status_code == 201, stored.text
    tab = pages(server.url).open(f"#n={NEGOTIATION}")
    when = {e["event_id"]: tab.locator(f'#events li[data-event-id="{e["event_id"]}"] .event-when')
            for e in stored.json()}
    first, second, third = stored.json()
    expect(when[first["event_id"]]).to_have_text("c. May 2025")
    expect(when[second["event_id"]]).to_have_text("May 2025?")
    expect(when[third["event_id"]]).to_have_text("from 23 May 2025")
    # The slider spans the known dates, not the open end's year 9999.
    assert int(tab.locator("#slider").get_attribute("max")) < 400
