"""The objects one running service shares between requests, built once by the factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from anyio import CapacityLimiter
from eventsourcing.persistence import PersistenceError

from domain.application import NegotiationLog
from domain.group_commit import GroupCommit
from domain.principals import Principals
from domain.storage.backend import eventsourcing_env

from projections.audit_index import AuditIndex
from projections.log_query import LogQueries
from projections.store.hook import ReadModelHook

from api.checkpoints import Checkpoints
from api.expensive_reads import ExpensiveReads
from api.live_head import LiveHead
from api.settings import Settings
from api.signing_key import key_path
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
    checkpoints: Checkpoints
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
                                lock_timeout=settings.lock_timeout, connect_timeout=settings.connect_timeout)
        audit_index, live = AuditIndex(), LiveHead(settings.feed_poll_seconds)
        log = NegotiationLog(env, hooks=[audit_index, live, ReadModelHook()])
        try:
            audit_index.catch_up(log.database, log.event_log)
        except PersistenceError:  # e.g. a read-only database: serve what there is
            logging.getLogger("negotiation_log").warning("the audit index could not be brought up to date",
                                                         exc_info=True)
        queries = LogQueries(log.event_log)
        live.watch(queries.head)
        return cls(settings=settings, log=log, principals=Principals(log.database),
                   writer=GroupCommit(log.append_many), queries=queries, live=live,
                   checkpoints=Checkpoints(log.event_log, key_path(settings.db, settings.signing_key)))

    def close(self) -> None:
        self.writer.close()
        self.live.close()
        self.log.close()
