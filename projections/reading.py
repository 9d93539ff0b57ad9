"""The one way the service reads the record: handed the viewer, it answers only what the
viewer may see (docs/api.md §7).

Routes, the fast paths, the live stream, exports and proofs all read through `Reading.as_seen_by`,
so the workspace filter is written once, here. For a token limited to workspaces, a negotiation
or event outside them is answered exactly as an unknown one (the same NotFound, raised before
anything else is read), and never appears in a list, page, feed, audit page, export, proof or
receipt. Global counters (positions, `log_index`, a page's `head`, tree sizes and roots, hash
tiles) are not secret: they say how much was recorded, not what, so they stay as they are, and
a limited viewer sees gaps in positions and log indexes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from domain.application import NegotiationLog
from domain import verifications
from domain.errors import NotFound
from domain.log_audit import verify_log
from domain.log_proofs import LogProofs
from domain.principals import Principal
from domain.workspaces import Scope

from projections.export.reading import Record, read_record
from projections.log_query import FeedPage, LogFilter, LogQueries, feed_page
from projections.store.queries import ReadModels
from projections.target_index import TargetIndex
from projections.timeline import TimelineFilter


class Reading:
    """Built once per service; `as_seen_by` gives a viewer's reads."""

    def __init__(self, log: NegotiationLog, queries: LogQueries, targets: TargetIndex, proofs: LogProofs) -> None:
        self.log, self.queries, self.targets, self.proofs = log, queries, targets, proofs
        self.models = ReadModels(log)

    def as_seen_by(self, viewer: Principal) -> ViewerReads:
        return ViewerReads(self, viewer.workspaces)


def unknown_negotiation(negotiation_id: str) -> NotFound:
    return NotFound(f"no negotiation {negotiation_id}", rule="negotiation-exists")


def unknown_event(event_id: str) -> NotFound:
    return NotFound(f"no event {event_id}", rule="event-exists")


class ViewerReads:
    def __init__(self, reading: Reading, scope: Scope) -> None:
        self._r, self.scope = reading, scope
        self._models = reading.models

    # -- what the viewer may see ------------------------------------------------------------

    def sees_negotiation(self, negotiation_id: str) -> bool:
        log = self._r.log
        return log.workspaces.admits(log.database, self.scope, negotiation_id)

    def sees_event(self, event_id: str) -> bool:
        if self.scope is None:
            return True
        event = self._r.log.event_log.by_event_id(event_id)
        return event is not None and self.sees_negotiation(event["negotiation_id"])

    def _negotiation(self, negotiation_id: str) -> None:
        if not self.sees_negotiation(negotiation_id):
            raise unknown_negotiation(negotiation_id)

    def _event(self, event_id: str) -> None:
        if not self.sees_event(event_id):
            raise unknown_event(event_id)

    def _scoped(self, flt: LogFilter) -> LogFilter:
        return flt if self.scope is None else dataclasses.replace(flt, scope=self.scope)

    # -- negotiations and their state -------------------------------------------------------

    def negotiation(self, negotiation_id: str, *, as_of: datetime | None = None,
                    known_at: datetime | None = None) -> dict[str, Any]:
        self._negotiation(negotiation_id)
        return self._models.negotiation(negotiation_id, as_of=as_of, known_at=known_at)

    def negotiations(self, after: int, limit: int, *, as_of: datetime | None = None,
                     known_at: datetime | None = None) -> dict[str, Any]:
        """A page of the negotiations the viewer sees, in opening order, open at the point."""
        return self._models.negotiation_page(after, limit, as_of=as_of, known_at=known_at, scope=self.scope)

    def entity(self, negotiation_id: str, kind: str, key: str, *, as_of: datetime | None = None,
               known_at: datetime | None = None) -> dict[str, Any]:
        self._negotiation(negotiation_id)
        return self._models.entity(negotiation_id, kind, key, as_of=as_of, known_at=known_at)

    def entities(self, negotiation_id: str, kind: str, **kwargs: Any) -> dict[str, Any]:
        self._negotiation(negotiation_id)
        return self._models.entities(negotiation_id, kind, **kwargs)

    def timeline(self, negotiation_id: str, wanted: TimelineFilter, *, limit: int = 100,
                 cursor: str | None = None) -> dict[str, Any]:
        self._negotiation(negotiation_id)
        return self._models.timeline(negotiation_id, wanted, limit=limit, cursor=cursor)

    def changes(self, negotiation_id: str, *, start: datetime | None, end: datetime | None,
                known_at: datetime | None) -> dict[str, Any]:
        self._negotiation(negotiation_id)
        return self._models.changes(negotiation_id, start=start, end=end, known_at=known_at)

    def record(self, negotiation_id: str, *, as_of: datetime | None = None,
               known_at: datetime | None = None) -> Record:
        """What an export renders, read (or refused) before anything is streamed."""
        self._negotiation(negotiation_id)
        return read_record(self._r.log, negotiation_id, as_of=as_of, known_at=known_at)

    # -- stored events ---------------------------------------------------------------------

    def event_with_corrections(self, event_id: str) -> dict[str, Any]:
        r = self._r
        event = r.log.event(event_id)  # read once: its negotiation says whether the viewer sees it
        if not self.sees_negotiation(event["negotiation_id"]):
            raise unknown_event(event_id)
        touching = r.targets.touching(r.log.event_log, event)
        if touching is None:  # the index is missing or behind the log: read the whole stream
            touching = [e for e in r.log.stream(event["negotiation_id"]) if e.get("target_event_id") == event_id]
        return {**event, "corrections": touching,
                "retracted": any(e["type"] == "record.retracted" for e in touching)}

    def inclusion(self, event_id: str, tree_size: int | None = None) -> dict[str, Any]:
        self._event(event_id)
        return self._r.proofs.inclusion(event_id, tree_size)

    def receipt(self, event_id: str) -> dict[str, Any]:
        self._event(event_id)
        return self._r.proofs.receipt(event_id)

    # -- the global log: the feed, the stream and the audit trail ---------------------------

    def head(self) -> int:
        return self._r.queries.head()

    def feed_page(self, flt: LogFilter, after: int, limit: int) -> FeedPage:
        return feed_page(self._r.queries, self._scoped(flt), after, limit)

    def audit_page(self, flt: LogFilter, after: int | None, limit: int, *, descending: bool,
                   upto: int) -> list[dict[str, Any]]:
        return self._r.queries.page(self._scoped(flt), after, limit, descending=descending, upto=upto)

    # -- the tree as a whole: global counters and hashes, the same for every viewer --------

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        return self._r.proofs.consistency(first, second)

    def tile(self, level: int, index: int, width: int | None) -> bytes:
        return self._r.proofs.tile(level, index, width)

    def verify(self, url: str) -> dict[str, Any]:
        """Re-checks the whole log, and keeps the time when it was good (for every process's metrics)."""
        log = self._r.log
        result = verify_log(log.event_log, signed=self._r.proofs.signer.last_signed(), url=url)
        verifications.record(log.database, result)
        return result
