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
from domain.principals import Principal, Principals
from domain.signing_key import key_path
from domain.stream_tickets import StreamTickets
from domain.verifications import Verifications
from domain.storage.backend import eventsourcing_env, is_postgres, postgres_connection

from projections.log_query import LogQueries
from projections.reading import Reading
from projections.store.hook import ReadModelHook
from projections.store.shadow import LiveIndexNames
from projections.target_index import TargetIndex
from projections.timeline_index import TimelineIndex

from api.expensive_reads import ExpensiveReads
from api.identity_tokens import ClaimNames, IdentityTokens, KeySet
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
    # Pages of the audit and the feed; the live feed's wake-ups, kept in step with every append.
    queries: LogQueries
    live: LiveHead
    signer: CheckpointSigner
    proofs: LogProofs
    metrics: Metrics
    # Which events name each event as their target (GET /events/{id}'s corrections).
    targets: TargetIndex
    # One-use tickets that open a live stream for clients that cannot send a header (EventSource).
    tickets: StreamTickets
    # JWT access tokens from an identity provider; None unless a JWKS is configured.
    identity: IdentityTokens | None = None
    # Token lookups that miss the cache wait for the database a few at a time, in threads of
    # their own, so that a flood of unknown tokens cannot take every thread reads need.
    token_lookups: CapacityLimiter = field(default_factory=lambda: CapacityLimiter(TOKEN_LOOKUPS))
    streams: StreamSlots = field(init=False)
    expensive_reads: ExpensiveReads = field(init=False)
    # The one way routes read the record: `reading.as_seen_by(principal)` (projections.reading).
    reading: Reading = field(init=False)
    # Who a request without a token is, with public reads: a reader of the public workspaces.
    anonymous: Principal = field(init=False)

    def __post_init__(self) -> None:
        public = self.settings.public_workspaces
        self.anonymous = Principal("anonymous", "reader", None if public is None else frozenset(public))
        self.reading = Reading(self.log, self.queries, self.targets, self.proofs)
        self.streams = StreamSlots(self.settings.max_streams_per_principal, self.settings.max_streams)
        self.expensive_reads = ExpensiveReads(self.settings.max_expensive_reads)

    @classmethod
    def open(cls, settings: Settings) -> Services:
        identity = identity_tokens(settings)  # first: a bad JWKS is refused before anything is opened
        env = eventsourcing_env(settings.db, pool_size=settings.pool_size,
                                lock_timeout=settings.lock_timeout, connect_timeout=settings.connect_timeout,
                                password=settings.db_password)
        targets, live = TargetIndex(), LiveHead(settings.feed_poll_seconds)
        timelines = TimelineIndex()
        # Index names as a rebuild left them (projections.store.shadow).
        log = NegotiationLog(env, hooks=[live, HeadNotifier(),
                                         LiveIndexNames(ReadModelHook()), Verifications(), targets,
                                         LiveIndexNames(timelines)],
                             upgrade_progress=_upgrade_progress)
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
                   targets=targets, tickets=StreamTickets(log.database), identity=identity)

    def close(self) -> None:
        self.writer.close()
        self.live.close()
        self.log.close()


def identity_tokens(settings: Settings) -> IdentityTokens | None:
    """The JWT verifier the settings ask for. A JWKS file is read now, so that a wrong path
    fails at start (KeySetUnavailable); a URL is fetched only when a JWT first comes."""
    if not settings.jwks:
        return None
    keys = KeySet(settings.jwks, min_refresh_seconds=settings.jwks_refresh_seconds,
                  max_age_seconds=settings.jwks_max_age_seconds)
    if not keys.is_url:
        keys.load()
    if not (settings.jwt_issuer and settings.jwt_audience):
        logging.getLogger("negotiation_log").warning(
            "JWTs are accepted without checking their %s: set NEGOTIATION_LOG_JWT_ISSUER and "
            "NEGOTIATION_LOG_JWT_AUDIENCE, or a token the identity provider issued for another service is "
            "accepted here", " and ".join(n for n, v in (("issuer", settings.jwt_issuer),
                                                        ("audience", settings.jwt_audience)) if not v))
    return IdentityTokens(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                          claims=ClaimNames(settings.jwt_name_claim, settings.jwt_role_claim,
                                            settings.jwt_workspaces_claim),
                          leeway_seconds=settings.jwt_leeway_seconds)


def _upgrade_progress(done: int, total: int) -> None:
    """Upgrading a v1 database happens once, at start, before the service logs anything."""
    if done == total or done % 100_000 < 1000:
        print(f"upgrading the log to the Merkle tree: {done}/{total} events", file=sys.stderr, flush=True)
