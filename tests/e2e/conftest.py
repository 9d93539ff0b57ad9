"""Fixtures for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sse_client import EventStream


@pytest.fixture
def streams() -> Iterator[Any]:
    """Opens `GET /events/stream` readers; closes them after the test."""
    opened: list[EventStream] = []

    def open_stream(url: str, headers: dict[str, str], **params: Any) -> EventStream:
        stream = EventStream(url, headers, params)
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()
