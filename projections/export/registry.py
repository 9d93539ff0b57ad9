"""The export formats (docs/api.md §11): name → content type, file extension and renderer. HTTP,
the command line and the JSON Lines backup all look a format up here."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from projections.export import csv_table, ics, jsonl, plover, timelinejs
from projections.export.record import Record

Renderer = Callable[[Record], Iterator[str]]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    content_type: str
    extension: str
    render: Renderer
    whole_log: bool = False  # can write every negotiation at once (the others are about one)


FORMATS: Mapping[str, ExportFormat] = MappingProxyType({f.name: f for f in (
    ExportFormat("jsonl", "application/jsonl", "jsonl", jsonl.render, whole_log=True),
    ExportFormat("plover", "application/jsonl", "plover.jsonl", plover.render),
    ExportFormat("timelinejs", "application/json", "timeline.json", timelinejs.render),
    ExportFormat("csv", "text/csv; charset=utf-8", "csv", csv_table.render),
    ExportFormat("ics", "text/calendar; charset=utf-8", "ics", ics.render),
)})
NAMES = ", ".join(FORMATS)


class UnknownFormat(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown format {name[:40]!r}; formats: {NAMES}")


def export_format(name: str) -> ExportFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise UnknownFormat(name) from None
