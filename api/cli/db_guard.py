"""A mistyped `--db` must never look like an intact, empty log: opening a database creates it
(SQLite) or its tables (PostgreSQL), so commands that read or change an existing log refuse a
database that does not exist yet, rather than report on an empty one they just made."""

from __future__ import annotations

from domain.storage.backend import is_postgres
from domain.storage.dialect import POSTGRES
from domain.storage.files import sqlite_file


def missing_log(db: str) -> str | None:
    """Why `db` is not an existing negotiation log, or None when it is one."""
    how = (f"negotiation-log serve --db {db} creates one (so does `negotiation-log token create NAME --role ROLE "
           f"--db {db}`); check the path, or NEGOTIATION_LOG_DB")
    if is_postgres(db):
        import psycopg  # not for a SQLite file

        try:
            with psycopg.connect(db, connect_timeout=10) as conn:
                found = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [POSTGRES.events_table]).fetchone()
        except psycopg.Error as e:
            return f"cannot open the database {db}: {str(e).strip()}"
        return None if found and found[0] else f"the database {db} holds no negotiation log; {how}"
    path = sqlite_file(db)
    if path is None or path.exists():
        return None
    return f"the database {path} does not exist; {how}"
