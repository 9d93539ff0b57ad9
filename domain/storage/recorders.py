"""The eventsourcing application recorder for SQLite, extended at the one point where the
events are inserted but the transaction is still open (PostgreSQL's: postgres_recorder)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from domain.storage import sqlite_statements
from domain.storage.dialect import SQLITE
from domain.storage.tables import create_statements
from domain.storage.writes import PendingWrite, write_beside_events

# Before any datastore of these recorders opens a connection.
sqlite_statements.install()


# Set on every connection the pool opens. A checkpoint copies the WAL into the database file
# and syncs it: every ~40 MB of WAL rather than SQLite's ~4 MB, so a page that many commits
# touch (an index's) is copied once rather than many times; each commit is still synced to
# the WAL first (synchronous=FULL), so durability does not change. A 16 MB page cache (not
# 2 MB) keeps the indexes' upper levels and recent pages in memory as the log grows.
# secure_delete overwrites what a write frees with zeros: a view refreshed a thousand times
# leaves no old copy of a value in a page's free space, for an erasure to miss (docs/api.md §10).
CONNECTION_PRAGMAS = ("PRAGMA wal_autocheckpoint = 10000", "PRAGMA cache_size = -16384",
                      "PRAGMA secure_delete = ON")


def _tune_new_connections(pool: Any) -> None:
    create = pool._create_connection

    def create_tuned() -> Any:
        connection = create()
        for pragma in CONNECTION_PRAGMAS:
            connection._sqlite_conn.execute(pragma)
        return connection

    pool._create_connection = create_tuned


class SQLiteLogRecorder(SQLiteApplicationRecorder):
    dialect = SQLITE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tune_new_connections(self.datastore.pool)
        self.insert_events_statement = (
            f"INSERT INTO {self.events_table_name} (originator_id, originator_version, topic, state) "
            "VALUES (?,?,?,?)")

    def construct_create_table_statements(self) -> list[str]:
        # As eventsourcing's table, but the position is an explicit INTEGER PRIMARY KEY
        # AUTOINCREMENT (still the rowid the library reads): a plain rowid may be renumbered
        # by VACUUM and reused after the last row is deleted, and positions must never move.
        events = (
            f"CREATE TABLE IF NOT EXISTS {self.events_table_name} ("
            "position INTEGER PRIMARY KEY AUTOINCREMENT, originator_id TEXT NOT NULL, "
            "originator_version INTEGER NOT NULL, topic TEXT, state BLOB, "
            "UNIQUE (originator_id, originator_version))"
        )
        return [events, *create_statements(SQLITE)]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        # One executemany rather than the library's execute per row. This transaction holds
        # the write lock and AUTOINCREMENT hands out max + 1 per row, so the rows just
        # inserted hold the consecutive positions ending at last_insert_rowid().
        c.executemany(self.insert_events_statement,
                      [(s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                        s.originator_version, s.topic, s.state) for s in stored_events])
        c.execute("SELECT last_insert_rowid()")
        last = c.fetchone()[0]
        positions = list(range(last - len(stored_events) + 1, last + 1)) if stored_events else []
        write: PendingWrite | None = kwargs.get("nl_write")
        if write is not None and positions:
            write_beside_events(c, SQLITE, stored_events, positions, write)
        return positions

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *, inclusive_of_start: bool = True) -> list[Notification]:
        # The library selects "rowid, *" and reads a column named "rowid"; SQLite names the
        # rowid of a table with an INTEGER PRIMARY KEY after that column ("position"), so the
        # library's own query finds no such column here (the recorder contract tests catch it).
        clauses, params = [], []
        if start is not None:
            clauses.append("rowid >= ?" if inclusive_of_start else "rowid > ?")
            params.append(start)
        if stop is not None:
            clauses.append("rowid <= ?")
            params.append(stop)
        if topics:
            clauses.append(f"topic IN ({','.join('?' * len(topics))})")
            params += list(topics)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT rowid AS notification_id, originator_id, originator_version, topic, state "
                      f"FROM {self.events_table_name} {where}ORDER BY rowid LIMIT ?", [*params, limit])
            return [Notification(id=row["notification_id"],
                                 originator_id=self.convert_originator_id(row["originator_id"]),
                                 originator_version=row["originator_version"], topic=row["topic"], state=row["state"])
                    for row in c.fetchall()]
