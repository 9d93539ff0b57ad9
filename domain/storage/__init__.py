"""Persistence: the eventsourcing recorders for SQLite and PostgreSQL, extended so that the
hash chain, idempotency keys and any read-model hooks are written in the same transaction
as the events they belong to."""
