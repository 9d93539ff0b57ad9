"""On SQLite the rebuild leaves the write lock free between its steps only when another process
has the file open, the only kind of writer that could be waiting: seen through the lock every
SQLite connection holds on the -shm file, which asking must not take away from this process."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from api.services import Services
from domain.storage.other_processes import others_have_it_open
from projections.store import rebuild as rebuilding
from projections.store.rebuild import rebuild
from tests.app.test_read_model_store import open_negotiation


@contextmanager
def another_process_on(db_file: Path) -> Iterator[subprocess.Popen[str]]:
    """A process with its own connection to `db_file`, open until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
         "c.execute('SELECT 1 FROM sqlite_master').fetchall(); print('open', flush=True); sys.stdin.read()",
         str(db_file)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(10)


def wal_file(tmp_path: Path) -> tuple[Path, sqlite3.Connection]:
    db_file = tmp_path / "wal.db"
    connection = sqlite3.connect(db_file)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    return db_file, connection


def test_connections_of_this_process_alone_are_not_other_processes(tmp_path: Path) -> None:
    db_file, connection = wal_file(tmp_path)
    second = sqlite3.connect(db_file)
    second.execute("SELECT * FROM t").fetchall()
    assert not others_have_it_open(str(db_file))
    second.close()
    connection.close()


def test_another_process_is_seen_while_it_has_the_file_open_and_not_after(tmp_path: Path) -> None:
    db_file, connection = wal_file(tmp_path)
    with another_process_on(db_file):
        assert others_have_it_open(str(db_file))
    assert not others_have_it_open(str(db_file))
    connection.close()


def test_asking_leaves_this_process_seen_by_others(tmp_path: Path) -> None:
    # Closing a descriptor of the -shm file would drop every lock this process holds on it.
    db_file, connection = wal_file(tmp_path)
    for _ in range(3):
        others_have_it_open(str(db_file))
    asked = subprocess.run([sys.executable, "-c", "import sys; from domain.storage.other_processes import "
                            "others_have_it_open as o; print(o(sys.argv[1]))", str(db_file)],
                           capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2])
    assert asked.stdout.strip() == "True"
    connection.execute("INSERT INTO t VALUES (2)")
    connection.commit()
    connection.close()


def test_a_file_without_its_shared_memory_counts_as_open_elsewhere(tmp_path: Path) -> None:
    assert others_have_it_open(str(tmp_path / "nothing.db"))


@pytest.mark.sqlite_only
def test_a_rebuild_pauses_between_steps_only_beside_another_process(services: Services, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    open_negotiation(services)
    pauses: list[float] = []
    sleep = time.sleep
    monkeypatch.setattr(rebuilding, "YIELD_SECONDS", 0.0123)  # told apart from any other sleep

    def counted(seconds: float) -> None:
        pauses.append(seconds)
        sleep(seconds)

    monkeypatch.setattr(time, "sleep", counted)
    rebuild(services.log.database)
    assert 0.0123 not in pauses
    with another_process_on(Path(services.log.database.query("PRAGMA database_list")[0]["file"])):
        rebuild(services.log.database)
    assert pauses.count(0.0123) >= 3  # the first step, the count, the switch's catch-up at least
