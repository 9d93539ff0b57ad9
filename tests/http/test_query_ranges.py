"""Time and cursor parameters at and beyond their ranges: an answer or a 422 naming the
parameter, never a 500. Years run 0001-9999 (the parser's range); cursor integers fit in 64
bits (what SQLite and PostgreSQL store)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer

INT64_MAX = 2**63 - 1

# Inside the range: answered.
ANSWERED = [
    "changes?from=0001", "changes?from=0001-01-01", "changes?from=0001-01-01T00:00:00Z",
    "changes?from=9999-12-31T23:59:59.999999Z", "changes?to=9999", "changes?from=0001&to=9999",
    "changes?as_of=0001-01-01T00:00:00Z", "changes?known_at=9999", "timeline?from=0001&to=9999",
    "timeline?as_of=0001-01-01T00:00:00Z&known_at=9999-12-31T23:59:59.999999Z",
    "rounds?as_of=0001&known_at=9999", "disputes/x?as_of=9999",
    f"rounds?cursor={INT64_MAX}.a", f"rounds?cursor=-{INT64_MAX + 1}.a", f"timeline?cursor={INT64_MAX}.1",
]
# Beyond it: 422 naming the parameter.
REFUSED = [
    ("changes?from=0000", "from"), ("changes?to=10000", "to"),
    ("changes?from=0001-01-01T00:00:00%2B00:01", "from"), ("timeline?to=9999-12-31T23:59:59-00:01", "to"),
    ("rounds?as_of=0001-01-01T00:00:00%2B01:00", "as_of"), ("rounds?known_at=9999-12-31T23:59-01:00", "known_at"),
    (f"rounds?cursor={INT64_MAX + 1}.a", "cursor"), ("rounds?cursor=9999999999999999999.a", "cursor"),
    (f"rounds?cursor=-{INT64_MAX + 2}.a", "cursor"), ("proposals?cursor=-9999999999999999999.a", "cursor"),
    (f"timeline?cursor={INT64_MAX + 1}.1", "cursor"), ("timeline?cursor=1.99999999999999999999", "cursor"),
]
GLOBAL_REFUSED = [
    ("/audit?since=0000", "since"), ("/audit?until=10000", "until"), ("/events?after=9999999999999999999", "after"),
    ("/audit?cursor=9999999999999999999", "cursor"), ("/negotiations?cursor=9999999999999999999", "cursor"),
    ("/negotiations?as_of=0001-01-01T00:00:00%2B01:00", "as_of"),
]
GLOBAL_ANSWERED = ["/audit?since=0001&until=9999", f"/events?after={10**18 - 1}",
                   "/negotiations?as_of=0001&known_at=9999", f"/audit?cursor={10**18 - 1}&order=desc"]


@pytest.fixture
def reader(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["admin"])


def test_times_and_cursors_at_the_ends_of_their_ranges_are_answered(client: TestClient, negotiation: str,
                                                                    reader: dict) -> None:
    for query in ANSWERED:
        response = client.get(f"/negotiations/{negotiation}/{query}", headers=reader)
        assert response.status_code in (200, 404), (query, response.text)
    for path in GLOBAL_ANSWERED:
        assert client.get(path, headers=reader).status_code == 200, path


def test_times_and_cursors_beyond_their_ranges_are_422_naming_the_parameter(client: TestClient, negotiation: str,
                                                                            reader: dict) -> None:
    for path, field in [(f"/negotiations/{negotiation}/{q}", f) for q, f in REFUSED] + GLOBAL_REFUSED:
        response = client.get(path, headers=reader)
        assert response.status_code == 422, (path, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], path
