"""One `--db` value picks the backend: a SQLite file path, or a postgresql:// URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from eventsourcing.persistence import OperationalError
from eventsourcing.utils import get_topic

if TYPE_CHECKING:
    import psycopg


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def eventsourcing_env(db: str, *, pool_size: int = 5, lock_timeout: int = 5,
                      connect_timeout: int = 5, password: str | None = None) -> dict[str, str]:
    """The eventsourcing environment for `db`, with our recorder classes plugged in. `password`
    is used when the URL carries none: given apart, it needs no URL escaping."""
    common = {
        # Aggregates are only touched by the writer, under its lock, so the cache can hand
        # out the cached object itself. What a refused request (or a save another process
        # beat) applied to it is taken back; any other failure evicts it.
        "AGGREGATE_CACHE_MAXSIZE": "256",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
    }
    if not is_postgres(db):
        from domain.storage.recorders import SQLiteLogRecorder

        return {
            **common,
            # One server process writes a SQLite file, so its cached aggregates are current and
            # need no re-read per append. If another process (an import) did write, the insert
            # collides on (stream, version), the cached stream is taken back to what it was and
            # caught up with just the other process's events, and the append retried.
            "AGGREGATE_CACHE_FASTFORWARD": "n",
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": db,
            "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
            "APPLICATION_RECORDER_TOPIC": get_topic(SQLiteLogRecorder),
        }
    from domain.storage.postgres_recorder import PostgresLogRecorder

    url = urlsplit(db)
    return {
        **common,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password) if url.password is not None else password or "",
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_LOCK_TIMEOUT": str(lock_timeout),
        "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": get_topic(PostgresLogRecorder),
    }


def postgres_connection(env: Mapping[str, str], *, application_name: str = "negotiation-log") -> psycopg.Connection[Any]:
    """A connection of its own (not from eventsourcing's pool) to the database of `env`, as
    built above, in autocommit mode: for session-level state such as an advisory lock or a
    LISTEN. An unreachable server raises eventsourcing's OperationalError, as the pool does."""
    import psycopg

    try:
        return psycopg.connect(
            dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"],
            connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "5")), autocommit=True,
            application_name=application_name)
    except psycopg.OperationalError as e:
        raise OperationalError(str(e)) from e
