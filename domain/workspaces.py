"""Workspaces (docs/api.md §7): every negotiation belongs to one, named when it is opened and
fixed from then on; a token may be limited to some of them.

The workspace is a field of the `negotiation.opened` event, so it is committed in the event's
leaf like any other fact. `nl_workspaces` indexes it by negotiation (and by workspace, in
opening order, for listing), written in the append transaction by a hook every
NegotiationLog carries. A negotiation missing from the index is one a limited token cannot
see: the index can only ever hide too much, never show too much, and `catch_up` completes it
when a database written before workspaces existed is opened (every negotiation then opened
in `default`, which is also what an opening without the field means)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from domain import jsonfast
from domain.errors import FieldError, ValidationFailed
from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.log import negotiation_id as stream_negotiation_id
from domain.storage.writes import Cursor

DEFAULT_WORKSPACE = "default"
KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
TABLE = "nl_workspaces"
OPENING = "negotiation.opened"
CHUNK = 1000

# Who may see what: None for every workspace, else the workspaces named.
Scope = frozenset[str] | None


def workspace_of_opening(event: dict[str, Any]) -> str:
    return event.get("workspace") or DEFAULT_WORKSPACE


def admits(scope: Scope, workspace: str | None) -> bool:
    return scope is None or (workspace is not None and workspace in scope)


def checked_keys(field: str, values: Any) -> frozenset[str] | None:
    """A list of workspace keys from a request (None: no limit), or ValidationFailed naming
    the first bad one. An empty list would be a token that sees nothing: refused too."""
    if values is None:
        return None
    if not isinstance(values, list) or not values:
        raise ValidationFailed([FieldError(field, "a non-empty list of workspace keys")])
    for i, value in enumerate(values):
        if not isinstance(value, str) or not KEY.match(value):
            raise ValidationFailed([FieldError(f"{field}.{i}", "a workspace key: 1-64 of a-z 0-9 _ -, starting "
                                                               "with a letter or digit (^[a-z0-9][a-z0-9_-]{0,63}$)")])
    return frozenset(values)


class WorkspaceIndex:
    """A TransactionHook (domain.storage.writes) that every NegotiationLog carries."""

    def __init__(self) -> None:
        # A negotiation's workspace never changes, so what was once read is kept.
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (negotiation_id TEXT PRIMARY KEY, "
                       f"workspace TEXT NOT NULL, opened_position {dialect.integer} NOT NULL)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_listing ON {TABLE} (workspace, opened_position)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_opening ON {TABLE} (opened_position)")

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        entries = _entries(events)
        if entries:
            cursor.executemany(dialect.sql(  # type: ignore[attr-defined]
                f"INSERT INTO {TABLE} (negotiation_id, workspace, opened_position) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING"), entries)

    def catch_up(self, db: Database) -> int:
        """Indexes the negotiations opened after the last one indexed (all of them in a
        database from before workspaces); returns how many."""
        done = 0
        pos, table = db.dialect.position_column, db.events_table
        while True:
            row = db.query_one(f"SELECT MAX(opened_position) AS last FROM {TABLE}")
            after = int(row["last"]) if row and row["last"] is not None else 0
            found = db.query(f"SELECT {pos} AS position, originator_id, state FROM {table} "
                             f"WHERE originator_version = 1 AND {pos} > ? ORDER BY {pos} LIMIT ?", [after, CHUNK])
            if not found:
                return done
            entries = [(stream_negotiation_id(r["originator_id"]), _stored_workspace(r["state"]), r["position"])
                       for r in found]
            with db.write_transaction() as cursor:
                cursor.executemany(db.dialect.sql(  # type: ignore[attr-defined]
                    f"INSERT INTO {TABLE} (negotiation_id, workspace, opened_position) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING"), entries)
            done += len(entries)

    # -- reading ----------------------------------------------------------------------------

    def workspace(self, db: Database, negotiation_id: str) -> str | None:
        """The negotiation's workspace; None if it is not (yet) indexed, or does not exist."""
        known = self._known.get(negotiation_id)
        if known is not None:
            return known
        row = db.query_one(f"SELECT workspace FROM {TABLE} WHERE negotiation_id = ?", [negotiation_id])
        if row is None:
            return None
        with self._lock:
            if len(self._known) > 100_000:
                self._known.clear()
            self._known[negotiation_id] = row["workspace"]
        return str(row["workspace"])

    def admits(self, db: Database, scope: Scope, negotiation_id: str) -> bool:
        return scope is None or admits(scope, self.workspace(db, negotiation_id))

    @staticmethod
    def restriction(scope: Scope, column: str) -> tuple[str, list[Any]]:
        """A WHERE clause keeping the rows whose negotiation id (in `column`) the scope admits."""
        if scope is None:
            return "1 = 1", []
        names = sorted(scope)
        return (f"{column} IN (SELECT negotiation_id FROM {TABLE} WHERE workspace IN "
                f"({','.join('?' * len(names))}))", names)


def _entries(events: Iterable[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(e["negotiation_id"], workspace_of_opening(e), e["position"]) for e in events if e["type"] == OPENING]


def _stored_workspace(state: Any) -> str:
    return workspace_of_opening(jsonfast.loads(state)["record"])
