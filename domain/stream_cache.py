"""The streams the application checks appends against: each negotiation's aggregate kept in
eventsourcing's cache, loaded from its snapshot and the events after it (or replayed), caught
up with what other processes stored, and dropped when it can no longer be trusted."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import EventStore, PersistenceError

from domain import snapshots
from domain.aggregate import Negotiation
from domain.appending import AppendRequest
from domain.errors import NotFound
from domain.storage.database import Database
from domain.storage.log import EventLog
from domain.storage.snapshots import StoredStream, read_snapshot

log = logging.getLogger("negotiation_log")
# Read ahead of the write lock: the version a cached stream was at, and the events stored after it.
Fresh = tuple[int, list[Any]]


class StreamCache:
    def __init__(self, repository: Repository[UUID], events: EventStore[UUID], database: Database,
                 event_log: EventLog) -> None:
        self.repository = repository
        self.events = events
        self.database = database
        self.event_log = event_log
        # Cached streams another process has written to since they were cached (an insert
        # collided with its events): caught up with just those events when next loaded.
        self._lagging: set[str] = set()
        # Streams whose snapshot is not to be read when they are next loaded: checking against
        # what it restored broke unexpectedly, so they are replayed from their events instead.
        self._distrusted: set[str] = set()

    def collided(self, negotiation_ids: Iterable[str]) -> None:
        """Another process stored events in these streams first. The repository's own
        fast-forward (PostgreSQL) reads them at the next load; otherwise `load` catches up."""
        if not self.repository.fastforward:
            self._lagging.update(negotiation_ids)

    def distrust(self, negotiation_ids: Iterable[str]) -> None:
        self._distrusted.update(negotiation_ids)

    def load(self, negotiation_id: str, fresh: dict[str, Fresh]) -> Negotiation:
        if negotiation_id in fresh or negotiation_id in self._lagging:
            # Before the repository's own fast-forward (PostgreSQL), which then finds nothing new.
            cached = self.cached(negotiation_id)
            if cached is not None:
                self.catch_up(cached, fresh)
        if self.cached(negotiation_id) is None:
            self._restore(negotiation_id)
        try:
            aggregate = self.repository.get(UUID(negotiation_id))
        except (AggregateNotFoundError, ValueError):
            raise NotFound(f"no negotiation {negotiation_id}", rule="negotiation-exists") from None
        assert isinstance(aggregate, Negotiation)
        return aggregate

    def _restore(self, negotiation_id: str) -> None:
        """Caches a stream that is not cached from its snapshot and the events stored after it,
        if it has a snapshot that can be trusted: of this shape, intact, taken after the event
        now stored at its version. Otherwise leaves it to the repository, which replays it."""
        if negotiation_id in self._distrusted:
            self._distrusted.discard(negotiation_id)
            return
        try:
            aggregate_id = UUID(negotiation_id)
        except ValueError:
            return
        found = read_snapshot(self.database, negotiation_id) if self.repository.cache is not None else None
        if found is None:
            return
        snapshot, stored_event_id = found
        try:
            if stored_event_id != snapshot.event_id:
                raise snapshots.Unusable(f"taken after event {snapshot.event_id}, but version {snapshot.version} "
                                         f"is {stored_event_id or 'not stored'}")
            restored = snapshots.restore(snapshot, StoredStream(self.event_log, negotiation_id, snapshot.version))
            aggregate = Negotiation.restored(aggregate_id, snapshot.version, restored.created_on,
                                             restored.modified_on, restored.workspace, restored.knowledge)
            for event in self.events.get(aggregate_id, gt=snapshot.version):
                event.mutate(aggregate)
        except PersistenceError:
            raise
        except Exception as e:  # an Unusable snapshot, or one the events after it contradict
            log.warning("negotiation %s: its snapshot is not used (%s); replaying its events", negotiation_id, e)
            return
        assert self.repository.cache is not None
        self.repository.cache.put(aggregate_id, aggregate)

    def cached(self, negotiation_id: str) -> Negotiation | None:
        try:
            aggregate = self.repository.cache.get(UUID(negotiation_id)) if self.repository.cache else None
        except (KeyError, ValueError):
            return None
        assert aggregate is None or isinstance(aggregate, Negotiation)
        return aggregate

    def read_ahead(self, requests: Iterable[AppendRequest]) -> dict[str, Fresh]:
        """Outside the write lock: for each cached stream that `requests` will find behind (its
        If-Match names another version, or another process is known to have written to it), the
        version it was cached at and the events stored after it."""
        fresh: dict[str, Fresh] = {}
        for request in requests:
            negotiation_id, expected = request.negotiation_id, request.expected_version
            if negotiation_id is None or negotiation_id in fresh:
                continue
            lagging = negotiation_id in self._lagging
            if expected is None and not lagging:
                continue
            try:
                aggregate = self.cached(negotiation_id)
                if aggregate is None:
                    continue
                # Racing the writer: if the aggregate moves on meanwhile, `catch_up` sees that
                # this read started past (or before) where it is and acts on what still applies.
                version = aggregate.version
                if version == expected and not lagging:
                    continue
                fresh[negotiation_id] = (version, list(self.events.get(aggregate.id, gt=version)))
            except PersistenceError:
                continue  # read again under the lock
        return fresh

    def catch_up(self, aggregate: Negotiation, fresh: dict[str, Fresh]) -> Negotiation:
        """Under the write lock: the cached aggregate with the events stored after its version,
        as read ahead if that read started at or before its version, else read now (only those)."""
        negotiation_id = str(aggregate.id)
        ahead = fresh.get(negotiation_id)
        if ahead is not None and ahead[0] <= aggregate.version:
            events: Iterable[Any] = [e for e in ahead[1] if e.originator_version > aggregate.version]
        else:
            events = self.events.get(aggregate.id, gt=aggregate.version)
        for event in events:
            event.mutate(aggregate)
        # Nothing newer was stored when the read was made: asking again in this turn of the
        # lock would only find what a racing process stores now, which its save will tell.
        fresh[negotiation_id] = (aggregate.version, [])
        self._lagging.discard(negotiation_id)
        return aggregate

    def evict(self, *negotiation_ids: str) -> None:
        """A failed append may have changed cached aggregates: drop them, reload next time."""
        for negotiation_id in negotiation_ids:
            self._lagging.discard(negotiation_id)
            if self.repository.cache is not None:
                try:
                    self.repository.cache.get(UUID(negotiation_id), evict=True)
                except (KeyError, ValueError):
                    pass
