"""Tables of ours that live beside the eventsourcing events table, in the same database, so
they can be written in the same transaction as the events."""

from __future__ import annotations

from domain.storage.dialect import Dialect


def create_statements(d: Dialect) -> list[str]:
    i = d.integer
    blob = "BLOB" if d.name == "sqlite" else "BYTEA"
    without_rowid = " WITHOUT ROWID" if d.name == "sqlite" else ""
    return [
        # One row per event: its place in the Merkle tree (log_index, dense from 0 in position
        # order), what the server stamped under the write lock (recorded_at), its leaf hash,
        # and the salts of its committed fields (docs/api.md §9). `erased` keeps the digests of
        # erased fields, whose values and salts are gone (§10). Also the index from event id
        # to position.
        "CREATE TABLE IF NOT EXISTS nl_leaves ("
        f"position {i} PRIMARY KEY, log_index {i} NOT NULL UNIQUE, event_id TEXT NOT NULL UNIQUE, "
        f"recorded_at TEXT NOT NULL, leaf_hash {blob} NOT NULL, salts TEXT NOT NULL, erased TEXT)",
        # The hash of every complete subtree above the leaves: node (level, idx) covers leaves
        # [idx * 2**level, (idx + 1) * 2**level). Written once, when the leaf completing it is
        # appended, and never changed; level 0 is nl_leaves.leaf_hash.
        "CREATE TABLE IF NOT EXISTS nl_tree ("
        f"level {i} NOT NULL, idx {i} NOT NULL, hash {blob} NOT NULL, PRIMARY KEY (level, idx)){without_rowid}",
        # Facts about the log itself, fixed when the database is made (its origin) or when it
        # first signed a checkpoint (the key it signs with).
        "CREATE TABLE IF NOT EXISTS nl_log_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # A replayed request is answered from the events it stored, which never change.
        "CREATE TABLE IF NOT EXISTS nl_idempotency ("
        "principal TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, "
        "negotiation_id TEXT NOT NULL, event_ids TEXT NOT NULL, created_at TEXT NOT NULL, "
        "PRIMARY KEY (principal, key))",
        # Per negotiation, what the write rules need of its stream after `version` (whose event
        # is `event_id`), in the shape `shape` (domain.snapshots): loading a stream for an
        # append reads this and the events after it. Derived from the events, so a row may be
        # deleted at any time (the stream is then replayed once, and a new one written).
        "CREATE TABLE IF NOT EXISTS nl_snapshots ("
        f"negotiation_id TEXT PRIMARY KEY, version {i} NOT NULL, event_id TEXT NOT NULL, shape {i} NOT NULL, "
        "state TEXT NOT NULL, digest TEXT NOT NULL)",
        # Tokens are the one thing not derived from the event log.
        "CREATE TABLE IF NOT EXISTS nl_tokens ("
        "token_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
        "token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT, workspaces TEXT)",
    ]
