"""The SQLite file behind a `--db` value, created private to the service's user.

SQLite creates a database 0644 (less the umask) and gives its -wal and -shm files the
database's own mode, so a database created 0600 keeps all three private; a umask alone would
not, when the process's umask is looser or the file already exists. A database that exists
with looser permissions is left as it is (someone chose them), with a warning."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from domain.storage.backend import is_postgres

log = logging.getLogger("negotiation_log")
OTHERS = stat.S_IRWXG | stat.S_IRWXO


def sqlite_file(db: str) -> Path | None:
    """The file a SQLite `--db` value names; None for PostgreSQL and in-memory databases."""
    if is_postgres(db) or db == ":memory:" or "mode=memory" in db:
        return None
    if db.startswith("file:"):
        return Path(db[5:].split("?", 1)[0])
    return Path(db)


def create_private(path: Path) -> None:
    """Creates `path` empty with mode 0600 unless it exists; warns if it exists open to others."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        loose = stat.S_IMODE(path.stat().st_mode)
        if loose & OTHERS:
            log.warning("database %s is open to other users (mode %04o); chmod 600 %s and its -wal and -shm "
                        "files", path, loose, path)
        return
    os.fchmod(fd, 0o600)  # whatever the umask took away, nothing more is given
    os.close(fd)
