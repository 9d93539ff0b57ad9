"""The negotiation log application: the one place where events are accepted and stored.

Each append is validated (outside the write lock), checked against its stream's aggregate,
and saved in one transaction together with its chain links, idempotency key and any
registered read-model hooks. `recorded_by` is the caller's principal, never the body's."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from domain.aggregate import Negotiation, merge_changes
from domain.errors import (
    DomainError, FieldError, IdempotencyKeyReused, NotFound, RuleViolation, ValidationFailed,
    VersionConflict,
)
from domain.event_types import SERVER_FIELDS, ValidatedEvent, validate_event, validate_opening
from domain.storage.database import Database
from domain.storage.log import EventLog
from domain.storage.writes import IdempotencyEntry, PendingWrite, TransactionHook
from domain.valid_time import format_utc

CORRECTION_TYPES = ("record.corrected", "record.retracted")
# How often an append without If-Match is re-checked when another process wrote to the
# same stream between our check and our insert, and the longest pause between attempts (the
# pause is random and grows, so racing processes stop colliding).
ATTEMPTS = 20
MAX_BACKOFF = 0.2


class _StreamMoved(Exception):
    """Another writer extended the stream first; check the append again."""


@dataclass(frozen=True)
class AppendRequest:
    principal: str
    events: Sequence[Any]
    negotiation_id: str | None = None  # None: the first event opens a new negotiation
    batch: bool = False  # errors name the event's index when the client sent an array
    expected_version: int | None = None
    idempotency_key: str | None = None
    request_hash: str = ""
    # Import keeps the file's negotiation and event ids, so corrections still find targets.
    preserve_ids: bool = False


@dataclass
class AppendResult:
    negotiation_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False  # answered from an earlier request with the same Idempotency-Key


def client_fields(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the client submitted it: without what the server added."""
    return {k: v for k, v in event.items() if k not in SERVER_FIELDS}


class NegotiationLog(Application[UUID]):
    name = "NegotiationLog"

    def __init__(self, env: dict[str, str] | None = None, hooks: Sequence[TransactionHook] = ()) -> None:
        super().__init__(env)
        self.database = Database(self.recorder)
        self.event_log = EventLog(self.database)
        self.hooks = list(hooks)
        with self.database.transaction(commit=True) as cursor:
            for hook in self.hooks:
                hook.create_tables(cursor, self.database.dialect)
        # Appends in one process are serialised: the aggregate cache is shared, and SQLite
        # has one writer anyway. Other processes are fenced off by the stream's unique
        # (id, version) key and the events table lock.
        self._write_lock = threading.Lock()
        self._last_recorded_at = datetime.min.replace(tzinfo=timezone.utc)

    # -- writing --------------------------------------------------------------------------

    def append(self, request: AppendRequest) -> AppendResult:
        validated, ids = self._validate(request)
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, min(MAX_BACKOFF, 0.005 * 2**attempt)))
            with self._write_lock:
                if request.idempotency_key:
                    earlier = self._earlier_result(request)
                    if earlier is not None:
                        return earlier
                try:
                    return self._append_validated(request, validated, ids)
                except _StreamMoved:
                    continue
        raise RuleViolation(f"negotiation {request.negotiation_id} kept changing while this append was "
                            "checked; retry", rule="concurrent-append")

    def _validate(self, request: AppendRequest) -> tuple[list[ValidatedEvent], list[str]]:
        if not request.events:
            raise ValidationFailed([FieldError("", "a batch must contain at least one event")])
        validated, ids = [], []
        for index, obj in enumerate(request.events):
            event_id = str(uuid.uuid4())
            if request.preserve_ids and isinstance(obj, dict):
                event_id = str(obj.get("event_id") or event_id)
                obj = client_fields(obj)
            opening = request.negotiation_id is None and index == 0
            try:
                validated.append(validate_opening(obj) if opening else validate_event(obj))
            except ValidationFailed as e:
                raise (e.at(index) if request.batch else e) from None
            ids.append(event_id)
        return validated, ids

    def _append_validated(self, request: AppendRequest, validated: list[ValidatedEvent],
                          ids: list[str]) -> AppendResult:
        recorded_at = self._stamp()
        stamp = format_utc(recorded_at)
        records: dict[tuple[str, int], dict[str, Any]] = {}
        pending: dict[str, dict[str, Any]] = {}
        index = 0
        try:
            if request.negotiation_id is None:
                negotiation_id = self._new_negotiation_id(request)
                record = self._build_record(validated[0], ids[0], stamp, request.principal)
                aggregate = Negotiation.open(validated[0], record, UUID(negotiation_id), recorded_at)
                records[(negotiation_id, 1)] = pending[ids[0]] = record
                index = 1
            else:
                negotiation_id = request.negotiation_id
                aggregate = self._load(negotiation_id)
                if request.expected_version is not None and aggregate.version != request.expected_version:
                    raise VersionConflict(request.expected_version, aggregate.version)
            for index in range(index, len(validated)):
                event = validated[index]
                record = self._build_record(event, ids[index], stamp, request.principal)
                target = self._target(negotiation_id, aggregate, event, pending)
                aggregate.record(event, record, recorded_at, target)
                records[(negotiation_id, aggregate.version)] = pending[ids[index]] = record
        except DomainError as e:
            self._evict(request.negotiation_id)
            raise (e.at(index) if request.batch and not isinstance(e, (NotFound, VersionConflict)) else e) from None
        write = PendingWrite(records=records, hooks=self.hooks, idempotency=[
            IdempotencyEntry(request.principal, request.idempotency_key, request.request_hash,
                             negotiation_id, tuple(ids), stamp)
        ] if request.idempotency_key else [])
        try:
            self.save(aggregate, nl_write=write)
        except IntegrityError:
            self._evict(negotiation_id)
            return self._after_conflict(request, negotiation_id)
        except BaseException:
            self._evict(negotiation_id)
            raise
        return AppendResult(negotiation_id, write.stored)

    def _build_record(self, event: ValidatedEvent, event_id: str, stamp: str, principal: str) -> dict[str, Any]:
        return {"event_id": event_id, **event.fields, **event.valid_time.as_fields(),
                "recorded_at": stamp, "recorded_by": principal}

    def _target(self, negotiation_id: str, aggregate: Negotiation, event: ValidatedEvent,
                pending: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        """The targeted event as it reads now (earlier corrections applied), if it belongs to
        this negotiation."""
        if event.type not in CORRECTION_TYPES:
            return None
        target_id = event.fields["target_event_id"]
        stored = pending.get(target_id) or self.event_log.by_event_id(target_id)
        if stored is None or stored.get("negotiation_id", negotiation_id) != negotiation_id:
            return None
        current = client_fields(stored)
        for changes in aggregate.knowledge.corrections.get(target_id, []):
            current = merge_changes(current, changes)
        return current

    def _stamp(self) -> datetime:
        # Recorded time never runs backwards within a process, so known_at cuts are clean.
        now = max(datetime.now(timezone.utc), self._last_recorded_at + timedelta(microseconds=1))
        self._last_recorded_at = now
        return now

    def _new_negotiation_id(self, request: AppendRequest) -> str:
        first = request.events[0]
        if request.preserve_ids and isinstance(first, dict) and first.get("negotiation_id"):
            try:
                return str(UUID(str(first["negotiation_id"])))
            except ValueError:
                raise ValidationFailed([FieldError("negotiation_id", "must be a UUID")]) from None
        return str(uuid.uuid4())

    def _load(self, negotiation_id: str) -> Negotiation:
        try:
            aggregate = self.repository.get(UUID(negotiation_id))
        except (AggregateNotFoundError, ValueError):
            raise NotFound(f"no negotiation {negotiation_id}", rule="negotiation-exists") from None
        assert isinstance(aggregate, Negotiation)
        return aggregate

    def _evict(self, negotiation_id: str | None) -> None:
        """A failed append may have mutated the cached aggregate: drop it, reload next time."""
        if negotiation_id and self.repository.cache is not None:
            try:
                self.repository.cache.get(UUID(negotiation_id), evict=True)
            except (KeyError, ValueError):
                pass

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
        row = self.database.query_one("SELECT MAX(version) AS v FROM nl_chain WHERE negotiation_id = ?",
                                      [negotiation_id])
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
