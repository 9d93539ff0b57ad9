"""The few differences between SQLite and PostgreSQL SQL that our own tables meet."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Dialect:
    name: str
    integer: str
    # How the events table names its global position column.
    position_column: str
    # The eventsourcing events table: "stored_events" in SQLite, "<application name>_events"
    # in PostgreSQL (our application is named NegotiationLog).
    events_table: str

    def sql(self, statement: str) -> str:
        """Our statements are written with `?` placeholders; psycopg wants `%s`."""
        return statement if self.name == "sqlite" else statement.replace("?", "%s")

    def stream_id(self, negotiation_id: str) -> UUID | str:
        """A negotiation id as the events table stores it (eventsourcing keeps UUIDs as hex
        text in SQLite and as the uuid type in PostgreSQL)."""
        uuid = UUID(negotiation_id)
        return uuid.hex if self.name == "sqlite" else uuid


SQLITE = Dialect(name="sqlite", integer="INTEGER", position_column="rowid", events_table="stored_events")
POSTGRES = Dialect(name="postgres", integer="BIGINT", position_column="notification_id",
                   events_table="negotiationlog_events")
