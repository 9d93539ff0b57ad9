"""The target index: which events name another as their target (corrections, retractions,
erasures: `target_event_id`), keyed by (target event id, position), so that an event's
corrections are found without reading its negotiation's whole stream.

It holds event ids and positions only, never values: an erasure rewrites the stored events,
and the index has nothing of theirs to forget. The events themselves are read from the log.

Written by a transaction hook in the same transaction as the events. Its one row with an
empty target id is the mark: every event up to that position is indexed. An append moves the
mark only from the event just before its own, so a writer without this hook (an older
version, a tool), a dropped or an emptied table all leave it missing or behind, and the index
is then not trusted: readers scan the stream as before until `catch_up` (at start) or a
rebuild has completed it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eventsourcing.persistence import PersistenceError

from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.log import EventLog, select_events
from domain.storage.writes import Cursor

from projections.store.loading import events_after, rows

TABLE = "nl_targets"
MARK = ""  # no event id is empty
CHUNK = 1000

INSERT = f"INSERT INTO {TABLE} (target_event_id, position) VALUES (?, ?) ON CONFLICT DO NOTHING"


def _rows(events: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    return [(e["target_event_id"], e["position"]) for e in events if e.get("target_event_id")]


class TargetIndex:
    """A TransactionHook (see domain.storage.writes), and Rebuildable."""

    tables = (TABLE,)
    holds_values = False  # event ids and positions

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (target_event_id TEXT NOT NULL, "
                       f"position {dialect.integer} NOT NULL, PRIMARY KEY (target_event_id, position))")

    def finish(self, cursor: Cursor, dialect: Dialect) -> None:
        pass  # the primary key is the only index, kept in step from the start

    def reset(self, cursor: Cursor, dialect: Dialect) -> None:
        """Empties the index, inside a rebuild's transaction that refills it from the start."""
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        self.create_tables(cursor, dialect)
        cursor.execute(dialect.sql(f"INSERT INTO {TABLE} (target_event_id, position) VALUES (?, 0)"), (MARK,))

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        entries = _rows(events)
        if entries:
            cursor.executemany(dialect.sql(INSERT), entries)  # type: ignore[attr-defined]
        first, last = events[0]["position"], events[-1]["position"]
        pos = dialect.position_column
        # Only from the event just before these: a mark behind (events written without this
        # hook) stays behind, and so untrusted, until a catch-up.
        cursor.execute(dialect.sql(
            f"UPDATE {TABLE} SET position = ? WHERE target_event_id = ? AND position = "
            f"(SELECT COALESCE(MAX({pos}), 0) FROM {dialect.events_table} WHERE {pos} < ?)"), (last, MARK, first))

    # -- reading ----------------------------------------------------------------------------

    def touching(self, event_log: EventLog, event: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        """The events of the event's negotiation whose target it is, in position order; None
        when the index cannot be trusted (missing, behind the log) and the stream must be read."""
        db = event_log.db
        pos = db.dialect.position_column
        try:
            if not self.whole(db):
                return None
            found = db.query(select_events(db.dialect) + f"WHERE e.{pos} IN (SELECT position FROM {TABLE} "
                             f"WHERE target_event_id = ?) ORDER BY e.{pos}", [event["event_id"]])
        except PersistenceError:  # e.g. the table was dropped under a running service
            return None
        touching = [EventLog.decode(r) for r in found]
        return [e for e in touching if e.get("target_event_id") == event["event_id"]
                and e["negotiation_id"] == event["negotiation_id"]]

    @staticmethod
    def touching_all(cursor: Cursor, dialect: Dialect, facts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
        """The events whose target is one of `facts` (all of one negotiation), in position
        order, read through `cursor`; None when the index cannot be trusted. Raises
        PersistenceError if its table is missing."""
        if not facts:
            return []
        pos = dialect.position_column
        [state] = rows(cursor, dialect, f"SELECT (SELECT position FROM {TABLE} WHERE target_event_id = ?) AS mark, "
                                        f"(SELECT MAX({pos}) FROM {dialect.events_table}) AS head", [MARK])
        if state["mark"] is None or state["mark"] < (state["head"] or 0):
            return None
        ids = {f["event_id"] for f in facts}
        marks = ", ".join("?" * len(ids))
        found = rows(cursor, dialect, select_events(dialect) + f"WHERE e.{pos} IN (SELECT position FROM {TABLE} "
                     f"WHERE target_event_id IN ({marks})) ORDER BY e.{pos}", sorted(ids))
        negotiation_id = facts[0]["negotiation_id"]
        touching = [EventLog.decode(r) for r in found]
        return [e for e in touching if e.get("target_event_id") in ids and e["negotiation_id"] == negotiation_id]

    # -- keeping it whole -----------------------------------------------------------------

    @staticmethod
    def whole(db: Database) -> bool:
        """Whether the mark is at the log's head: every stored event is indexed."""
        pos = db.dialect.position_column
        state = db.query_one(f"SELECT (SELECT position FROM {TABLE} WHERE target_event_id = ?) AS mark, "
                             f"(SELECT MAX({pos}) FROM {db.events_table}) AS head", [MARK])
        return state is not None and state["mark"] is not None and state["mark"] >= (state["head"] or 0)

    def catch_up(self, db: Database) -> int:
        """Completes the index up to the log's head (from the start when the mark is missing);
        returns how many events were read. Each step holds the write lock, so no append comes
        between the events read and the mark moved past them."""
        try:
            if self.whole(db):  # as at most starts: no write lock taken
                return 0
        except PersistenceError:
            pass  # no table yet (created below)
        done = 0
        while True:
            with db.write_transaction() as cursor:
                dialect = db.dialect
                if dialect.name == "postgres":
                    cursor.execute(f"LOCK TABLE {dialect.events_table} IN EXCLUSIVE MODE")
                self.create_tables(cursor, dialect)
                mark = rows(cursor, dialect, f"SELECT position FROM {TABLE} WHERE target_event_id = ?", [MARK])
                if not mark:
                    cursor.execute(f"DELETE FROM {TABLE}")
                    cursor.execute(dialect.sql(f"INSERT INTO {TABLE} (target_event_id, position) VALUES (?, 0)"),
                                   (MARK,))
                after = int(mark[0]["position"]) if mark else 0
                page = events_after(cursor, dialect, after, CHUNK)
                if page:
                    entries = _rows(page)
                    if entries:
                        cursor.executemany(dialect.sql(INSERT), entries)  # type: ignore[attr-defined]
                    cursor.execute(dialect.sql(f"UPDATE {TABLE} SET position = ? WHERE target_event_id = ?"),
                                   (page[-1]["position"], MARK))
            done += len(page)
            if len(page) < CHUNK:
                return done
