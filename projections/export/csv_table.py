"""One row per fact, with a header row (CONTRACT §11): valid time and recorded time side by
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
    sources = fact.get("sources") or ()
    text_field = next((f for f in TEXT_FIELDS if isinstance(fact.get(f), str)), None)
    details = {k: v for k, v in fact.items() if k not in _IN_COLUMNS and k != text_field}
    computed = {"summary": headline(fact, names), "text": fact[text_field] if text_field else "",
                "approximate": bool(fact.get("approximate")), "uncertain": bool(fact.get("uncertain")),
                "corrected_by": " ".join(fact.get("corrected_by") or ()),
                "details": jsonfast.dumps(details).decode() if details else "", "source_count": len(sources)}
    for column, name in SOURCE_COLUMNS.items():
        computed[column] = "\n".join(_one_line(s.get(name)) for s in sources)
    get = fact.get
    return [_cell(computed[c] if c in computed else get(c)) for c in COLUMNS]


def _one_line(value: Any) -> str:
    # A line per source: a line break inside a value would shift the sources after it.
    return "" if value is None else " ".join(str(value).splitlines())


def _cell(value: Any) -> Any:
    if value.__class__ is str:
        return "'" + value if value[:1] in _FORMULA_STARTS else value
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return value
