"""Naming why storage refused, for the 503 metric: by SQLSTATE where PostgreSQL gives one, by
the words of SQLite's and libpq's messages otherwise, through wrapped exceptions."""

from __future__ import annotations

import pytest

from domain.storage.faults import storage_cause


class SqlState(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("error, cause", [
    (SqlState("canceling statement due to lock timeout", "55P03"), "lock-timeout"),
    (SqlState("terminating connection due to administrator command", "57P01"), "database-restarting"),
    (SqlState("the database system is shutting down", "57P03"), "database-restarting"),
    (SqlState("could not extend file: No space left on device", "53100"), "disk-full"),
    (SqlState("couldn't get a connection after 5.00 sec"), "pool-exhausted"),
    (SqlState("connection failed: Connection refused"), "connection"),
    (SqlState("database is locked"), "lock-timeout"),
    (SqlState("database or disk is full"), "disk-full"),
    (SqlState("attempt to write a readonly database"), "read-only"),
    (SqlState("something else"), "other"),
])
def test_a_storage_error_is_named_by_its_cause(error: Exception, cause: str) -> None:
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = error
    assert storage_cause(error) == storage_cause(wrapped) == cause
