"""The audit index: one row per stored event saying who recorded it, when, in which
negotiation and of what type, keyed by global position.

It is written by a transaction hook in the same transaction as the events, so it is never
behind the log it indexes; and like every read model it is disposable: `catch_up` fills in
whatever is missing (a database from before the index existed, or a dropped table) and
`rebuild` recreates it from the events."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.log import EventLog
from domain.storage.writes import Cursor

from projections.log_query import LogQueries, sortable_time

CHUNK = 500
FILTERED = ("recorded_by", "negotiation_id", "type", "recorded_at")
log = logging.getLogger("negotiation_log")

INSERT = ("INSERT INTO nl_audit (position, event_id, negotiation_id, version, type, recorded_by, recorded_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (position) DO NOTHING")


def _row(event: Mapping[str, Any]) -> tuple[Any, ...]:
    return (event["position"], event["event_id"], event["negotiation_id"], event["version"], event["type"],
            event["recorded_by"], sortable_time(event["recorded_at"]))


class AuditIndex:
    """A TransactionHook (see domain.storage.writes), and Rebuildable."""

    tables = ("nl_audit",)
    holds_values = False  # who recorded each event and when

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        self._create_table(cursor, dialect)
        self.finish(cursor, dialect)

    @staticmethod
    def _create_table(cursor: Cursor, dialect: Dialect) -> None:
        i = dialect.integer
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS nl_audit ("
            f"position {i} PRIMARY KEY, event_id TEXT NOT NULL, negotiation_id TEXT NOT NULL, "
            f"version {i} NOT NULL, type TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL)")

    def finish(self, cursor: Cursor, dialect: Dialect) -> None:
        # Each filter reads its own index in position order, so a page is a short range scan.
        for column in FILTERED:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS nl_audit_{column} ON nl_audit ({column}, position)")

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        cursor.executemany(dialect.sql(INSERT), [_row(e) for e in events])  # type: ignore[attr-defined]

    # -- keeping it whole -----------------------------------------------------------------

    def catch_up(self, db: Database, event_log: EventLog) -> int:
        """Indexes every stored event that has no index row yet; returns how many."""
        counts = db.query_one(
            f"SELECT (SELECT COUNT(*) FROM {db.events_table}) AS events, (SELECT COUNT(*) FROM nl_audit) AS indexed")
        if counts is not None and counts["events"] == counts["indexed"]:
            return 0
        pos = db.dialect.position_column
        missing = [r["position"] for r in db.query(
            f"SELECT e.{pos} AS position FROM {db.events_table} e WHERE NOT EXISTS "
            f"(SELECT 1 FROM nl_audit a WHERE a.position = e.{pos}) ORDER BY e.{pos}")]
        queries = LogQueries(event_log)
        for start in range(0, len(missing), CHUNK):
            self._index(db, queries.at_positions(missing[start:start + CHUNK]))
        return len(missing)

    def reset(self, cursor: Cursor, dialect: Dialect) -> None:
        """Empties the index, inside a rebuild's transaction that refills it. The filters'
        indexes are dropped until `finish`: built once over the whole table, they cost a
        fraction of keeping them in step with every page."""
        cursor.execute("DROP TABLE IF EXISTS nl_audit")  # far cheaper than deleting every row
        self._create_table(cursor, dialect)

    def rebuild(self, db: Database, event_log: EventLog) -> int:
        db.execute("DELETE FROM nl_audit")
        return self.catch_up(db, event_log)

    @staticmethod
    def _index(db: Database, rows: Iterable[Mapping[str, Any]]) -> None:
        entries = []
        for row in rows:
            try:
                entries.append(_row(EventLog.decode(row)))
            except (ValueError, KeyError, TypeError):
                # A row edited behind the service's back: the chain audit reports it; the
                # index just has nothing to say about it.
                log.warning("audit index: stored event at position %s cannot be read", row["position"])
        if entries:
            with db.transaction(commit=True) as cursor:
                cursor.executemany(db.dialect.sql(INSERT), entries)
