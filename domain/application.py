"""The negotiation log application: the one place where events are accepted and stored.

Each append is validated (outside the write lock), checked against its stream's aggregate,
and saved in one transaction together with its chain links, idempotency key and any
registered read-model hooks. `recorded_by` is the caller's principal, never the body's."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import EventStore, IntegrityError, PersistenceError, Transcoder

from domain.appending import AppendRequest, AppendResult, Prepared, UnitOfWork
from domain.errors import DomainError, IdempotencyKeyReused, NotFound, RuleViolation, VersionConflict
from domain import snapshots
from domain.storage.database import Database
from domain.storage.files import create_private, sqlite_file
from domain.storage.log import EventLog
from domain.storage import upgrade_v1
from domain.storage.paged_events import PagedEventStore
from domain.storage.schema_lock import creating_tables
from domain.storage.transcoder import FastJSONTranscoder
from domain.storage.tree import TreeCache
from domain.storage.writes import PendingWrite, TransactionHook
from domain.stream_cache import Fresh, StreamCache
from domain.workspaces import WorkspaceIndex

__all__ = ["AppendRequest", "AppendResult", "NegotiationLog"]

# How often an append without If-Match is re-checked when another process wrote to the
# same stream between our check and our insert, and the longest pause between attempts (the
# pause is random and grows, so racing processes stop colliding).
log = logging.getLogger("negotiation_log")
ATTEMPTS = 20
MAX_BACKOFF = 0.2
# A stream's snapshot (domain.snapshots) is stored, in the append transaction, once it is
# SNAPSHOT_EVERY events behind the stream, or a SNAPSHOT_SHARE-th of its entries (the kept facts
# and entities) if that is more. Not on every append: taking one costs time in proportion to
# its entries, and taken every 200 events, the snapshot of a negotiation of 300,000 events of
# disputes and rounds (70,000 entries) took 189 of a 500-event batch's 339 ms, growing with
# the negotiation. Taken once per a tenth of its entries, it costs each event the time of ten
# entries, however large the negotiation. So a restart reads one snapshot and replays at most
# SNAPSHOT_EVERY events, or a tenth of the snapshot's entries (plus the rest of the batch that
# crossed the mark: at most 500 more): some milliseconds for a negotiation of statements, and
# for one of many entities a fraction of what reading its snapshot costs.
SNAPSHOT_EVERY = 200
SNAPSHOT_SHARE = 10


class _StreamMoved(Exception):
    """Another writer extended the stream first; check the append again."""


# An unexpected exception met while one request was checked or saved (a bug, or a resource
# failure such as a RecursionError) is that request's outcome alone, like a DomainError.
# Storage failures (PersistenceError) are the whole group's: the database is shared.
Outcome = AppendResult | DomainError | Exception


class NegotiationLog(Application[UUID]):
    name = "NegotiationLog"

    def __init__(self, env: dict[str, str] | None = None, hooks: Sequence[TransactionHook] = (),
                 upgrade_progress: Callable[[int, int], None] = lambda done, total: None) -> None:
        sqlite = sqlite_file((env or {}).get("SQLITE_DBNAME") or ":memory:")
        if sqlite is not None:  # before eventsourcing opens it, which would create it world-readable
            create_private(sqlite)
        # Replicas starting together on an empty database create the tables (and upgrade a v1
        # database) one at a time.
        with creating_tables(env or {}):
            super().__init__(env)
            self.database = Database(self.recorder)
            self.event_log = EventLog(self.database)
            # Who may see a negotiation is part of what is stored: every log keeps the index.
            self.workspaces = WorkspaceIndex()
            self.hooks = [self.workspaces, *hooks]
            self.tree = TreeCache()
            # Before the hooks: their catch-up reads events with their leaves.
            upgrade_v1.upgrade(self.database, upgrade_progress)
            with self.database.transaction(commit=True) as cursor:
                for hook in self.hooks:
                    hook.create_tables(cursor, self.database.dialect)
            self.workspaces.catch_up(self.database)
        # Appends in one process are serialised: the aggregate cache is shared, and SQLite
        # has one writer anyway. Other processes are fenced off by the stream's unique
        # (id, version) key and the events table lock.
        self._write_lock = threading.Lock()
        self.stream_cache = StreamCache(self.repository, self.events, self.database, self.event_log)
        self._last_recorded_at = datetime.min.replace(tzinfo=timezone.utc)

    def construct_event_store(self) -> EventStore[UUID]:
        return PagedEventStore(mapper=self.mapper, recorder=self.recorder)

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    # -- writing --------------------------------------------------------------------------

    def append(self, request: AppendRequest) -> AppendResult:
        [outcome] = self.append_many([request])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def append_many(self, requests: Sequence[AppendRequest]) -> list[Outcome]:
        """Group commit: the requests are checked in order, each against the streams as the
        earlier ones left them, and everything accepted is saved in one transaction (one
        fsync). A refused request, or one that fails unexpectedly, gets its error and leaves the
        others unaffected."""
        outcomes: list[Outcome | None] = [None] * len(requests)
        todo: list[tuple[int, Prepared]] = []
        for i, request in enumerate(requests):
            try:
                todo.append((i, Prepared.of(request)))
            except PersistenceError:
                raise
            except Exception as e:
                outcomes[i] = e
        for attempt in range(ATTEMPTS):
            if not todo:
                break
            if attempt:
                time.sleep(random.uniform(0, min(MAX_BACKOFF, 0.005 * 2**attempt)))
            fresh = self.stream_cache.read_ahead(prepared.request for _, prepared in todo)
            with self._write_lock:
                todo = self._commit_groups(todo, outcomes, fresh)
        for i, prepared in todo:
            outcomes[i] = RuleViolation(f"negotiation {prepared.request.negotiation_id} kept changing while "
                                        "this append was checked; retry", rule="concurrent-append")
        return outcomes  # type: ignore[return-value]

    def _commit_groups(self, todo: list[tuple[int, Prepared]], outcomes: list[Outcome | None],
                       fresh: dict[str, Fresh] | None = None) -> list[tuple[int, Prepared]]:
        """Commits `todo` in as few transactions as it can; returns what lost a race with
        another process and must be tried again."""
        retry: list[tuple[int, Prepared]] = []
        fresh = fresh or {}
        while todo:
            work = UnitOfWork(load=lambda nid: self.stream_cache.load(nid, fresh),
                              catch_up=lambda aggregate: self.stream_cache.catch_up(aggregate, fresh),
                              find_event=self.event_log.by_event_id)
            accepted: list[tuple[int, Prepared, str]] = []
            later: list[tuple[int, Prepared]] = []
            broken = False
            try:
                for at, (i, prepared) in enumerate(todo):
                    request = prepared.request
                    if request.erasure and (accepted or later):
                        later.append((i, prepared))  # an erasure is saved in a transaction of its own
                        continue
                    if request.idempotency_key:
                        if any(e.principal == request.principal and e.key == request.idempotency_key
                               for e in work.idempotency):
                            later.append((i, prepared))  # answered from the first once it is stored
                            continue
                        try:
                            outcomes[i] = self._earlier_result(request)
                        except DomainError as e:
                            outcomes[i] = e
                        if outcomes[i] is not None:
                            continue
                    try:
                        accepted.append((i, prepared, work.add(prepared, self._stamp())))
                    except PersistenceError:
                        raise
                    except DomainError as e:  # refused: `add` took back what it had applied
                        outcomes[i] = e
                        continue
                    except snapshots.Unusable as e:  # not the request's fault: check it again from the events
                        log.warning("negotiation %s: its snapshot is not used (%s); replaying its events",
                                    prepared.negotiation_id(), e)
                        broken = True
                        break
                    except Exception as e:  # broken: this request's own outcome
                        outcomes[i], broken = e, True
                        break
                    if request.erasure:
                        later += todo[at + 1:]
                        break
            except BaseException:
                # Storage failed while the group was checked (a lost connection): the aggregates
                # checked so far hold events that will never be saved, and the next save of
                # them would carry those too.
                self.stream_cache.evict(*work.aggregates)
                raise
            if broken:
                # What broke may have half-changed an aggregate that others share, beyond what
                # its journal knows: drop them all and check the rest again from the stored
                # events (a snapshot may be what broke it).
                self.stream_cache.evict(*work.aggregates)
                self.stream_cache.distrust(work.aggregates)
                todo = [(i, p) for i, p in todo if outcomes[i] is None]
                continue
            if accepted:
                retry += self._save(work, accepted, outcomes)
            else:
                work.finish()
            todo = later
        return retry

    def _save(self, work: UnitOfWork, accepted: list[tuple[int, Prepared, str]],
              outcomes: list[Outcome | None]) -> list[tuple[int, Prepared]]:
        write = PendingWrite(records=work.records, committed=work.committed, tree=self.tree, hooks=self.hooks,
                             idempotency=work.idempotency, erasures=work.erasures, snapshots=self._snapshots_due(work))
        try:
            self.save(*work.aggregates.values(), nl_write=write)
        except IntegrityError:
            # Nothing was stored: the cached streams are taken back to what they were, and the
            # retry reads only what another process may have stored since.
            self.stream_cache.collided(work.aggregates)
            work.roll_back()
            if len(accepted) > 1:  # find out which one collided by trying each alone
                return [(i, p) for i, p, _ in accepted]
            i, prepared, negotiation_id = accepted[0]
            try:
                outcomes[i] = self._after_conflict(prepared.request, negotiation_id)
            except _StreamMoved:
                return [(i, prepared)]
            except DomainError as e:
                outcomes[i] = e
            return []
        except PersistenceError:
            self.stream_cache.evict(*work.aggregates)
            raise
        except Exception as e:
            self.stream_cache.evict(*work.aggregates)
            if len(accepted) == 1:
                outcomes[accepted[0][0]] = e
                return []
            # Which request broke the save is unknown: each is saved on its own, so that only
            # the one that breaks it again fails.
            return [r for i, p, _ in accepted for r in self._commit_groups([(i, p)], outcomes)]
        except BaseException:
            self.stream_cache.evict(*work.aggregates)
            raise
        for snapshot in write.snapshots:
            work.aggregates[snapshot.negotiation_id].snapshot_at = snapshot.version
        work.finish()
        if write.frontier is not None:
            self.tree.committed(write.frontier)
        if work.erasures:
            self._after_erasure(work)
        stored = {e["event_id"]: e for e in write.stored}
        for i, prepared, negotiation_id in accepted:
            outcomes[i] = AppendResult(negotiation_id, [stored[x] for x in prepared.ids])
        return []

    @staticmethod
    def _snapshots_due(work: UnitOfWork) -> list[snapshots.Snapshot]:
        """Snapshots of the streams `work` takes SNAPSHOT_EVERY events or more past their last,
        and at least a SNAPSHOT_SHARE-th of a snapshot's entries.
        None with an erasure, whose transaction deletes its stream's snapshot instead."""
        if work.erasures:
            return []
        due = []
        for negotiation_id, aggregate in work.aggregates.items():
            record = work.records.get((negotiation_id, aggregate.version))
            behind = aggregate.version - aggregate.snapshot_at
            if record is None or behind < max(SNAPSHOT_EVERY, snapshots.entries(aggregate.knowledge) // SNAPSHOT_SHARE):
                continue
            try:
                due.append(snapshots.take(negotiation_id, aggregate.version, record["event_id"], aggregate.created_on,
                                          aggregate.modified_on, aggregate.workspace, aggregate.knowledge))
            except Exception:  # a snapshot only saves time: the appends are saved without it
                log.exception("negotiation %s: no snapshot taken at version %d", negotiation_id, aggregate.version)
        return due

    def _after_erasure(self, work: UnitOfWork) -> None:
        """The erased values are gone from the tables; this drops them from memory (the cached
        streams they were read into) and, on SQLite, from the WAL, whose older frames still
        hold the pages as they were."""
        self.stream_cache.evict(*work.aggregates)
        if not self.database.truncate_wal():
            log.warning("erasure: readers kept the WAL busy; it is truncated at its next checkpoint")

    def _stamp(self) -> datetime:
        # The time the aggregate's own events and idempotency keys carry. An event's
        # `recorded_at` is stamped later, under the write lock (domain.storage.writes), so that
        # it follows position order whichever process wrote.
        now = max(datetime.now(timezone.utc), self._last_recorded_at + timedelta(microseconds=1))
        self._last_recorded_at = now
        return now

    # -- idempotency ----------------------------------------------------------------------

    def _earlier_result(self, request: AppendRequest) -> AppendResult | None:
        row = self.database.query_one(
            "SELECT request_hash, negotiation_id, event_ids FROM nl_idempotency WHERE principal = ? AND key = ?",
            [request.principal, request.idempotency_key])
        if row is None:
            return None
        if row["request_hash"] != request.request_hash:
            raise IdempotencyKeyReused(
                f"Idempotency-Key '{request.idempotency_key}' was already used with a different request",
                rule="idempotency-key")
        events = self.event_log.by_event_ids(json.loads(row["event_ids"]))
        return AppendResult(row["negotiation_id"], events, replayed=True)

    def _after_conflict(self, request: AppendRequest, negotiation_id: str) -> AppendResult:
        """Another writer got there first: the same idempotent request (answer as it was),
        a concurrent append to the stream, or ids that are already stored (an import run twice)."""
        if request.idempotency_key:
            earlier = self._earlier_result(request)
            if earlier is not None:
                return earlier
        if request.negotiation_id is None:
            raise RuleViolation(f"negotiation {negotiation_id} or one of the event ids is already stored",
                                rule="ids-unique")
        if request.expected_version is not None:
            raise VersionConflict(request.expected_version, self.version(negotiation_id))
        if request.preserve_ids and self.event_log.by_event_ids([str(i) for i in self._ids_of(request)]):
            raise RuleViolation("one of the event ids is already stored", rule="ids-unique")
        raise _StreamMoved

    @staticmethod
    def _ids_of(request: AppendRequest) -> list[Any]:
        return [e.get("event_id") for e in request.events if isinstance(e, dict) and e.get("event_id")]

    # -- reading --------------------------------------------------------------------------

    def version(self, negotiation_id: str) -> int:
        row = self.database.query_one(
            f"SELECT MAX(originator_version) AS v FROM {self.database.events_table} WHERE originator_id = ?",
            [self.database.dialect.stream_id(negotiation_id)])
        return int(row["v"]) if row and row["v"] is not None else 0

    def stream(self, negotiation_id: str) -> list[dict[str, Any]]:
        try:
            events = self.event_log.stream(negotiation_id)
        except ValueError:  # not a UUID, so certainly not one of ours
            events = []
        if not events:
            raise NotFound(f"no negotiation {negotiation_id}", rule="negotiation-exists")
        return events

    def event(self, event_id: str) -> dict[str, Any]:
        event = self.event_log.by_event_id(event_id)
        if event is None:
            raise NotFound(f"no event {event_id}", rule="event-exists")
        return event
