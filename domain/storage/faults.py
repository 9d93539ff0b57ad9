"""What a storage error means for an operator: why the database refused, in a few words that
can label a metric. Nothing is decided from it (every one of them is a 503 with Retry-After);
it only says where to look."""

from __future__ import annotations

from collections.abc import Iterator

# PostgreSQL SQLSTATE codes (Appendix A of its manual).
BY_SQLSTATE = {
    "55P03": "lock-timeout",  # lock_not_available: lock_timeout passed
    "57P01": "database-restarting",  # admin_shutdown: a restart or a killed backend
    "57P02": "database-restarting",  # crash_shutdown
    "57P03": "database-restarting",  # cannot_connect_now: starting up or shutting down
    "53100": "disk-full",
    "53200": "out-of-memory",
    "25006": "read-only",  # read_only_sql_transaction: a standby, or default_transaction_read_only
}
# Words of SQLite's and libpq's messages, for errors that carry no SQLSTATE.
BY_MESSAGE = (
    ("database is locked", "lock-timeout"),
    ("lock timeout", "lock-timeout"),
    ("couldn't get a connection", "pool-exhausted"),
    ("disk is full", "disk-full"),
    ("readonly", "read-only"),
    ("read-only", "read-only"),
    ("shutting down", "database-restarting"),
    ("starting up", "database-restarting"),
    ("terminating connection", "database-restarting"),
    ("unable to open database", "unavailable"),
    ("disk i/o error", "unavailable"),
    ("connection", "connection"),
    ("server closed", "connection"),
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def storage_cause(error: BaseException) -> str:
    """One of the values of BY_SQLSTATE and BY_MESSAGE, or "other"."""
    errors = list(_chain(error))
    for e in errors:
        cause = BY_SQLSTATE.get(getattr(e, "sqlstate", None) or "")
        if cause:
            return cause
    text = " ".join(str(e) for e in errors).lower()
    return next((cause for words, cause in BY_MESSAGE if words in text), "other")
