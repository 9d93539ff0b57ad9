"""eventsourcing's own recorder contract tests (shipped in the installed package, in
`eventsourcing.tests.persistence`), run against our recorders as the service configures them
(domain.storage.backend). Our recorders override private seams of the library
(`_insert_events` on SQLite, `_fetch_ids_after_insert_events` on PostgreSQL): a library upgrade
that changes those seams must fail here, not corrupt a log.

Each contract runs twice: as the library calls the recorder, and with our chain links written
beside the events in the same transaction (as every append does), after which every stored
event has its link, in position order, each extending the one before."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory, StoredEvent
from eventsourcing.tests.persistence import ApplicationRecorderTestCase, NonInterleavingNotificationIDsBaseCase
from eventsourcing.utils import Environment

from domain.chain import GENESIS_HASH
from domain.storage.backend import eventsourcing_env
from domain.storage.writes import PendingWrite


def our_recorder(db: str) -> ApplicationRecorder:
    env = Environment("NegotiationLog", eventsourcing_env(db))
    recorder = InfrastructureFactory.construct(env).application_recorder()
    assert type(recorder).__module__ == "domain.storage.recorders", type(recorder)
    return recorder


def writing_links(recorder: ApplicationRecorder) -> ApplicationRecorder:
    """The recorder, with every insert also writing chain links as an append does."""
    insert = recorder.insert_events

    def insert_events(stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        write = PendingWrite(records={(str(s.originator_id), s.originator_version):
                                      {"event_id": str(uuid4()), "type": "contract.tested"} for s in stored_events})
        positions = insert(stored_events, nl_write=write, **kwargs)
        assert [e["position"] for e in write.stored] == sorted(positions or [])
        return positions

    recorder.insert_events = insert_events  # type: ignore[method-assign]
    return recorder


def links_extend_each_other(rows: list[tuple[int, str, str]], positions: list[int]) -> bool:
    """`rows` are (position, prev_hash, hash) in position order."""
    prev = GENESIS_HASH
    for _, prev_hash, hash_ in rows:
        if prev_hash != prev:
            return False
        prev = hash_
    return [r[0] for r in rows] == positions


class SQLiteContract:
    tmp: Path
    linked = False

    @pytest.fixture(autouse=True)
    def _database(self, tmp_path: Path) -> None:
        self.tmp = tmp_path

    def create_recorder(self) -> ApplicationRecorder:
        self.db = str(self.tmp / f"{uuid4().hex}.db")
        recorder = our_recorder(self.db)
        return writing_links(recorder) if self.linked else recorder

    def tearDown(self) -> None:
        if self.linked:
            import sqlite3

            with sqlite3.connect(self.db) as raw:
                links = raw.execute("SELECT position, prev_hash, hash FROM nl_chain ORDER BY position").fetchall()
                positions = [r[0] for r in raw.execute("SELECT position FROM stored_events ORDER BY position")]
            assert links_extend_each_other(links, positions)


class PostgresContract:
    url: str
    linked = False

    @pytest.fixture(autouse=True)
    def _database(self, request: pytest.FixtureRequest) -> None:
        # A fresh database per test: the contract counts positions from 1.
        self.url = request.getfixturevalue("pg_url")

    def create_recorder(self) -> ApplicationRecorder:
        recorder = our_recorder(self.url)
        self.recorder = recorder
        return writing_links(recorder) if self.linked else recorder

    def tearDown(self) -> None:
        if self.linked:
            with psycopg.connect(self.url) as conn:
                links = conn.execute("SELECT position, prev_hash, hash FROM nl_chain ORDER BY position").fetchall()
                positions = [r[0] for r in conn.execute(
                    "SELECT notification_id FROM negotiationlog_events ORDER BY notification_id")]
            assert links_extend_each_other([tuple(r) for r in links], positions)  # type: ignore[misc]
        self.recorder.datastore.close()  # type: ignore[attr-defined]


class TestSQLiteRecorderContract(SQLiteContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    pass


class TestSQLiteRecorderContractWritingLinks(SQLiteContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    linked = True


class TestSQLiteRecorderNeverInterleavesPositions(SQLiteContract, NonInterleavingNotificationIDsBaseCase):
    linked = True


@pytest.mark.postgres
class TestPostgresRecorderContract(PostgresContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    pass


@pytest.mark.postgres
class TestPostgresRecorderContractWritingLinks(PostgresContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    linked = True


@pytest.mark.postgres
class TestPostgresRecorderNeverInterleavesPositions(PostgresContract, NonInterleavingNotificationIDsBaseCase):
    linked = True
