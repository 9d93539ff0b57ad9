"""The objects one running service shares between requests, built once by the factory."""

from __future__ import annotations

from dataclasses import dataclass

from domain.application import NegotiationLog
from domain.group_commit import GroupCommit
from domain.principals import Principals
from domain.storage.backend import eventsourcing_env

from api.settings import Settings


@dataclass
class Services:
    settings: Settings
    log: NegotiationLog
    principals: Principals
    # HTTP appends go through group commit; the CLI's imports batch by themselves.
    writer: GroupCommit

    @classmethod
    def open(cls, settings: Settings) -> Services:
        env = eventsourcing_env(settings.db, pool_size=settings.pool_size,
                                lock_timeout=settings.lock_timeout, connect_timeout=settings.connect_timeout)
        log = NegotiationLog(env)
        return cls(settings=settings, log=log, principals=Principals(log.database),
                   writer=GroupCommit(log.append_many))

    def close(self) -> None:
        self.log.close()
