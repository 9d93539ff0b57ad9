"""When the chain was last verified intact, wherever that ran (`GET /audit/verify` in any API
process, or `negotiation-log verify` from a schedule): kept in the database, like tokens, so
that every process can say how long ago it was (api.metrics)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor


class Verifications:
    """A TransactionHook only for its table: nothing is written with the events."""

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        cursor.execute("CREATE TABLE IF NOT EXISTS nl_verifications (outcome TEXT PRIMARY KEY, "
                       f"at_seconds DOUBLE PRECISION NOT NULL, checked {dialect.integer} NOT NULL)")

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        pass


def record(db: Database, result: dict[str, Any], at: float | None = None) -> None:
    """Keeps the time of `result` (a verification's answer, with `ok` and `checked`) if it was good."""
    if not result.get("ok"):
        return
    db.execute("INSERT INTO nl_verifications (outcome, at_seconds, checked) VALUES ('good', ?, ?) "
               "ON CONFLICT (outcome) DO UPDATE SET at_seconds = excluded.at_seconds, checked = excluded.checked",
               [time.time() if at is None else at, int(result.get("checked") or 0)])


def last_good(db: Database) -> float | None:
    """Unix time of the last good verification, or None if there never was one."""
    row = db.query_one("SELECT at_seconds FROM nl_verifications WHERE outcome = 'good'")
    return float(row["at_seconds"]) if row else None
