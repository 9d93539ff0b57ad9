"""Tables of ours that live beside the eventsourcing events table, in the same database, so
they can be written in the same transaction as the events."""

from __future__ import annotations

from domain.storage.dialect import Dialect


def create_statements(d: Dialect) -> list[str]:
    i = d.integer
    return [
        # One row per event, in global position order: the hash chain, and the index from
        # event id to stream and position.
        "CREATE TABLE IF NOT EXISTS nl_chain ("
        f"position {i} PRIMARY KEY, negotiation_id TEXT NOT NULL, version {i} NOT NULL, "
        "event_id TEXT NOT NULL UNIQUE, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, "
        "UNIQUE (negotiation_id, version))",
        # A replayed request is answered from the events it stored, which never change.
        "CREATE TABLE IF NOT EXISTS nl_idempotency ("
        "principal TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, "
        "negotiation_id TEXT NOT NULL, event_ids TEXT NOT NULL, created_at TEXT NOT NULL, "
        "PRIMARY KEY (principal, key))",
        # Tokens are the one thing not derived from the event log.
        "CREATE TABLE IF NOT EXISTS nl_tokens ("
        "token_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
        "token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT)",
    ]
