"""Where snapshots (domain.snapshots) are kept: `nl_snapshots`, one row per negotiation beside
its events, written in the append transaction that stored the event it was taken after, so a
snapshot never claims an event that was not stored. An erasure's transaction deletes the
snapshot of its negotiation: it is taken again from the stream as the erasure left it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from domain.knowledge import KEPT_TYPES, entity_of
from domain.snapshots import Snapshot, Unusable
from domain.storage.cursor import Cursor
from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.log import EventLog

# Replaces whatever is there, unconditionally: a snapshot is taken at the version its own
# transaction just stored, under the events table's write lock, so it is the stream's latest
# (and a row that claims more, damaged, is replaced rather than kept forever).
_UPSERT = ("INSERT INTO nl_snapshots (negotiation_id, version, event_id, shape, state, digest) "
           "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (negotiation_id) DO UPDATE SET version = excluded.version, "
           "event_id = excluded.event_id, shape = excluded.shape, state = excluded.state, "
           "digest = excluded.digest")


def write_snapshots(cursor: Cursor, dialect: Dialect, snapshots: Sequence[Snapshot]) -> None:
    if snapshots:
        cursor.executemany(dialect.sql(_UPSERT), [  # type: ignore[attr-defined]
            (s.negotiation_id, s.version, s.event_id, s.shape, s.state, s.digest) for s in snapshots])


def drop_snapshots(cursor: Cursor, dialect: Dialect, negotiation_ids: Iterable[str]) -> None:
    for negotiation_id in sorted(set(negotiation_ids)):
        cursor.execute(dialect.sql("DELETE FROM nl_snapshots WHERE negotiation_id = ?"), (negotiation_id,))


def read_snapshot(database: Database, negotiation_id: str) -> tuple[Snapshot, str | None] | None:
    """The negotiation's snapshot, with the id of the event stored now at its version (None if
    there is none: the stream is shorter than the snapshot claims), in one read."""
    d = database.dialect
    row = database.query_one(
        "SELECT s.version, s.event_id, s.shape, s.state, s.digest, l.event_id AS stored_event_id "
        f"FROM nl_snapshots s LEFT JOIN {d.events_table} e ON e.originator_id = ? AND e.originator_version = s.version "
        f"LEFT JOIN nl_leaves l ON l.position = e.{d.position_column} WHERE s.negotiation_id = ?",
        [d.stream_id(negotiation_id), negotiation_id])
    if row is None:
        return None
    snapshot = Snapshot(negotiation_id, int(row["version"]), str(row["event_id"]), int(row["shape"]),
                        str(row["state"]), str(row["digest"]))
    return snapshot, row["stored_event_id"]


class StoredStream:
    """The facts up to a snapshot, as stored (domain.knowledge.StoredBefore): looked up by
    event id when a rule names one, which only corrections and retractions do."""

    def __init__(self, events: EventLog, negotiation_id: str, version: int) -> None:
        self.events, self.negotiation_id, self.version = events, negotiation_id, version

    def entity_of(self, event_id: str) -> tuple[str, str] | None:
        event = self.events.by_event_id(event_id)
        if (event is None or event["negotiation_id"] != self.negotiation_id or event["version"] > self.version
                or event["type"] in KEPT_TYPES):
            return None
        return entity_of(event["type"], event)

    def changes(self, correction_ids: list[str]) -> list[dict[str, Any]]:
        found = {e["event_id"]: e for e in self.events.by_event_ids(correction_ids)}
        changes = []
        for correction_id in correction_ids:
            event = found.get(correction_id)
            if event is None or event["negotiation_id"] != self.negotiation_id or event["type"] != "record.corrected":
                raise Unusable(f"the snapshot names {correction_id} as a correction in this stream")
            changes.append(event["changes"])
        return changes
