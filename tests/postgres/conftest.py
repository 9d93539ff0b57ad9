"""A fresh PostgreSQL database per test, on the server named by NEGOTIATION_LOG_TEST_POSTGRES.
Without that variable these tests skip (CI sets it and refuses skips)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.conftest import POSTGRES_URL


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("set NEGOTIATION_LOG_TEST_POSTGRES=postgresql://... to run PostgreSQL tests")
    name = f"nl_test_{uuid.uuid4().hex[:12]}"
    with _admin(POSTGRES_URL) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(POSTGRES_URL)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with _admin(POSTGRES_URL) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
