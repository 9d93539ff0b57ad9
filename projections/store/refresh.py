"""Recomputing stored states: an entity from its own events only, through the same folds that
answer time-travel queries, so the stored view and a replay cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain import jsonfast
from domain.storage.dialect import Dialect
from domain.storage.writes import Cursor

from projections.entities import NEGOTIATION_TYPES, is_correction, last_position, since, states, view
from projections.store.loading import entity_events, rows
from projections.store.negotiations import COUNT_NAMES, negotiation_at, own_fields
from projections.store.schema import micros


# What a negotiation's stored view holds besides its own fields (negotiations.negotiations_at).
_NOT_OWN = ("counts", "version", "position")


def refresh_entity(cursor: Cursor, dialect: Dialect, negotiation_id: str, kind: str, key: str,
                   events: Sequence[dict[str, Any]] | None = None, *, fresh: bool = False) -> int:
    """Returns how the number of existing entities of the kind moved: +1, -1 or 0. `events`,
    if the caller has them, are all the events touching the entity, in position order;
    `fresh` says no row of it is stored yet."""
    if events is None:
        events = entity_events(cursor, dialect, negotiation_id, kind, key)
    state = states(kind, events).get(key)
    body = view(kind, state) if state else None
    return _store(cursor, dialect, negotiation_id, kind, key, body,
                  since_us=micros(since(state)) if state else 0, position=last_position(events), fresh=fresh)


def refresh_negotiation(cursor: Cursor, dialect: Dialect, negotiation_id: str,
                        new: Sequence[dict[str, Any]] | None = None, moved: dict[str, int] | None = None) -> None:
    """With the events just added (`new`) and how they moved the number of entities of each
    kind (`moved`), the counts move by what they add and retract, so a long negotiation is not
    recounted on every append; without them, or with no stored view yet, it is counted from
    the index."""
    stored = _stored_body(cursor, dialect, negotiation_id) if new else None
    body = negotiation_at(cursor, dialect, negotiation_id) if stored is None else \
        _moved_on(cursor, dialect, negotiation_id, stored, new, moved or {})  # type: ignore[arg-type]
    _store(cursor, dialect, negotiation_id, "negotiation", negotiation_id, body, since_us=0,
           position=body["position"] if body else 0)


def _moved_on(cursor: Cursor, dialect: Dialect, negotiation_id: str, stored: dict[str, Any],
              new: Sequence[dict[str, Any]], moved: dict[str, int]) -> dict[str, Any] | None:
    if any(e["type"] in NEGOTIATION_TYPES or is_correction(e) for e in new):
        own = own_fields(cursor, dialect, negotiation_id)
        if own is None:
            return None
    else:
        # None of them is about the negotiation's own fields (a correction may be, through its
        # target): those stored are still right, and folding its own events again for every
        # statement cost a query and a fold per append.
        own = {k: v for k, v in stored.items() if k not in _NOT_OWN}
    counts = dict(stored["counts"])
    for event in new:
        if event["type"] == "record.retracted":
            # The target is a live fact (the log refuses anything else), now gone.
            [target] = rows(cursor, dialect, "SELECT f.type FROM nl_leaves c JOIN nl_read_events f "
                                             "ON f.position = c.position WHERE c.event_id = ?",
                            [event["target_event_id"]])
            counts["events"] -= 1
            counts["statements"] -= target["type"] == "statement.issued"
        elif not is_correction(event):
            counts["events"] += 1
            counts["statements"] += event["type"] == "statement.issued"
    # The stored counts are the number of entity rows; each refreshed entity said whether its
    # row came or went, so counting the rows again (all of a long negotiation's) is not needed.
    for kind, name in COUNT_NAMES.items():
        counts[name] += moved.get(kind, 0)
    last = max(new, key=lambda e: e["position"])
    return {**own, "counts": counts, "version": last["version"], "position": last["position"]}


def _stored_body(cursor: Cursor, dialect: Dialect, negotiation_id: str) -> dict[str, Any] | None:
    found = rows(cursor, dialect, "SELECT body FROM nl_read_models WHERE negotiation_id = ? AND kind = "
                                  "'negotiation' AND key = ?", [negotiation_id, negotiation_id])
    return jsonfast.loads(found[0]["body"]) if found else None  # type: ignore[no-any-return]


def _store(cursor: Cursor, dialect: Dialect, negotiation_id: str, kind: str, key: str,
           body: dict[str, Any] | None, *, since_us: int, position: int, fresh: bool = False) -> int:
    """Replaces the row; no body means the entity does not exist (any more). Returns +1 if
    the row is new, -1 if it went, 0 if it was replaced or never was."""
    existed = False
    if not fresh:
        # RETURNING rather than rowcount: inside eventsourcing's PostgreSQL pipeline a cursor's
        # rowcount is not known yet, and its SQLite cursor wrapper does not pass it through.
        cursor.execute(dialect.sql("DELETE FROM nl_read_models WHERE negotiation_id = ? AND kind = ? AND key = ? "
                                   "RETURNING 1"), (negotiation_id, kind, key))
        existed = bool(cursor.fetchall())
    if body is not None:
        cursor.execute(dialect.sql(
            "INSERT INTO nl_read_models (negotiation_id, kind, key, since_us, position, body) "
            "VALUES (?, ?, ?, ?, ?, ?)"),
            (negotiation_id, kind, key, since_us, position, jsonfast.dumps(body).decode()))
    return (body is not None) - existed
