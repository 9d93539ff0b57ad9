"""The SQLite connections the log opens keep a cache of prepared statements
(domain.storage.sqlite_statements): eventsourcing's `cached_statements=True` would be a cache
of one, so that every statement but the last was compiled again on every append."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import eventsourcing.sqlite
import pytest

from domain.application import AppendRequest, NegotiationLog
from domain.storage import sqlite_statements
from domain.storage.backend import eventsourcing_env
from tests.conftest import OPENING


def test_every_connection_the_log_opens_caches_statements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        made.append(kwargs.get("cached_statements"))
        return real(*args, **kwargs)
    monkeypatch.setattr(sqlite3, "connect", connect)
    log = NegotiationLog(eventsourcing_env(str(tmp_path / "log.db")))
    try:
        log.append(AppendRequest(principal="t", events=[OPENING]))
    finally:
        log.close()
    assert made and set(made) == {sqlite_statements.STATEMENTS}, made


def test_the_library_still_sees_the_sqlite3_module() -> None:
    seen = eventsourcing.sqlite.sqlite3
    assert seen.Row is sqlite3.Row and seen.Error is sqlite3.Error and seen.OperationalError is sqlite3.OperationalError
    sqlite_statements.install()  # again: nothing changes
    assert eventsourcing.sqlite.sqlite3 is seen
