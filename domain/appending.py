"""What an append asks for and what it gets, and the unit of work that collects the checked
events of one or more appends until they are saved together in one transaction."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import random_pool
from domain.aggregate import Negotiation, merge_changes
from domain.erasure import ERASURE_TYPE
from domain.errors import DomainError, FieldError, NotFound, ValidationFailed, VersionConflict
from domain.event_types import SERVER_FIELDS
from domain.event_validation import ValidatedEvent, validate_event, validate_opening
from domain.leaves import b64url, committed_names, field_digests, new_salts
from domain.storage.writes import Committed, IdempotencyEntry
from domain.valid_time import format_utc
from domain.workspaces import Scope, admits

CORRECTION_TYPES = ("record.corrected", "record.retracted", "record.erased")


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
    # POST /negotiations/{id}/erasures: the one way a record.erased is recorded (an import
    # carries them too, with the events they erased already erased).
    erasure: bool = False
    # The workspaces the caller is limited to (None: all): a negotiation outside them is
    # answered as one that does not exist.
    scope: Scope = None


@dataclass
class AppendResult:
    negotiation_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False  # answered from an earlier request with the same Idempotency-Key


def new_event_ids(count: int) -> list[str]:
    """`count` time-ordered (version 7, RFC 9562) UUIDs as text: the Unix time in milliseconds,
    then the id's place in the request, then 62 random bits (domain.random_pool). Ids sort by
    the millisecond they were made in, and a request's in its order,
    so the index from event id to position (nl_leaves) grows at its end: with random ids each
    append wrote a random page of it, which at a million events is rarely in the cache."""
    millis = time.time_ns() // 1_000_000
    raw = random_pool.POOL.take(8 * count)
    ids = []
    for i in range(count):
        random_bits = int.from_bytes(raw[8 * i:8 * i + 8], "big") & _RAND_B
        h = f"{millis << 80 | _VERSION_7 | (i & 0xFFF) << 64 | _VARIANT | random_bits:032x}"
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids


_VERSION_7, _VARIANT, _RAND_B = 0x7 << 76, 0b10 << 62, (1 << 62) - 1


def _erased_before(obj: dict[str, Any]) -> list[str]:
    """The fields an exported event says were erased: an import stores it erased too."""
    names = obj.get("erased") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationFailed([FieldError("erased", "a list of field names")])
    return list(names)


def client_fields(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the client submitted it: without what the server added."""
    return {k: v for k, v in event.items() if k not in SERVER_FIELDS}


@dataclass
class Prepared:
    """A request whose events passed validation (no stream needed for that), with the ids
    they will be stored under."""

    request: AppendRequest
    events: list[ValidatedEvent]
    ids: list[str]
    erased: list[list[str]]  # per event: fields erased before it came (an import), else []

    @classmethod
    def of(cls, request: AppendRequest) -> Prepared:
        if not request.events:
            raise ValidationFailed([FieldError("", "a batch must contain at least one event")])
        events, ids, erased = [], [], []
        fresh = new_event_ids(len(request.events))
        for index, obj in enumerate(request.events):
            event_id, gone = fresh[index], []
            try:
                if request.preserve_ids and isinstance(obj, dict):
                    event_id = str(obj.get("event_id") or event_id)
                    gone = _erased_before(obj)
                    obj = client_fields(obj)
                opening = request.negotiation_id is None and index == 0
                event = validate_opening(obj) if opening else validate_event(obj, gone)
                if (event.type == ERASURE_TYPE) != request.erasure and not request.preserve_ids:
                    raise ValidationFailed([FieldError("type", "record.erased is recorded through POST "
                                                               "/negotiations/{id}/erasures (role admin)")])
            except ValidationFailed as e:
                raise (e.at(index) if request.batch else e) from None
            events.append(event)
            ids.append(event_id)
            erased.append(gone)
        return cls(request, events, ids, erased)

    def negotiation_id(self) -> str:
        request = self.request
        if request.negotiation_id is not None:
            return request.negotiation_id
        first = request.events[0]
        if request.preserve_ids and isinstance(first, dict) and first.get("negotiation_id"):
            try:
                return str(UUID(str(first["negotiation_id"])))
            except ValueError:
                raise ValidationFailed([FieldError("negotiation_id", "must be a UUID")]) from None
        return str(uuid.uuid4())


Savepoint = tuple[int, datetime, int, int]


@dataclass
class UnitOfWork:
    """Checked events of one or more appends, not yet saved. The aggregates it holds have
    been changed by those events. A refused request leaves no trace (`add` takes back what it
    did); if the whole work is abandoned, `roll_back` takes the aggregates back to what they
    were before it, and `finish` ends the journals once it is saved."""

    load: Callable[[str], Negotiation]
    # Brings a cached aggregate up to the stored stream (another process may have written).
    catch_up: Callable[[Negotiation], Negotiation]
    find_event: Callable[[str], dict[str, Any] | None]
    aggregates: dict[str, Negotiation] = field(default_factory=dict)
    records: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    committed: dict[tuple[str, int], Committed] = field(default_factory=dict)
    pending: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # by event id: (negotiation, record)
    idempotency: list[IdempotencyEntry] = field(default_factory=list)
    erasures: list[tuple[str, list[str]]] = field(default_factory=list)  # (target event id, field names)
    _requests: int = 0  # appends added so far: the events of each share a recorded time
    # Each aggregate as it was when the work took it (None: opened by the work).
    _origins: dict[str, Savepoint | None] = field(default_factory=dict)
    _kept: list[tuple[str, int]] = field(default_factory=list)  # keys of `records`, in order

    def add(self, prepared: Prepared, recorded_at: datetime) -> str:
        """Checks the request's events against their stream and adds them; returns the
        negotiation id. Raises DomainError (naming the batch index) if any is refused, having
        taken back whatever of the request it had applied."""
        request, stamp = prepared.request, format_utc(recorded_at)
        negotiation_id = prepared.negotiation_id()
        self._requests += 1
        before = self._savepoint(negotiation_id)
        index = 0
        try:
            if request.negotiation_id is None:
                record = self._record(prepared, 0)
                aggregate = Negotiation.open(prepared.events[0], record, UUID(negotiation_id), recorded_at)
                self._take(negotiation_id, aggregate, opened=True)
                self._keep(negotiation_id, aggregate, record)
                index = 1
            else:
                aggregate = self.aggregates.get(negotiation_id) or self.load(negotiation_id)
                if not admits(request.scope, aggregate.workspace):
                    raise NotFound(f"no negotiation {negotiation_id}", rule="negotiation-exists")
                if (request.expected_version is not None and aggregate.version != request.expected_version
                        and negotiation_id not in self.aggregates):
                    # The cached stream may lag behind another process's writes: read what is new.
                    aggregate = self.catch_up(aggregate)
                if negotiation_id not in self.aggregates:
                    self._take(negotiation_id, aggregate, opened=False)
                if request.expected_version is not None and aggregate.version != request.expected_version:
                    raise VersionConflict(request.expected_version, aggregate.version)
            for index in range(index, len(prepared.events)):
                event = prepared.events[index]
                record = self._record(prepared, index)
                aggregate.record(event, record, recorded_at, self._target(negotiation_id, aggregate, event),
                                 importing=request.preserve_ids)
                self._keep(negotiation_id, aggregate, record)
                if event.type == ERASURE_TYPE:
                    self.erasures.append((event.fields["target_event_id"], list(event.fields["fields"])))
        except DomainError as e:
            # Any other exception is not taken back: the caller drops every aggregate the work
            # took, since what broke may have changed one beyond what the journal knows.
            self._back_to(negotiation_id, before)
            raise (e.at(index) if request.batch and not isinstance(e, (NotFound, VersionConflict)) else e) from None
        if request.idempotency_key:
            self.idempotency.append(IdempotencyEntry(request.principal, request.idempotency_key,
                                                     request.request_hash, negotiation_id,
                                                     tuple(prepared.ids), stamp))
        return negotiation_id

    def roll_back(self) -> None:
        """Abandons the work (its save failed): every aggregate it took is as it was before,
        and those it opened are dropped."""
        for negotiation_id, origin in self._origins.items():
            if origin is not None:
                aggregate = self.aggregates[negotiation_id]
                aggregate.roll_back(origin)
                aggregate.knowledge.drop_journal()
        self.aggregates.clear()
        self._origins.clear()

    def finish(self) -> None:
        """The work is saved: its changes need no taking back."""
        for aggregate in self.aggregates.values():
            aggregate.knowledge.drop_journal()

    def _take(self, negotiation_id: str, aggregate: Negotiation, *, opened: bool) -> None:
        aggregate.knowledge.keep_journal()
        self._origins[negotiation_id] = None if opened else aggregate.savepoint()
        self.aggregates[negotiation_id] = aggregate

    def _savepoint(self, negotiation_id: str) -> tuple[Savepoint | None, int, int]:
        aggregate = self.aggregates.get(negotiation_id)
        return (None if aggregate is None else aggregate.savepoint()), len(self._kept), len(self.erasures)

    def _back_to(self, negotiation_id: str, before: tuple[Savepoint | None, int, int]) -> None:
        """Takes back what a refused request did: its events, what they taught the aggregate,
        and the stream itself if the request was the first of the work to take it."""
        savepoint, kept, erasures = before
        if savepoint is not None:
            self.aggregates[negotiation_id].roll_back(savepoint)
        elif negotiation_id in self.aggregates:
            aggregate = self.aggregates.pop(negotiation_id)
            origin = self._origins.pop(negotiation_id)
            if origin is not None:
                aggregate.roll_back(origin)
            aggregate.knowledge.drop_journal()
        while len(self._kept) > kept:
            key = self._kept.pop()
            record = self.records.pop(key)
            del self.committed[key]
            self.pending.pop(record["event_id"], None)
        del self.erasures[erasures:]

    def _record(self, prepared: Prepared, index: int) -> dict[str, Any]:
        """The event as it will be stored, but for what only the write step knows (its
        position, log_index and recorded time, stamped under the write lock)."""
        event = prepared.events[index]
        record = {"event_id": prepared.ids[index], **event.fields, **event.valid_time.as_fields(),
                  "recorded_by": prepared.request.principal}
        if prepared.erased[index]:
            record["erased"] = sorted(prepared.erased[index])
        return record

    def _keep(self, negotiation_id: str, aggregate: Negotiation, record: dict[str, Any]) -> None:
        key = (negotiation_id, aggregate.version)
        self.records[key] = record
        salts = new_salts(committed_names(record))
        # A field erased before the event came (an import) is committed as erased: a digest
        # no salt or value opens, as after an erasure here.
        erased = {name: b64url(os.urandom(32)) for name in record.get("erased", ())}
        self.committed[key] = Committed(salts, field_digests(record, salts), self._requests, erased)
        self.pending[record["event_id"]] = (negotiation_id, record)
        self._kept.append(key)

    def _target(self, negotiation_id: str, aggregate: Negotiation, event: ValidatedEvent) -> dict[str, Any] | None:
        """The targeted event as it reads now (earlier corrections applied), if it belongs to
        this negotiation."""
        if event.type not in CORRECTION_TYPES:
            return None
        target_id = event.fields["target_event_id"]
        owner, stored = self.pending.get(target_id) or (None, self.find_event(target_id))
        if stored is None or (owner or stored["negotiation_id"]) != negotiation_id:
            return None
        if event.type == ERASURE_TYPE:
            return stored  # erased where it is stored: as stored, with what was erased before
        current = client_fields(stored)
        for changes in aggregate.knowledge.corrections_of(target_id):
            current = merge_changes(current, changes)
        if stored.get("erased"):  # what is gone may be missing from what the correction is laid over
            current["erased"] = stored["erased"]
        return current
