"""One row per fact, with a header row (docs/api.md §11): valid time and recorded time side by
side, the entity keys in their own columns, the fact's main text, the rest of its fields as
JSON, and its sources flattened into one column per source field, a line per source. Pure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from domain import jsonfast

from projections.export.describe import headline, names_of
from projections.export.record import Record

COLUMNS = (
    "event_id", "negotiation_id", "version", "position", "type", "summary",
    "occurred_at", "occurred_from", "occurred_until", "approximate", "uncertain",
    "recorded_at", "recorded_by", "attributed_to", "corrected_by",
    "round_id", "dispute_id", "proposal_id", "commitment_id", "participant_id", "text", "details", "note",
    "source_count", "source_titles", "source_publishers", "source_urls", "source_published_at",
    "source_reliability", "source_quotes",
)
SOURCE_COLUMNS = {"source_titles": "title", "source_publishers": "publisher", "source_urls": "url",
                  "source_published_at": "published_at", "source_reliability": "reliability", "source_quotes": "quote"}
# The fact's own words, whichever field holds them for its type.
TEXT_FIELDS = ("text", "summary", "reason", "outcome", "description")
_IN_COLUMNS = frozenset(COLUMNS) | {"sources", "hash", "prev_hash", "retracted"}
_NO_SOURCES = [""] * len(SOURCE_COLUMNS)
# A cell starting with one of these is a formula to a spreadsheet: quoted with a leading
# apostrophe, which spreadsheets hide, so exported text can never run as one.
_FORMULA_STARTS = frozenset("=+-@\t\r")


def render(record: Record) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    names = names_of(record.negotiation)
    for fact in record.facts():
        writer.writerow(row(fact, names))
        if buffer.tell() >= 32 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def row(fact: Mapping[str, Any], names: Mapping[str, str]) -> list[Any]:
    """The cells of one fact, in COLUMNS order (the csv writer writes None as an empty cell)."""
    get = fact.get
    sources = get("sources") or ()
    text_field = next((f for f in TEXT_FIELDS if get(f).__class__ is str), None)
    details = {k: v for k, v in fact.items() if k not in _IN_COLUMNS and k != text_field}
    if sources:
        flattened = [_guard("\n".join(_one_line(s.get(name)) for s in sources)) for name in SOURCE_COLUMNS.values()]
    else:
        flattened = _NO_SOURCES
    return [
        get("event_id"), get("negotiation_id"), get("version"), get("position"), get("type"),
        _guard(headline(fact, names)), get("occurred_at"), get("occurred_from"), get("occurred_until"),
        "true" if get("approximate") else "false", "true" if get("uncertain") else "false",
        get("recorded_at"), _guard(get("recorded_by")), get("attributed_to"), " ".join(get("corrected_by") or ()),
        get("round_id"), get("dispute_id"), get("proposal_id"), get("commitment_id"), get("participant_id"),
        _guard(fact[text_field]) if text_field else "", jsonfast.dumps(details).decode() if details else "",
        _guard(get("note")), len(sources), *flattened,
    ]


def _one_line(value: Any) -> str:
    # A line per source: a line break inside a value would shift the sources after it.
    return "" if value is None else " ".join(str(value).splitlines())


def _guard(value: Any) -> Any:
    """Free text (keys, ids and times cannot start so): a formula start gets an apostrophe."""
    if value.__class__ is str and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value
