"""The timeline index: each fact's valid time as the log read it over recorded time, keyed by
(negotiation, valid time, position), so that a page of the timeline, or the facts that fall
in a window of valid time, are found without replaying the negotiation.

One row per fact and per correction that moved its valid time: the fact's span
(`from_us`, `until_us`) while that was what the log knew, `known_from_us` (the recorded time
of the fact, or of the correction) until `known_until_us` (the next such correction's, or
FOREVER). A `known_at` picks the one row whose interval holds it, so a correction not yet
known does not move a fact. The rows hold times, types and positions only, never values: an
erasure rewrites the stored events, and the index has nothing of theirs to serve (a
correction's `changes`, which move a fact's time, cannot be erased).

The index only decides which events to fold: readers load those events (and their
corrections, through the target index) and run the one timeline fold over them, and check
that the fold agrees with the index before answering from it (projections.store.queries).

Written by a transaction hook in the same transaction as the events. Its mark (the one row
of position 0, of no negotiation, whose `type` is the SHAPE and whose `source_position` is
the head indexed) says up to where every event is indexed, and lives and dies with the rows; an append
moves it only from the event just before its own. A writer without this hook, a dropped or
emptied table, a mark of an older shape or ahead of the log (a log cut back) all leave the
index untrusted: readers replay the stream as before until `catch_up` (at start) or a rebuild
has made it whole."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.persistence import PersistenceError

from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor
from domain.valid_time import parse_valid_time

from projections.replay import CORRECTION_TYPES, as_corrected
from projections.store.loading import events_after, events_at, rows
from projections.store.schema import micros, stored_micros
from projections.store.shadow import Renamed, live_index_name
from projections.timeline import TimelineFilter

TABLE = "nl_timeline"
# Bumped when what a row holds changes: a mark of another shape is not trusted, and the next
# start rebuilds the index.
SHAPE = "2"  # 2: four span classes (1 had two, split at 32 days)
FOREVER = 2**62  # a known_until_us no recorded time reaches
_DAY_US = timedelta(days=1) // timedelta(microseconds=1)
# The longest span (until_us - from_us; ends are inclusive, at microseconds) of each span class
# but the last, which holds every longer one. A `from` filter finds a class's facts still going
# on at its start among those begun at most that span before it, so what it reads and rejects
# before `from` is bounded by the class, however long the negotiation. The bounds are the spans
# of the forms facts are known by:
# 0: a moment (a date-time): none begun before `from` can still be going on at it;
# 1: within a day (a day spans a day less 1 µs): the day-precision facts of the day before
#    `from` begin just too early to be read;
# 2: within a calendar month (the longest spans 31 days less 1 µs): facts known to the month,
#    or to a range of days;
# 3: longer (a quarter, a year, a long or open interval): all of those begun before `from` are
#    read, the few in any negotiation.
LONGEST = (0, _DAY_US - 1, 31 * _DAY_US - 1)
CLASSES = tuple(range(len(LONGEST) + 1))
CHUNK = 1000

_MARK = "position = 0 AND negotiation_id = '' AND type = ?"  # no event has position 0
Row = tuple[str, int, int, int, int, int, str, str, int, int]

INSERT = (f"INSERT INTO {TABLE} (negotiation_id, position, source_position, from_us, until_us, long, type, "
          "family, known_from_us, known_until_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")


def span_class(from_us: int, until_us: int) -> int:
    """The class of a fact spanning `from_us` to `until_us` (inclusive): the first of LONGEST
    that holds its span, or the last class."""
    return bisect_left(LONGEST, until_us - from_us)


def earliest_going_on(span_class_: int, at_us: int) -> int | None:
    """The earliest `from_us` a fact of the class can have and still be going on at `at_us`;
    None for the last class, whose spans have no bound."""
    return at_us - LONGEST[span_class_] if span_class_ < len(LONGEST) else None


def _span(fact: Mapping[str, Any]) -> tuple[int, int]:
    return stored_micros(fact["occurred_from"]), stored_micros(fact["occurred_until"])


def _row(fact: Mapping[str, Any], source: Mapping[str, Any], span: tuple[int, int], until: int = FOREVER) -> Row:
    begun, ended = span
    return (fact["negotiation_id"], fact["position"], source["position"], begun, ended, span_class(begun, ended),
            fact["type"], fact["type"].split(".")[0], stored_micros(source["recorded_at"]), until)


def moves_time(event: Mapping[str, Any]) -> bool:
    return event["type"] == "record.corrected" and "occurred_at" in (event.get("changes") or {})


def valid_times(fact: dict[str, Any], corrections: Sequence[dict[str, Any]]) -> list[Row]:
    """Every row of one fact, from the fact and its corrections (any order): the span it had
    after each correction that moved it, as the timeline fold (as_corrected) applies them."""
    ordered = sorted(corrections, key=lambda c: c["position"])
    spans = [(fact, _span(fact))]
    spans += [(c, _span(as_corrected(fact, ordered[:i + 1]))) for i, c in enumerate(ordered) if moves_time(c)]
    ends = [stored_micros(source["recorded_at"]) for source, _ in spans[1:]] + [FOREVER]
    return [_row(fact, source, span, until) for (source, span), until in zip(spans, ends, strict=True)]


class TimelineIndex:
    """A TransactionHook (see domain.storage.writes), and Rebuildable."""

    tables = (TABLE,)
    holds_values = False  # times, types, ids and positions

    def create_tables(self, cursor: Cursor, dialect: Dialect) -> None:
        self._create_table(cursor, dialect)
        self.finish(cursor, dialect)

    @staticmethod
    def _create_table(cursor: Cursor, dialect: Dialect) -> None:
        i = dialect.integer
        # `long` holds the span class (named when there were two): a writer of an older version
        # still writes its rows, under a mark of its own shape, and the next start replaces them.
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (negotiation_id TEXT NOT NULL, position {i} NOT NULL, "
                       f"source_position {i} NOT NULL, from_us {i} NOT NULL, until_us {i} NOT NULL, long {i} NOT NULL, "
                       f"type TEXT NOT NULL, family TEXT NOT NULL, known_from_us {i} NOT NULL, "
                       f"known_until_us {i} NOT NULL, PRIMARY KEY (position, source_position))")

    def finish(self, cursor: Cursor, dialect: Dialect) -> None:
        # Its rows are found by position (the primary key) while it is filled: a rebuild that
        # may leaves this to the end, one sorted build rather than kept in step page by page.
        cursor.execute(f"CREATE INDEX IF NOT EXISTS nl_timeline_order ON {TABLE} "
                       "(negotiation_id, long, from_us, position)")

    def reset(self, cursor: Cursor, dialect: Dialect) -> None:
        """Empties the index, inside a rebuild's (or a catch-up's) transaction that refills it;
        without its secondary index until `finish` (or the next `create_tables`)."""
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        self._create_table(cursor, dialect)
        cursor.execute(dialect.sql(f"INSERT INTO {TABLE} (negotiation_id, position, source_position, from_us, until_us, "
                                   "long, type, family, known_from_us, known_until_us) "
                                   "VALUES ('', 0, 0, 0, 0, 0, ?, '', 0, 0)"), (SHAPE,))

    def after_insert(self, cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        first, last = events[0]["position"], events[-1]["position"]
        # Rows at or after these positions can only be left from a log cut back behind the
        # service's back (SQLite then hands the positions out again).
        cursor.execute(dialect.sql(f"DELETE FROM {TABLE} WHERE position >= ?"), (first,))
        index_events(cursor, dialect, events)
        pos = dialect.position_column
        # Only from the event just before these: a mark behind (events written without this
        # hook) stays behind, and so untrusted, until a catch-up.
        cursor.execute(dialect.sql(
            f"UPDATE {TABLE} SET source_position = ? WHERE {_MARK} AND source_position = "
            f"(SELECT COALESCE(MAX({pos}), 0) FROM {dialect.events_table} WHERE {pos} < ?)"), (last, SHAPE, first))

    def catch_up(self, db: Database) -> int:
        """Completes the index up to the log's head, from the start when its mark is missing,
        of another shape or ahead of the log; returns how many events were read. Each step
        holds the write lock, so no append comes between the events read and the mark moved."""
        try:
            with db.transaction(commit=False) as cursor:
                if whole(cursor, db.dialect):  # as at most starts: no write lock taken
                    return 0
        except PersistenceError:
            pass  # no table yet (created below)
        done = 0
        while True:
            with db.write_transaction() as raw:
                dialect = db.dialect
                if dialect.name == "postgres":
                    raw.execute(f"LOCK TABLE {dialect.events_table} IN EXCLUSIVE MODE")
                cursor = Renamed(raw, {}, live_index_name(dialect))  # the index names a rebuild left
                self.create_tables(cursor, dialect)
                mark, head = _mark_and_head(cursor, dialect)
                if mark is None or mark > head:
                    self.reset(cursor, dialect)
                    self.finish(cursor, dialect)  # kept in step: this may be its last step
                    mark = 0
                page = events_after(cursor, dialect, mark, CHUNK)
                if page:
                    cursor.execute(dialect.sql(f"DELETE FROM {TABLE} WHERE position > ?"), (mark,))
                    index_events(cursor, dialect, page)
                    cursor.execute(dialect.sql(f"UPDATE {TABLE} SET source_position = ? WHERE {_MARK}"),
                                   (page[-1]["position"], SHAPE))
            done += len(page)
            if len(page) < CHUNK:
                return done


def index_events(cursor: Cursor, dialect: Dialect, events: Sequence[dict[str, Any]]) -> None:
    """Rows for `events` (in position order, so a target in the same batch comes first): one per
    fact; a correction moving a fact's time closes its current row and opens another."""
    facts: list[Row] = []
    for event in sorted(events, key=lambda e: e["position"]):
        if event["type"] not in CORRECTION_TYPES:
            facts.append(_row(event, event, _span(event)))
            continue
        if facts:  # the target may be among them
            cursor.executemany(dialect.sql(INSERT), facts)  # type: ignore[attr-defined]
            facts.clear()
        if moves_time(event):
            _move(cursor, dialect, event)
    if facts:
        cursor.executemany(dialect.sql(INSERT), facts)  # type: ignore[attr-defined]


def _position_of(cursor: Cursor, dialect: Dialect, event_id: str) -> int | None:
    found = rows(cursor, dialect, "SELECT position FROM nl_leaves WHERE event_id = ?", [event_id])
    return int(found[0]["position"]) if found else None


def _move(cursor: Cursor, dialect: Dialect, correction: dict[str, Any]) -> None:
    target = _position_of(cursor, dialect, correction["target_event_id"])
    current = rows(cursor, dialect, f"SELECT * FROM {TABLE} WHERE position = ? AND known_until_us = ?",
                   [target, FOREVER])
    if not current or int(current[0]["source_position"]) == correction["position"]:
        return  # already applied (a catch-up going over events an append indexed meanwhile)
    if int(current[0]["source_position"]) > correction["position"]:
        # A later correction was applied first (appended while a catch-up had not reached
        # this one): the rows are made anew from every correction of the fact.
        _recompute(cursor, dialect, target)
        return
    fact = {"negotiation_id": current[0]["negotiation_id"], "position": target, "type": current[0]["type"]}
    recorded = stored_micros(correction["recorded_at"])
    cursor.execute(dialect.sql(f"UPDATE {TABLE} SET known_until_us = ? WHERE position = ? AND source_position = ?"),
                   (recorded, target, current[0]["source_position"]))
    moved = parse_valid_time(correction["changes"]["occurred_at"]).as_fields()
    span = stored_micros(str(moved["occurred_from"])), stored_micros(str(moved["occurred_until"]))
    cursor.execute(dialect.sql(INSERT), _row(fact, correction, span))


def _recompute(cursor: Cursor, dialect: Dialect, target: int) -> None:
    """The rows of the fact at `target` anew, from it and every correction of it (valid_times).
    Its corrections are found by a scan of its negotiation's index rows: for catch-ups only,
    never a plain append."""
    [fact] = events_at(cursor, dialect, "f.position = ?", [target])
    corrections = events_at(cursor, dialect, "f.negotiation_id = ? AND f.target_position = ?",
                            [fact["negotiation_id"], target])
    cursor.execute(dialect.sql(f"DELETE FROM {TABLE} WHERE position = ?"), (target,))
    cursor.executemany(dialect.sql(INSERT), valid_times(fact, corrections))  # type: ignore[attr-defined]


# -- reading --------------------------------------------------------------------------------

def _mark_and_head(cursor: Cursor, dialect: Dialect) -> tuple[int | None, int]:
    pos = dialect.position_column
    [state] = rows(cursor, dialect, f"SELECT (SELECT source_position FROM {TABLE} WHERE {_MARK}) AS mark, "
                                    f"(SELECT MAX({pos}) FROM {dialect.events_table}) AS head", [SHAPE])
    return (None if state["mark"] is None else int(state["mark"])), int(state["head"] or 0)


def whole(cursor: Cursor, dialect: Dialect) -> bool:
    """Whether the mark, of the current shape, is at the log's head: every event is indexed.
    Raises PersistenceError if the tables are missing."""
    mark, head = _mark_and_head(cursor, dialect)
    return mark == head


def _known(known_at: datetime | None, table: str = "") -> tuple[str, list[Any]]:
    """The one row of each fact that holds what the log knew at `known_at` (or knows now)."""
    at = FOREVER - 1 if known_at is None else micros(known_at)
    return f"{table}known_from_us <= ? AND {table}known_until_us > ? ", [at, at]


def page(cursor: Cursor, dialect: Dialect, negotiation_id: str, wanted: TimelineFilter,
         after: tuple[int, int] | None, count: int) -> list[tuple[int, int]]:
    """The (valid time, position) of the first `count` facts of the timeline `wanted` selects
    after the key `after`, as the index has them: the first `count` of each span class, each an
    index range from its lower bound, merged."""
    known_sql, known_params = _known(wanted.known_at)
    where, params = f"negotiation_id = ? AND long = ? AND {known_sql}", [negotiation_id, None, *known_params]
    bounds = [b for b in (wanted.end, wanted.as_of) if b is not None]
    if bounds:
        where += "AND from_us <= ? "
        params.append(micros(min(bounds)))
    if wanted.types:
        marks = ", ".join("?" * len(wanted.types))
        where += f"AND (type IN ({marks}) OR family IN ({marks})) "
        params += [*sorted(wanted.types), *sorted(wanted.types)]
    if wanted.start is not None:
        where += "AND until_us >= ? "
        params.append(micros(wanted.start))
    if after is not None:
        where += "AND (from_us > ? OR position > ?) "  # exact; the lower bound below bounds the range
        params += [after[0], after[1]]
    found: list[tuple[int, int]] = []
    for span_class_ in CLASSES:
        sql, args = where, list(params)
        args[1] = span_class_
        lower = [after[0]] if after is not None else []
        if wanted.start is not None and (earliest := earliest_going_on(span_class_, micros(wanted.start))) is not None:
            lower.append(earliest)
        if lower:  # one bound, the greater: given two on one column, the planner may take the lesser
            sql += "AND from_us >= ? "
            args.append(max(lower))
        found += [(int(r["from_us"]), int(r["position"])) for r in rows(
            cursor, dialect, f"SELECT from_us, position FROM {TABLE} WHERE {sql}ORDER BY from_us, position LIMIT ?",
            [*args, count])]
    return sorted(found)[:count]


def entities_in_window(cursor: Cursor, dialect: Dialect, negotiation_id: str, *, after: datetime | None,
                       until: datetime | None, known_at: datetime | None) -> list[tuple[str, str]]:
    """(kind, key) of every entity with a fact whose valid time (as known at `known_at`) began
    after `after` and by `until`: the only entities whose state differs between the two.
    Driven from the entity index (the facts about rounds, disputes, proposals, commitments),
    each looked up here by position: statements, most of a long negotiation's events and
    about no entity, are never read."""
    known_sql, params = _known(known_at, "x.")
    where = f"t.negotiation_id = ? AND t.kind <> 'negotiation' AND {known_sql}"
    params = [negotiation_id, *params]
    if after is not None:
        where += "AND x.from_us > ? "
        params.append(micros(after))
    if until is not None:
        where += "AND x.from_us <= ? "
        params.append(micros(until))
    # CROSS JOIN: SQLite's planner would otherwise start from the window of the timeline.
    join = "CROSS JOIN" if dialect.name == "sqlite" else "JOIN"
    found = rows(cursor, dialect, f"SELECT DISTINCT t.kind, t.key FROM nl_read_touches t {join} {TABLE} x "
                                  f"ON x.position = t.position WHERE {where}", params)
    return sorted((r["kind"], r["key"]) for r in found)


def current_start(table: str, as_of: datetime | None) -> tuple[str, list[Any]]:
    """A condition on a fact's row (`table` its alias and a dot) keeping the row of what the log
    now reads, if the fact begins by `as_of` then."""
    sql, params = _known(None, table)
    if as_of is not None:
        sql, params = sql + f"AND {table}from_us <= ? ", [*params, micros(as_of)]
    return sql, params


def beginning_between(negotiation_ids: Sequence[str], first_us: int, last_us: int) -> tuple[str, list[Any]]:
    """A subquery of the positions of the facts whose valid time, as the log now reads it, begins
    between the two times (both included): a range of the index for each span class. The
    caller must know the index is whole."""
    known_sql, params = _known(None)
    marks, classes = ",".join("?" * len(negotiation_ids)), ", ".join(map(str, CLASSES))
    return (f"SELECT position FROM {TABLE} WHERE negotiation_id IN ({marks}) AND long IN ({classes}) "
            f"AND from_us >= ? AND from_us <= ? AND {known_sql}"), [*negotiation_ids, first_us, last_us, *params]
