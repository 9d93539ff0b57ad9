"""Asserting an RFC 9457 problem answer."""

from __future__ import annotations

from typing import Any


def assert_problem(response: Any, status: int, *mentions: str, field: str | None = None) -> dict[str, Any]:
    """The problem body, once the status, the content type and the fields hold; `mentions`
    must appear in `detail`, and `field` (if given) must be named in `errors`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    for word in mentions:
        assert word in body["detail"], body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body
