"""eventsourcing's own recorder contract tests (shipped in the installed package, in
`eventsourcing.tests.persistence`), run against our recorders as the service configures them
(domain.storage.backend). Our recorders override private seams of the library
(`_insert_events` on SQLite, `_fetch_ids_after_insert_events` on PostgreSQL): a library upgrade
that changes those seams must fail here, not corrupt a log.

Each contract runs twice: as the library calls the recorder, and with our leaves and tree nodes
written beside the events in the same transaction (as every append does), after which every
stored event has its leaf, log_index dense in position order, and the stored tree nodes are the
ones its leaves make."""

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

from domain.merkle import Frontier
from domain.storage.backend import eventsourcing_env
from domain.storage.tree import TreeCache
from domain.storage.writes import Committed, PendingWrite


def our_recorder(db: str) -> ApplicationRecorder:
    env = Environment("NegotiationLog", eventsourcing_env(db))
    recorder = InfrastructureFactory.construct(env).application_recorder()
    assert type(recorder).__module__ in ("domain.storage.recorders", "domain.storage.postgres_recorder"), type(recorder)
    return recorder


def writing_leaves(recorder: ApplicationRecorder) -> ApplicationRecorder:
    """The recorder, with every insert also writing leaves and tree nodes as an append does."""
    insert = recorder.insert_events

    def insert_events(stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        keys = [(str(s.originator_id), s.originator_version) for s in stored_events]
        write = PendingWrite(
            records={k: {"event_id": str(uuid4()), "type": "contract.tested", "occurred_at": "2025",
                         "recorded_by": "contract"} for k in keys},
            committed={k: Committed({}, {}, i) for i, k in enumerate(keys)}, tree=TreeCache())
        positions = insert(stored_events, nl_write=write, **kwargs)
        assert [e["position"] for e in write.stored] == sorted(positions or [])
        return positions

    recorder.insert_events = insert_events  # type: ignore[method-assign]
    return recorder


def leaves_make_the_tree(leaves: list[Any], nodes: list[Any], positions: list[int]) -> bool:
    """`leaves` are (position, log_index, leaf_hash) in position order, `nodes` (level, idx,
    hash) rows of the stored tree."""
    frontier, made = Frontier.empty(), set()
    for _, _, hashed in leaves:
        made |= {(level, idx, h) for (level, idx), h in frontier.append(bytes(hashed)) if level}
    return ([r[0] for r in leaves] == positions and [r[1] for r in leaves] == list(range(len(leaves)))
            and {(r[0], r[1], bytes(r[2])) for r in nodes} == made)


class SQLiteContract:
    tmp: Path
    linked = False

    @pytest.fixture(autouse=True)
    def _database(self, tmp_path: Path) -> None:
        self.tmp = tmp_path

    def create_recorder(self) -> ApplicationRecorder:
        self.db = str(self.tmp / f"{uuid4().hex}.db")
        recorder = our_recorder(self.db)
        return writing_leaves(recorder) if self.linked else recorder

    def tearDown(self) -> None:
        if self.linked:
            import sqlite3

            with sqlite3.connect(self.db) as raw:
                leaves = raw.execute("SELECT position, log_index, leaf_hash FROM nl_leaves ORDER BY position").fetchall()
                nodes = raw.execute("SELECT level, idx, hash FROM nl_tree").fetchall()
                positions = [r[0] for r in raw.execute("SELECT position FROM stored_events ORDER BY position")]
            assert leaves_make_the_tree(leaves, nodes, positions)


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
        return writing_leaves(recorder) if self.linked else recorder

    def tearDown(self) -> None:
        if self.linked:
            with psycopg.connect(self.url) as conn:
                leaves = conn.execute("SELECT position, log_index, leaf_hash FROM nl_leaves ORDER BY position").fetchall()
                nodes = conn.execute("SELECT level, idx, hash FROM nl_tree").fetchall()
                positions = [r[0] for r in conn.execute(
                    "SELECT notification_id FROM negotiationlog_events ORDER BY notification_id")]
            assert leaves_make_the_tree(leaves, nodes, positions)
        self.recorder.datastore.close()  # type: ignore[attr-defined]


class TestSQLiteRecorderContract(SQLiteContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    pass


class TestSQLiteRecorderContractWritingLeaves(SQLiteContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    linked = True


class TestSQLiteRecorderNeverInterleavesPositions(SQLiteContract, NonInterleavingNotificationIDsBaseCase):
    linked = True


@pytest.mark.postgres
class TestPostgresRecorderContract(PostgresContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    pass


@pytest.mark.postgres
class TestPostgresRecorderContractWritingLeaves(PostgresContract, ApplicationRecorderTestCase[ApplicationRecorder]):
    linked = True


@pytest.mark.postgres
class TestPostgresRecorderNeverInterleavesPositions(PostgresContract, NonInterleavingNotificationIDsBaseCase):
    linked = True
