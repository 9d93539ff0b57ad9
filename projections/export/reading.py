"""Reading one negotiation's record for an export: the one function every format reads
through (HTTP, the command line), so that what an export may show is decided in one place.

Memory stays flat however long the negotiation: its stored events are read a page at a time
(cut at the position the negotiation had at `known_at`, so pages read while others append
still form one consistent record), after one pass over the index collects the corrections and
retractions by target; rounds come one at a time, each from its own events or stored view."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from domain import jsonfast
from domain.application import NegotiationLog
from domain.errors import NotFound

from projections.export.erased import as_displayed
from projections.export.record import Record
from projections.export.selection import facts_at, known, stored_at
from projections.replay import corrections_by_target
from projections.store.loading import events_at, rows
from projections.store.queries import ReadModels
from projections.store.schema import micros

KEY_PAGE = 1000
EVENT_PAGE = 1000  # events read at a time


def read_record(log: NegotiationLog, negotiation_id: str, *, as_of: datetime | None = None,
                known_at: datetime | None = None) -> Record:
    """Raises NotFound for an unknown negotiation, or one not open (or not yet recorded) at
    the point, before anything is streamed."""
    models = ReadModels(log)
    negotiation = models.negotiation(negotiation_id, as_of=as_of, known_at=known_at)
    upto = int(negotiation["position"])
    dialect = log.database.dialect
    where = "f.negotiation_id = ? AND f.position <= ? AND f.target_position IS NOT NULL "
    params: list[Any] = [negotiation_id, upto]
    if known_at is not None:
        where += "AND f.recorded_us <= ? "
        params.append(micros(known_at))
    with log.database.transaction(commit=False) as cursor:
        corrections = corrections_by_target(events_at(cursor, dialect, where, params))
        [last] = events_at(cursor, dialect, "f.position = ?", [upto])

    def stored() -> Iterator[dict[str, Any]]:
        pages = log.event_log.stream_pages(negotiation_id, upto=upto, page=EVENT_PAGE)
        return known((e for page in pages for e in page), known_at)

    def rounds() -> Iterator[dict[str, Any]]:
        if as_of is None and known_at is None:  # the stored views, a page at a time
            yield from _stored_rounds(log, negotiation_id)
            return
        for key in _round_keys(log, negotiation_id, upto):
            try:
                yield models.entity(negotiation_id, "round", key, as_of=as_of, known_at=known_at)
            except NotFound:  # not yet in being at `as_of`
                continue

    return Record(negotiation, events=lambda: stored_at(stored(), corrections, as_of),
                  facts=lambda: map(as_displayed, facts_at(stored(), corrections, as_of)), rounds=rounds,
                  as_of=as_of, known_at=known_at, recorded_until=last["recorded_at"])


def _keyed_pages(log: NegotiationLog, select: str, where: str, params: list[Any]) -> Iterator[Mapping[str, Any]]:
    """Rows of a table in key order, KEY_PAGE at a time; `select` names `key` (as {key})."""
    dialect = log.database.dialect
    # Keys sort byte-wise on both backends (PostgreSQL's default collation would not).
    key = 'key COLLATE "C"' if dialect.name == "postgres" else "key"
    after = ""
    while True:
        with log.database.transaction(commit=False) as cursor:
            found = rows(cursor, dialect, select.format(key=key) + f" WHERE {where} AND {key} > ? ORDER BY {key} LIMIT ?",
                         [*params, after, KEY_PAGE])
        yield from found
        if len(found) < KEY_PAGE:
            return
        after = found[-1]["key"]


def _round_keys(log: NegotiationLog, negotiation_id: str, upto: int) -> Iterator[str]:
    for row in _keyed_pages(log, "SELECT DISTINCT {key} AS key FROM nl_read_touches",
                            "negotiation_id = ? AND kind = 'round' AND position <= ?", [negotiation_id, upto]):
        yield row["key"]


def _stored_rounds(log: NegotiationLog, negotiation_id: str) -> Iterator[dict[str, Any]]:
    for row in _keyed_pages(log, "SELECT {key} AS key, position, body FROM nl_read_models",
                            "negotiation_id = ? AND kind = 'round'", [negotiation_id]):
        yield {**jsonfast.loads(row["body"]), "position": int(row["position"])}
