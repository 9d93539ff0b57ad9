"""One process at a time creates the tables.

PostgreSQL's `CREATE TABLE IF NOT EXISTS` (and `CREATE TYPE`) is not safe against another
session doing the same at the same moment: both see no table, and the second fails on the
catalogue's unique index (`duplicate key value violates unique constraint
"pg_type_typname_nsp_index"`) or with "tuple concurrently updated". Two replicas starting
together on an empty database did so nearly every time. A session-level advisory lock, taken
on a connection of its own before eventsourcing creates its tables and held until every hook
has created its own, makes the others wait and then find the tables made. SQLite needs
nothing: its file lock already lets one writer at a time create them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from domain.storage.backend import postgres_connection

# Any fixed 64-bit number, the same in every process of the service: "nl_schem" in ASCII.
SCHEMA_LOCK = 0x6E6C5F736368656D


@contextmanager
def creating_tables(env: Mapping[str, str]) -> Iterator[None]:
    """Holds the schema lock for the body on PostgreSQL (env as domain.storage.backend builds it)."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        yield
        return
    with postgres_connection(env, application_name="negotiation-log schema lock") as connection:
        # Closing the connection releases the lock too, should the body raise.
        connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        yield
        connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
