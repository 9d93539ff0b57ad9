"""Opening a database written by v1 of the service, whose events were hash-chained
(`nl_chain`: hash = SHA-256(previous hash + canonical JSON of the event as stored)) and had no
Merkle tree.

The upgrade runs once, in one transaction, when such a database is first opened: it walks the
old chain and refuses to go on if any link is broken (the tree must not vouch for a history the
chain already shows was edited), then gives every event, in position order, its log_index, a
salt per committed field, its leaf and the tree nodes it completes, exactly as an append would,
and drops the chain table. Nothing stored by v1 is lost: the chain was derived from the events,
which stay as they were. Checkpoints signed by v1 covered chain hashes and are not checked by
this version (the README says what to do with them)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from domain.leaves import committed_names, field_digests, leaf_bytes, new_salts
from domain.merkle import Frontier, leaf_hash
from domain.storage.cursor import Cursor
from domain.storage.database import Database
from domain.storage.dialect import Dialect
from domain.storage.log import decode
from domain.storage.tree import write_nodes

log = logging.getLogger("negotiation_log")
PAGE = 1000
V1_GENESIS = "0" * 64


class UpgradeRefused(Exception):
    """The v1 hash chain is broken: the database was edited behind the service's back."""


def _rows(cursor: Cursor, dialect: Dialect, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
    cursor.execute(dialect.sql(statement), params)
    return list(cursor.fetchall())


def has_v1_chain(cursor: Cursor, dialect: Dialect) -> bool:
    if dialect.name == "sqlite":
        found = _rows(cursor, dialect, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'nl_chain'")
    else:
        found = _rows(cursor, dialect, "SELECT 1 WHERE to_regclass('nl_chain') IS NOT NULL")
    return bool(found)


def v1_link(prev_hash: str, event: dict[str, Any]) -> str:
    """v1's chain hash: the event as the API returned it, minus its own hashes, in sorted
    compact JSON (Python's json.dumps with ensure_ascii=False), after the previous hash."""
    body = {k: v for k, v in event.items() if k not in ("hash", "prev_hash")}
    return hashlib.sha256(prev_hash.encode() + json.dumps(body, sort_keys=True, separators=(",", ":"),
                                                          ensure_ascii=False).encode()).hexdigest()


def upgrade(database: Database, progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Upgrades the database if it is a v1 one; returns the number of events given leaves."""
    dialect = database.dialect
    with database.transaction(commit=True) as cursor:
        if not has_v1_chain(cursor, dialect):
            return 0
        if dialect.name == "postgres":
            # Appends of other processes wait, and a second process opening the database at
            # the same time finds the upgrade done once it gets the lock.
            cursor.execute(f"LOCK TABLE {dialect.events_table} IN EXCLUSIVE MODE")
            if not has_v1_chain(cursor, dialect):
                return 0
        [total] = _rows(cursor, dialect, "SELECT COUNT(*) AS n FROM nl_chain")
        done = _give_leaves(cursor, dialect, int(total["n"]), progress)
        cursor.execute("DROP TABLE nl_chain")
    log.info("upgraded the database to the Merkle tree: %d events", done)
    return done


def _give_leaves(cursor: Cursor, dialect: Dialect, total: int, progress: Callable[[int, int], None]) -> int:
    pos, after, prev, frontier = dialect.position_column, 0, V1_GENESIS, Frontier.empty()
    select = (f"SELECT e.{pos} AS position, e.originator_id, e.originator_version, e.state, c.event_id AS link_id, "
              f"c.prev_hash, c.hash FROM {dialect.events_table} e LEFT JOIN nl_chain c ON c.position = e.{pos} "
              f"WHERE e.{pos} > ? ORDER BY e.{pos} LIMIT ?")
    while page := _rows(cursor, dialect, select, (after, PAGE)):
        leaves: list[tuple[Any, ...]] = []
        nodes: list[tuple[tuple[int, int], bytes]] = []
        for row in page:
            event = decode({**row, "log_index": None})
            if row["hash"] is None or row["prev_hash"] != prev or row["link_id"] != event.get("event_id") \
                    or v1_link(prev, event) != row["hash"]:
                raise UpgradeRefused(
                    f"the v1 hash chain is broken at position {row['position']}: the database was edited behind "
                    "the service's back; check it with the old version's `negotiation-log verify` and restore a "
                    "good backup before upgrading")
            prev = row["hash"]
            event["log_index"] = frontier.size
            salts = new_salts(committed_names(event))
            hashed = leaf_hash(leaf_bytes(event, field_digests(event, salts)))
            nodes += frontier.append(hashed)
            leaves.append((row["position"], event["log_index"], event["event_id"], event["recorded_at"], hashed,
                           json.dumps(salts, separators=(",", ":"))))
        cursor.executemany(  # type: ignore[attr-defined]
            dialect.sql("INSERT INTO nl_leaves (position, log_index, event_id, recorded_at, leaf_hash, salts) "
                        "VALUES (?, ?, ?, ?, ?, ?)"), leaves)
        write_nodes(cursor, dialect, nodes)
        after = page[-1]["position"]
        progress(frontier.size, total)
    # A chain row without its event (the event deleted) is as broken as a bad link.
    [count] = _rows(cursor, dialect, "SELECT COUNT(*) AS n FROM nl_chain")
    if int(count["n"]) != frontier.size:
        raise UpgradeRefused("the v1 hash chain has links for events that are not stored: the database was "
                             "edited behind the service's back")
    return frontier.size
