"""Facts about the log itself, kept in the database beside it (`nl_log_meta`): its origin,
fixed when the database is made, and the verifier key of whoever first signed a checkpoint
for it. Both are part of every receipt's identity: changing either would orphan them."""

from __future__ import annotations

import secrets

from domain.errors import DomainError
from domain.signed_note import valid_key_name
from domain.storage.database import Database


class LogIdentityError(DomainError):
    """The configuration does not match what the database was made with: refuse to start."""

    title = "Log identity mismatch"


def read(db: Database, name: str) -> str | None:
    row = db.query_one("SELECT value FROM nl_log_meta WHERE name = ?", [name])
    return row["value"] if row else None


def settle(db: Database, name: str, value: str) -> str:
    """Stores `value` unless a value is there already (another process may have won the
    race); returns the one stored."""
    db.execute("INSERT INTO nl_log_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", [name, value])
    stored = read(db, name)
    assert stored is not None
    return stored


def new_origin() -> str:
    return f"negotiation-log/{secrets.token_hex(8)}"


def ensure_origin(db: Database, configured: str | None) -> str:
    """The log's origin: the configured one on a new database, else a new name; on an
    existing database the stored one, and a different configured value refuses to start."""
    if configured is not None and not valid_key_name(configured):
        raise LogIdentityError(f"NEGOTIATION_LOG_ORIGIN {configured!r} is not a valid key name "
                               "(non-empty, no spaces, no '+')", rule="origin")
    stored = read(db, "origin")
    if stored is None:
        stored = settle(db, "origin", configured or new_origin())
    if configured is not None and configured != stored:
        raise LogIdentityError(
            f"this database's origin is {stored!r}, not {configured!r} (NEGOTIATION_LOG_ORIGIN): the origin is "
            "fixed when a database is made, since it names the key that signs every checkpoint and receipt; "
            "unset NEGOTIATION_LOG_ORIGIN or set it to the stored value", rule="origin")
    return stored
