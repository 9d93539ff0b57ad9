"""Reading events back through a given cursor: the append hook must see the rows of its own
uncommitted transaction, so it cannot open another connection; queries pass a read cursor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.storage.dialect import Dialect
from domain.storage.log import EventLog, select_events
from domain.storage.writes import Cursor

from projections.store.schema import micros


def rows(cursor: Cursor, dialect: Dialect, statement: str, params: Sequence[Any] = ()) -> list[Any]:
    cursor.execute(dialect.sql(statement), tuple(params))
    return list(cursor.fetchall())


_select = select_events


def _axes_filter(as_of: datetime | None, known_at: datetime | None) -> tuple[str, list[Any]]:
    """Known at `known_at` (recorded time never changes), and not after `as_of` unless a
    correction may have moved it: corrections themselves and corrected events always come,
    and the replay applies `as_of` to their corrected valid time."""
    sql, params = "", []
    if known_at is not None:
        sql += "AND f.recorded_us <= ? "
        params.append(micros(known_at))
    if as_of is not None:
        sql += "AND (f.occurred_us <= ? OR f.corrected = 1 OR f.target_position IS NOT NULL) "
        params.append(micros(as_of))
    return sql, params


def entity_events(cursor: Cursor, dialect: Dialect, negotiation_id: str, kind: str, key: str | None, *,
                  as_of: datetime | None = None, known_at: datetime | None = None) -> list[dict[str, Any]]:
    """The events touching one entity (or, with key None, every entity of a kind)."""
    where, params = _axes_filter(as_of, known_at)
    sql = (_select(dialect) + f"JOIN nl_read_touches t ON e.{dialect.position_column} = t.position "
           "JOIN nl_read_events f ON f.position = t.position WHERE t.negotiation_id = ? AND t.kind = ? ")
    head: list[Any] = [negotiation_id, kind]
    if key is not None:
        sql += "AND t.key = ? "
        head.append(key)
    sql += where + "ORDER BY t.position"
    return [EventLog.decode(r) for r in rows(cursor, dialect, sql, head + params)]


def last_touch(cursor: Cursor, dialect: Dialect, negotiation_id: str, kind: str, key: str | None,
               known_at: datetime | None) -> int:
    """The highest position of an event touching the entity (or kind) known at `known_at`."""
    sql = ("SELECT MAX(t.position) AS p FROM nl_read_touches t JOIN nl_read_events f ON f.position = t.position "
           "WHERE t.negotiation_id = ? AND t.kind = ? ")
    params: list[Any] = [negotiation_id, kind]
    if key is not None:
        sql += "AND t.key = ? "
        params.append(key)
    if known_at is not None:
        sql += "AND f.recorded_us <= ? "
        params.append(micros(known_at))
    found = rows(cursor, dialect, sql, params)
    return int(found[0]["p"] or 0) if found else 0


def events_at(cursor: Cursor, dialect: Dialect, where: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Events whose index row (alias `f`) matches `where`, in position order."""
    sql = (_select(dialect) + f"JOIN nl_read_events f ON f.position = e.{dialect.position_column} "
           f"WHERE {where} ORDER BY f.position")
    return [EventLog.decode(r) for r in rows(cursor, dialect, sql, params)]


def events_after(cursor: Cursor, dialect: Dialect, after: int, limit: int) -> list[dict[str, Any]]:
    """The log in position order, one page: what a catch-up or rebuild streams through."""
    pos = dialect.position_column
    found = rows(cursor, dialect, _select(dialect) + f"WHERE e.{pos} > ? ORDER BY e.{pos} LIMIT ?", [after, limit])
    return [EventLog.decode(r) for r in found]
