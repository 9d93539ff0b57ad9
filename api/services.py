"""The objects one running service shares between requests, built once by the factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eventsourcing.persistence import PersistenceError

from domain.application import NegotiationLog
from domain.group_commit import GroupCommit
from domain.principals import Principals
from domain.verifications import Verifications
from domain.storage.backend import eventsourcing_env, is_postgres, postgres_connection

from projections.audit_index import AuditIndex
from projections.log_query import LogQueries
from projections.store.hook import ReadModelHook
from projections.store.shadow import LiveIndexNames

from api.checkpoints import Checkpoints
from api.head_notices import APPLICATION_NAME as LISTENER_NAME, HeadNotifier
from api.live_head import LiveHead
from api.metrics import Metrics
from api.settings import Settings
from api.signing_key import key_path


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
    metrics: Metrics

    @classmethod
    def open(cls, settings: Settings) -> Services:
        env = eventsourcing_env(settings.db, pool_size=settings.pool_size,
                                lock_timeout=settings.lock_timeout, connect_timeout=settings.connect_timeout,
                                password=settings.db_password)
        audit_index, live = AuditIndex(), LiveHead(settings.feed_poll_seconds)
        # Index names as a rebuild left them (projections.store.shadow).
        log = NegotiationLog(env, hooks=[LiveIndexNames(audit_index), live, HeadNotifier(),
                                         LiveIndexNames(ReadModelHook()), Verifications()])
        try:
            audit_index.catch_up(log.database, log.event_log)
        except PersistenceError:  # e.g. a read-only database: serve what there is
            logging.getLogger("negotiation_log").warning("the audit index could not be brought up to date",
                                                         exc_info=True)
        queries = LogQueries(log.event_log)
        live.watch(queries.head)
        if is_postgres(settings.db):
            live.listen_with(lambda: postgres_connection(env, application_name=LISTENER_NAME))
        return cls(settings=settings, log=log, principals=Principals(log.database),
                   writer=GroupCommit(log.append_many), queries=queries, live=live,
                   checkpoints=Checkpoints(log.event_log, key_path(settings.db, settings.signing_key)),
                   metrics=Metrics(log.database, log.recorder.datastore, live.subscriber_count))

    def close(self) -> None:
        self.writer.close()
        self.live.close()
        self.log.close()
