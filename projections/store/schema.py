"""The read-model tables. All of them are derived from the log and disposable: `rebuild` drops
and recreates them, and a change to what they hold bumps VERSION so that the next start
rebuilds them rather than serve views of an older shape."""

from __future__ import annotations

from functools import lru_cache

from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor
from domain.valid_time import micros

from projections.negotiation import STATUS_BY_TYPE
from projections.replay import CORRECTION_TYPES, utc

# 2: the audit's columns and indexes (who recorded each event) joined nl_read_events, and the
# audit's own table (nl_audit, one more row and five more index entries per event) went; the
# partial indexes of introducing and status events are on `fact_role`.
VERSION = "2"
TABLES = ("nl_read_events", "nl_read_touches", "nl_read_models", "nl_read_meta", "nl_read_counts")
# Tables of earlier versions, dropped when the read models are made anew.
RETIRED = ("nl_audit",)
# Those whose rows hold recorded values (a view's body), which an erasure may remove: the others
# hold positions, ids, keys, counts and times only.
HOLDING_VALUES = ("nl_read_models",)
# The events of a negotiation that corrections touch, or that are corrections: the condition of
# a partial index, and (word for word, so that SQLite uses the index) of the queries using it.
TOUCHED = "corrected = 1 OR retracted = 1 OR target_position IS NOT NULL"
# The events that bring each kind of entity into being, as the folds define it.
INTRODUCERS = {"round": ("round.proposed", "round.scheduled", "round.started"), "dispute": ("dispute.raised",),
               "proposal": ("proposal.tabled",), "commitment": ("commitment.agreed",)}
# What an event is to two partial indexes, stored in its row (`fact_role`): one that introduces
# an entity, or a negotiation's own status event (its opening among them). Word for word as the
# queries using them write it, the condition of each index. A column of its own rather than a
# condition on `type`: SQLite's planner would read the audit's (type, position) index for such
# a condition instead (every status event of every negotiation, for a list at an early as_of),
# and evaluated a list of types for every row inserted (4 µs an event, of 9).
INTRODUCES, SETS_STATUS = 1, 2
INTRODUCING = f"fact_role = {INTRODUCES}"
STATUS = f"fact_role = {SETS_STATUS}"
_ROLES = {**{t: INTRODUCES for types in INTRODUCERS.values() for t in types},
          **{t: SETS_STATUS for t in STATUS_BY_TYPE}}
# The correction and retraction types, as an SQL list.
CORRECTIONS = ", ".join(f"'{t}'" for t in CORRECTION_TYPES)


def fact_role(event_type: str) -> int:
    return _ROLES.get(event_type, 0)


def plain(alias: str = "") -> str:
    """The condition of the plain facts: those no correction or retraction touched, and that
    are no correction themselves, which read as recorded (columns of nl_read_events `alias`)."""
    return f"{alias}corrected = 0 AND {alias}retracted = 0 AND {alias}type NOT IN ({CORRECTIONS})"


@lru_cache(maxsize=4096)
def stored_micros(text: str) -> int:
    """micros of a time as events store it (ISO 8601 text): the events of one append share
    their recorded time, and many facts their day, so most are a cache hit rather than a parse
    (a sixth of indexing a statement)."""
    return micros(utc(text))


def meta(cursor: Cursor, dialect: Dialect, name: str) -> str | None:
    """The value of nl_read_meta's row `name`, if it has one."""
    cursor.execute(dialect.sql("SELECT value FROM nl_read_meta WHERE name = ?"), (name,))
    found = cursor.fetchall()
    return str(found[0]["value"]) if found else None


def set_meta(cursor: Cursor, dialect: Dialect, name: str, value: str) -> None:
    cursor.execute(dialect.sql("INSERT INTO nl_read_meta (name, value) VALUES (?, ?) ON CONFLICT (name) "
                               "DO UPDATE SET value = excluded.value"), (name, value))


def create_statements(d: Dialect, *, indexes: bool = True) -> list[str]:
    """The tables, and unless `indexes` is false their secondary indexes (see index_statements)."""
    i = d.integer
    return [
        # One row per stored event, corrections included: what the indexes and the audit filter
        # on. The valid time is as recorded; `corrected` says a correction may have moved it.
        "CREATE TABLE IF NOT EXISTS nl_read_events ("
        f"position {i} PRIMARY KEY, negotiation_id TEXT NOT NULL, version {i} NOT NULL, "
        f"event_id TEXT NOT NULL, type TEXT NOT NULL, occurred_us {i} NOT NULL, recorded_us {i} NOT NULL, "
        f"target_position {i}, corrected {i} NOT NULL DEFAULT 0, retracted {i} NOT NULL DEFAULT 0, "
        f"recorded_by TEXT NOT NULL, fact_role {i} NOT NULL)",
        # Events are found by id through nl_leaves' index: a second index on random ids would
        # cost every append a random page write (databases from before lose theirs).
        "DROP INDEX IF EXISTS nl_read_events_id",
        # Which entities each event touches (a correction: its target's).
        "CREATE TABLE IF NOT EXISTS nl_read_touches ("
        f"negotiation_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, position {i} NOT NULL, "
        "PRIMARY KEY (negotiation_id, kind, key, position))",
        # The current state of every existing entity (and negotiation), as JSON.
        "CREATE TABLE IF NOT EXISTS nl_read_models ("
        f"negotiation_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, since_us {i} NOT NULL, "
        f"position {i} NOT NULL, body TEXT NOT NULL, PRIMARY KEY (negotiation_id, kind, key))",
        "CREATE TABLE IF NOT EXISTS nl_read_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # How many plain facts begin on each day of valid time (projections.store.counts). A
        # rowid table, as every read model: a rebuild empties big old tables by rowid.
        f"CREATE TABLE IF NOT EXISTS nl_read_counts (negotiation_id TEXT NOT NULL, day_us {i} NOT NULL, "
        f"events {i} NOT NULL, statements {i} NOT NULL, PRIMARY KEY (negotiation_id, day_us))",
    ] + (index_statements() if indexes else [])


def index_statements() -> list[str]:
    """Indexes the stored views are read through but never need while a rebuild fills them:
    a rebuild creates them afterwards, one sorted build each rather than kept in step page
    by page."""
    return [
        # Also the audit's filter by negotiation; each filter reads its own index in position
        # order, so a page of the audit is a short range scan.
        "CREATE INDEX IF NOT EXISTS nl_read_events_stream ON nl_read_events (negotiation_id, position)",
        "CREATE INDEX IF NOT EXISTS nl_read_events_recorded_by ON nl_read_events (recorded_by, position)",
        "CREATE INDEX IF NOT EXISTS nl_read_events_type ON nl_read_events (type, position)",
        "CREATE INDEX IF NOT EXISTS nl_read_events_recorded ON nl_read_events (recorded_us, position)",
        # The few events an as-of count replays (projections.store.negotiations): without it,
        # finding them reads every event of the negotiation. Plain facts have no entry in it.
        "CREATE INDEX IF NOT EXISTS nl_read_events_touched ON nl_read_events (negotiation_id, position) "
        f"WHERE {TOUCHED}",
        # The facts that bring entities into being, for an as-of count of them: as many as the
        # negotiation has entities, where its statements would be most of its events.
        f"CREATE INDEX IF NOT EXISTS nl_read_events_introducing ON nl_read_events (negotiation_id, occurred_us) "
        f"WHERE {INTRODUCING}",
        # The status events by valid time, for a list at an early as_of: the few negotiations open
        # by then are found from them rather than by looking through every negotiation.
        f"CREATE INDEX IF NOT EXISTS nl_read_events_status ON nl_read_events (occurred_us) WHERE {STATUS}",
        "CREATE INDEX IF NOT EXISTS nl_read_touches_position ON nl_read_touches (position)",
        "CREATE INDEX IF NOT EXISTS nl_read_models_order ON nl_read_models (negotiation_id, kind, since_us, key)",
    ]


def drop_statements() -> list[str]:
    return [f"DROP TABLE IF EXISTS {t}" for t in TABLES]
