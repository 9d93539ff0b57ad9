"""Whether recorded time only moves forward along the indexed events, which turns a filter on
recorded time (the audit's `since` and `until`) into a range of positions.

Every event this version stores is stamped under the write lock, never earlier than the event
before it in position order (domain.storage.writes), so recorded time does not go back along
the log. A log upgraded from version 1 may hold events whose times do (each process stamped
its own, before taking the lock). The read models' meta row IN_ORDER says whether every event
indexed so far was recorded no earlier than the one before it: set when the tables are made,
cleared by the first event indexed that goes back, and found in SQL at start for read models
made before it was kept. Only while it says so are the bounds of a time filter read from the
index of recorded times; otherwise each event's time is compared, as in a scan."""

from __future__ import annotations

from collections.abc import Sequence

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

from projections.store.loading import rows
from projections.store.schema import meta, set_meta

IN_ORDER = "recorded_in_order"
_YES, _NO = "1", "0"


def mark(cursor: Cursor, dialect: Dialect, in_order: bool) -> None:
    set_meta(cursor, dialect, IN_ORDER, _YES if in_order else _NO)


def keep(cursor: Cursor, dialect: Dialect, first: int, recorded_us: Sequence[int]) -> None:
    """After indexing events from position `first` on, whose recorded times in position order
    are `recorded_us`: clears the mark if any of them goes back, from the event indexed before
    them on."""
    before = rows(cursor, dialect, "SELECT recorded_us FROM nl_read_events WHERE position < ? "
                                   "ORDER BY position DESC LIMIT 1", [first])
    times = [int(before[0]["recorded_us"]), *recorded_us] if before else list(recorded_us)
    if any(later < earlier for earlier, later in zip(times, times[1:])):
        mark(cursor, dialect, False)


def ensure(cursor: Cursor, dialect: Dialect) -> None:
    """Marks read models made before the mark was kept, from the events they index (one pass)."""
    if meta(cursor, dialect, IN_ORDER) is not None:
        return
    back = rows(cursor, dialect, "SELECT 1 AS back FROM (SELECT recorded_us, LAG(recorded_us) OVER "
                                 "(ORDER BY position) AS before FROM nl_read_events) t "
                                 "WHERE recorded_us < before LIMIT 1")
    # Another process starting at the same time may have marked them first, from the same rows.
    cursor.execute(dialect.sql("INSERT INTO nl_read_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"),
                   (IN_ORDER, _NO if back else _YES))


def in_order(cursor: Cursor, dialect: Dialect) -> bool:
    return meta(cursor, dialect, IN_ORDER) == _YES


def positions(cursor: Cursor, dialect: Dialect, since_us: int | None,
              until_us: int | None) -> tuple[int | None, int | None] | None:
    """The first position recorded at or after `since_us` and the last at or before `until_us`
    (None for a bound not given), between which every event recorded within them lies while
    the mark holds: two seeks in the index of recorded times. None when nothing was recorded
    within a bound; (None, None) while the order is not known."""
    if not in_order(cursor, dialect):
        return None, None
    edges: list[int | None] = []
    for bound, compare, order in ((since_us, ">=", "ASC"), (until_us, "<=", "DESC")):
        if bound is None:
            edges.append(None)
            continue
        found = rows(cursor, dialect, f"SELECT position FROM nl_read_events WHERE recorded_us {compare} ? "
                                      f"ORDER BY recorded_us {order}, position {order} LIMIT 1", [bound])
        if not found:
            return None
        edges.append(int(found[0]["position"]))
    return edges[0], edges[1]
