"""SQL behind the service's back, on either backend, for tampering and inspection tests.

Statements are written as for SQLite (`stored_events`, `rowid`, `?` placeholders) and
translated for PostgreSQL; rows can be read by column name or by index on both."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import psycopg

from domain.leaves import field_digests, leaf_bytes
from domain.merkle import Frontier, leaf_hash
from domain.storage.backend import is_postgres
from domain.storage.dialect import POSTGRES, SQLITE
from domain.storage.log import decode


class _Row(dict):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        return list(self.values())[key] if isinstance(key, int) else super().__getitem__(key)


def _rows(cursor: Any) -> Any:
    names = [c.name for c in cursor.description] if cursor.description else []
    return lambda values: _Row(zip(names, values, strict=True))


class RawDB:
    def __init__(self, url: str) -> None:
        self.dialect = POSTGRES if is_postgres(url) else SQLITE
        if self.dialect is POSTGRES:
            self.connection: Any = psycopg.connect(url, autocommit=True, row_factory=_rows)
        else:
            self.connection = sqlite3.connect(url, isolation_level=None)
            self.connection.row_factory = sqlite3.Row

    def sql(self, statement: str) -> str:
        statement = statement.replace("stored_events", self.dialect.events_table)
        return self.dialect.sql(statement.replace("rowid", self.dialect.position_column))

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.connection.execute(self.sql(statement), tuple(params))

    def one(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row."""
        row = self.execute(statement, params).fetchone()
        return None if row is None else row[0]

    def state(self, position: int) -> bytes:
        return bytes(self.one("SELECT state FROM stored_events WHERE rowid = ?", [position]))

    def set_state(self, position: int, state: bytes) -> None:
        self.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [state, position])

    def recompute_leaves_and_tree(self) -> None:
        """Recomputes every leaf from the stored events and salts, and every tree node, as
        someone who edited the database but holds no key would, to hide the edit."""
        frontier = Frontier.empty()
        self.execute("DELETE FROM nl_tree")
        rows = self.execute("SELECT e.rowid AS position, e.originator_id, e.originator_version, e.state, "
                            "l.log_index, l.recorded_at AS leaf_recorded_at, l.leaf_hash, l.salts FROM stored_events e "
                            "JOIN nl_leaves l ON l.position = e.rowid ORDER BY e.rowid").fetchall()
        for row in rows:
            event = decode(row)
            hashed = leaf_hash(leaf_bytes(event, field_digests(event, json.loads(row["salts"]))))
            self.execute("UPDATE nl_leaves SET leaf_hash = ? WHERE position = ?", [hashed, row["position"]])
            for (level, idx), node in frontier.append(hashed):
                if level:
                    self.execute("INSERT INTO nl_tree (level, idx, hash) VALUES (?, ?, ?)", [level, idx, node])

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> RawDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
