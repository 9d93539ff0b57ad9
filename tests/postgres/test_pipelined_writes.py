"""eventsourcing runs the PostgreSQL insert transaction in psycopg's pipeline mode, and hands
our code (the chain links, the idempotency keys, every transaction hook) the cursor it inserted
with. In pipeline mode the answers to earlier statements arrive whenever the server flushes
them (every ~8 kB of output), and psycopg attaches each answer to the cursor that sent it: a
query's rows read from a cursor that still had answers in flight could be an earlier INSERT's
status ("the last operation didn't produce records (command status: INSERT 0 1)"), or an
earlier query's rows. It depended on timing, so it failed now and then on a loaded machine.

Here the server is made slower than the client (each row waits a little on the server), and
the writer pauses after sending them, so the answers are always in flight and always arrive
before the next query is sent: the failure every time, on the code before the fix."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from domain.application import AppendRequest, NegotiationLog
from domain.storage.backend import eventsourcing_env
from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor
from projections.store.hook import ReadModelHook
from projections.store.loading import rows
from projections.store.queries import ReadModels
from tests.conftest import OPENING
from tests.views import views_match_replay

pytestmark = pytest.mark.postgres

ROWS = 1000
SERVER_SECONDS_PER_ROW = 0.0005
# Longer than the server takes for the rows: their answers are all on this side's socket.
PAUSE = 1.0


class SlowRows:
    """A transaction hook that writes many rows in one executemany (each slowed down on the
    server), then is descheduled, as a writer thread on a busy CPU would be."""

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        cursor.execute("CREATE TABLE IF NOT EXISTS pipeline_probe (n BIGINT NOT NULL)")

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        cursor.executemany(  # type: ignore[attr-defined]
            f"INSERT INTO pipeline_probe (n) SELECT %s FROM pg_sleep({SERVER_SECONDS_PER_ROW})",
            [(i,) for i in range(ROWS)])
        time.sleep(PAUSE)


class Count:
    def __init__(self) -> None:
        self.counted: list[int] = []

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        pass

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        self.counted.append(int(rows(cursor, dialect, "SELECT COUNT(*) AS n FROM pipeline_probe")[0]["n"]))


@pytest.mark.slow
def test_a_hook_reads_its_own_query_while_earlier_answers_are_in_flight(pg_url: str) -> None:
    count = Count()
    log = NegotiationLog(eventsourcing_env(pg_url), hooks=[SlowRows(), count])
    try:
        log.append(AppendRequest(principal="t", events=[OPENING]))
    finally:
        log.close()
    assert count.counted == [ROWS]


@pytest.mark.slow
def test_the_read_models_index_a_200_event_batch_while_earlier_answers_are_in_flight(pg_url: str) -> None:
    # The failure as first seen: tests/app/test_read_model_store.py, a 200-event batch, the
    # read models' first query in projections/store/loading.py.
    log = NegotiationLog(eventsourcing_env(pg_url), hooks=[SlowRows(), ReadModelHook()])
    try:
        nid = log.append(AppendRequest(principal="t", events=[OPENING])).negotiation_id
        noise = [{"type": "dispute.raised", "occurred_at": f"2025-03-{1 + i % 28:02d}", "dispute_id": f"d{i}",
                  "title": f"Dispute {i}"} for i in range(200)]
        log.append(AppendRequest(principal="t", negotiation_id=nid, events=noise, batch=True))
        assert views_match_replay(ReadModels(log), nid, log.stream(nid))
    finally:
        log.close()
