"""The events as stored, one JSON object a line, envelope and hashes included (the v1 export,
and what `negotiation-log import` reads back). Pure."""

from __future__ import annotations

from collections.abc import Iterator

from domain import jsonfast

from projections.export.record import Record


def render(record: Record) -> Iterator[str]:
    for event in record.events():
        yield jsonfast.dumps(event).decode() + "\n"
