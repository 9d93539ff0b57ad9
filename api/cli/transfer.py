"""Importing JSON Lines (what `negotiation-log export` writes): events are appended as a named
principal, keeping negotiation and event ids so that corrections still point at their
targets. Exports are renderers of projections.export."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from domain.application import AppendRequest, NegotiationLog
from domain.errors import DomainError
from domain.jsonfast import MAX_DEPTH, depth_exceeds

BATCH = 500


class ImportFailed(Exception):
    def __init__(self, line: int, detail: str, imported: int) -> None:
        super().__init__(f"line {line}: {detail}")
        self.line, self.imported = line, imported


@dataclass
class _Run:
    """Consecutive lines of one negotiation, appended as one atomic batch."""

    negotiation_id: str | None
    opens: bool
    first_line: int
    events: list[dict[str, Any]]


def _parse(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        too_deep = ImportFailed(number, f"nested more than {MAX_DEPTH} levels deep", 0)  # as over HTTP
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise ImportFailed(number, f"not JSON: {e.msg} at column {e.colno}", 0) from None
        except RecursionError:
            raise too_deep from None
        if depth_exceeds(obj, MAX_DEPTH):
            raise too_deep
        if not isinstance(obj, dict):
            raise ImportFailed(number, "each line must be one JSON object", 0)
        yield number, obj


def _runs(lines: Iterable[str]) -> Iterator[_Run]:
    run: _Run | None = None
    current: str | None = None  # lines without negotiation_id go to the last opened one
    for number, obj in _parse(lines):
        opens = obj.get("type") == "negotiation.opened"
        target = obj.get("negotiation_id") or (None if opens else current)
        if opens or run is None or target != run.negotiation_id or len(run.events) >= BATCH:
            if run is not None:
                yield run
            run = _Run(target, opens, number, [])
        run.events.append(obj)
        current = target
    if run is not None:
        yield run


def import_events(log: NegotiationLog, lines: Iterable[str], principal: str,
                  progress: Callable[[int], None] = lambda n: None) -> int:
    imported = 0
    opened_ids: dict[int, str] = {}
    for run in _runs(lines):
        negotiation_id = run.negotiation_id
        if not run.opens and negotiation_id is None:
            raise ImportFailed(run.first_line, "no negotiation_id and no negotiation.opened before it", imported)
        try:
            result = log.append(AppendRequest(
                principal=principal, events=run.events, batch=True, preserve_ids=True,
                negotiation_id=None if run.opens else negotiation_id))
        except DomainError as e:
            line = run.first_line + (e.index or 0)
            raise ImportFailed(line, e.detail.split(": ", 1)[-1] if e.index is not None else e.detail,
                               imported) from None
        opened_ids[run.first_line] = result.negotiation_id
        imported += len(result.events)
        progress(len(result.events))
    return imported
