"""The objects one running service shares between requests, built once by the factory."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

from anyio import CapacityLimiter
from eventsourcing.persistence import PersistenceError

from domain import log_meta
from domain.application import NegotiationLog
from domain.checkpoints import CheckpointSigner
from domain.group_commit import GroupCommit
from domain.log_proofs import LogProofs
from domain.principals import Principals
from domain.signing_key import key_path
from domain.verifications import Verifications
from domain.storage.backend import eventsourcing_env, is_postgres, postgres_connection

from projections.audit_index import AuditIndex
from projections.log_query import LogQueries
from projections.store.hook import ReadModelHook
from projections.store.shadow import LiveIndexNames
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex

from api.expensive_reads import ExpensiveReads
from api.head_notices import APPLICATION_NAME as LISTENER_NAME, HeadNotifier
from api.live_head import LiveHead
from api.metrics import Metrics
from api.settings import Settings
from api.stream_slots import StreamSlots

TOKEN_LOOKUPS = 8


@dataclass
class Services:
    settings: Settings
    log: NegotiationLog
    principals: Principals
    # HTTP appends go through group commit; the CLI's imports batch by themselves.
    writer: GroupCommit
    # The audit index and the live feed's wake-ups are kept in step with every append.
    queries: LogQueries
    live: LiveHead
    signer: CheckpointSigner
    proofs: LogProofs
    metrics: Metrics
    # Which events name each event as their target (GET /events/{id}'s corrections).
    targets: TargetIndex
    # Token lookups that miss the cache wait for the database a few at a time, in threads of
    # their own, so that a flood of unknown tokens cannot take every thread reads need.
    token_lookups: CapacityLimiter = field(default_factory=lambda: CapacityLimiter(TOKEN_LOOKUPS))
    streams: StreamSlots = field(init=False)
    expensive_reads: ExpensiveReads = field(init=False)

    def __post_init__(self) -> None:
        self.streams = StreamSlots(self.settings.max_streams_per_principal, self.settings.max_streams)
        self.expensive_reads = ExpensiveReads(self.settings.max_expensive_reads)

    @classmethod
    def open(cls, settings: Settings) -> Services:
        env = eventsourcing_env(settings.db, pool_size=settings.pool_size,
                                lock_timeout=settings.lock_timeout, connect_timeout=settings.connect_timeout,
                                password=settings.db_password)
        audit_index, targets, live = AuditIndex(), TargetIndex(), LiveHead(settings.feed_poll_seconds)
        timelines = TimelineIndex()
        # Index names as a rebuild left them (projections.store.shadow).
        log = NegotiationLog(env, hooks=[LiveIndexNames(audit_index), live, HeadNotifier(),
                                         LiveIndexNames(ReadModelHook()), Verifications(), targets,
                                         LiveIndexNames(timelines)],
                             upgrade_progress=_upgrade_progress)
        try:
            audit_index.catch_up(log.database, log.event_log)
        except PersistenceError:  # e.g. a read-only database: serve what there is
            logging.getLogger("negotiation_log").warning("the audit index could not be brought up to date",
                                                         exc_info=True)
        try:
            targets.catch_up(log.database)
        except (PersistenceError, ValueError, KeyError, TypeError):  # unusable until then: readers scan
            logging.getLogger("negotiation_log").warning("the target index could not be brought up to date",
                                                         exc_info=True)
        try:
            timelines.catch_up(log.database)
        except (PersistenceError, ValueError, KeyError, TypeError):  # unusable until then: readers replay
            logging.getLogger("negotiation_log").warning("the timeline index could not be brought up to date",
                                                         exc_info=True)
        queries = LogQueries(log.event_log)
        live.watch(queries.head)
        if is_postgres(settings.db):
            live.listen_with(lambda: postgres_connection(env, application_name=LISTENER_NAME))
        signer = CheckpointSigner(log.event_log, log_meta.ensure_origin(log.database, settings.origin),
                                  key_path(settings.db, settings.signing_key))
        return cls(settings=settings, log=log, principals=Principals(log.database),
                   writer=GroupCommit(log.append_many), queries=queries, live=live,
                   signer=signer, proofs=LogProofs(log.event_log, signer),
                   metrics=Metrics(log.database, log.recorder.datastore, live.subscriber_count),
                   targets=targets)

    def close(self) -> None:
        self.writer.close()
        self.live.close()
        self.log.close()


def _upgrade_progress(done: int, total: int) -> None:
    """Upgrading a v1 database happens once, at start, before the service logs anything."""
    if done == total or done % 100_000 < 1000:
        print(f"upgrading the log to the Merkle tree: {done}/{total} events", file=sys.stderr, flush=True)
