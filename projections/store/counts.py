"""How many plain facts each negotiation has, by day of valid time: the counts of a
negotiation's state at an `as_of` read from a few rows (one per day its facts fall on) instead
of counting every fact it has.

A plain fact is one no correction or retraction has touched (and that is not itself a
correction): it reads as recorded, so it counts from the day its valid time begins. The others
are replayed by projections.store.negotiations, which adds them as the log knew them. So each
row holds, for one negotiation and one UTC day, how many plain facts begin that day and how
many of them are statements; indexing an event adds it to its day, and the first correction or
retraction of a fact takes it back out.

The rows are part of the read models (schema.TABLES): emptied and refilled with them by a
rebuild, in the same transactions. A database whose read models predate them gets them counted
in SQL at start (`ensure`); the meta row COUNTED says they are complete, and without it readers
count the facts themselves. A `known_at` is not answered from them (a day's row does not say
when its facts were recorded)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

from projections.store.loading import rows
from projections.store.schema import meta, micros, plain, set_meta

TABLE = "nl_read_counts"
DAY_US = 86_400_000_000
# nl_read_meta's row saying the counts are complete; its value is the shape, bumped when what a
# row means changes, so that older rows are recounted rather than read.
COUNTED, SHAPE = "counts", "1"
# The start of the UTC day of `occurred_us`, in SQL: floored for times before 1970 too, as
# day_of floors in Python (integer division truncates towards zero in both dialects).
_DAY_SQL = (f"(CASE WHEN occurred_us >= 0 THEN occurred_us / {DAY_US} "
            f"ELSE -((-occurred_us - 1) / {DAY_US}) - 1 END) * {DAY_US}")
_UPSERT = (f"INSERT INTO {TABLE} (negotiation_id, day_us, events, statements) VALUES (?, ?, ?, ?) "
           f"ON CONFLICT (negotiation_id, day_us) DO UPDATE SET events = {TABLE}.events + excluded.events, "
           f"statements = {TABLE}.statements + excluded.statements")

Deltas = dict[tuple[str, int], list[int]]  # (negotiation id, day) -> [events, statements]


def day_of(occurred_us: int) -> int:
    return occurred_us - occurred_us % DAY_US


def count(deltas: Deltas, negotiation_id: str, occurred_us: int, fact_type: str, by: int) -> None:
    """Moves the pending counts of the fact's day by `by` (+1 indexed, -1 touched)."""
    moved = deltas.setdefault((negotiation_id, day_of(occurred_us)), [0, 0])
    moved[0] += by
    moved[1] += by * (fact_type == "statement.issued")


def write(cursor: Cursor, dialect: Dialect, deltas: Deltas) -> None:
    changed = [(nid, day, events, statements) for (nid, day), (events, statements) in sorted(deltas.items())
               if events or statements]
    if changed:
        cursor.executemany(dialect.sql(_UPSERT), changed)  # type: ignore[attr-defined]
    deltas.clear()


def recount(cursor: Cursor, dialect: Dialect, negotiation_ids: Iterable[str] | None = None) -> None:
    """Counts again from the indexed events: every negotiation's, or only those named."""
    where, params = "", []
    if negotiation_ids is not None:
        params = sorted(set(negotiation_ids))
        if not params:
            return
        where = f"AND negotiation_id IN ({','.join('?' * len(params))}) "
    cursor.execute(dialect.sql(f"DELETE FROM {TABLE} WHERE 1 = 1 {where}"), tuple(params))
    cursor.execute(dialect.sql(
        f"INSERT INTO {TABLE} (negotiation_id, day_us, events, statements) SELECT negotiation_id, {_DAY_SQL}, "
        "COUNT(*), SUM(CASE WHEN type = 'statement.issued' THEN 1 ELSE 0 END) FROM nl_read_events "
        f"WHERE {plain()} {where}"
        f"GROUP BY negotiation_id, {_DAY_SQL}"), tuple(params))


def mark_counted(cursor: Cursor, dialect: Dialect) -> None:
    set_meta(cursor, dialect, COUNTED, SHAPE)


def complete(cursor: Cursor, dialect: Dialect) -> bool:
    return meta(cursor, dialect, COUNTED) == SHAPE


def ensure(cursor: Cursor, dialect: Dialect) -> None:
    """Counts every negotiation's facts if the rows are missing or of another shape."""
    if not complete(cursor, dialect):
        recount(cursor, dialect)
        mark_counted(cursor, dialect)


def whole_days(cursor: Cursor, dialect: Dialect, negotiation_ids: Sequence[str],
               as_of: datetime | None) -> tuple[dict[str, tuple[int, int]], int | None]:
    """(events, statements) of each negotiation's plain facts on the days that end by `as_of`
    (all of them without one), and the start of the day `as_of` falls within when that day is
    only partly before it (None when `as_of` is a day's last microsecond, as a bare date is):
    the caller counts that day's facts up to `as_of` itself."""
    marks = ",".join("?" * len(negotiation_ids))
    where, params, partial = "", [], None
    if as_of is not None:
        at = micros(as_of)
        day = day_of(at)
        last = day if at == day + DAY_US - 1 else day - DAY_US
        partial = None if last == day else day
        where, params = "AND day_us <= ? ", [last]
    found = rows(cursor, dialect, f"SELECT negotiation_id, SUM(events) AS events, SUM(statements) AS statements "
                                  f"FROM {TABLE} WHERE negotiation_id IN ({marks}) {where}GROUP BY negotiation_id",
                 [*negotiation_ids, *params])
    return {r["negotiation_id"]: (int(r["events"] or 0), int(r["statements"] or 0)) for r in found}, partial
