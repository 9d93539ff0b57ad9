"""Schemathesis against the served OpenAPI document: every operation, generated requests with
valid tokens and without, no 5xx, and every response as documented (status, type, schema);
then time and cursor parameters at and beyond the ends of their ranges, and every write with
a value nested up to 600 levels deep (deeper ones, to 100,000, are tests/unit/test_json_depth.py
and tests/reliability/test_hostile_input.py: schemathesis itself recurses over a body, within
the 2,000 frames Hypothesis allows)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import schemathesis.python.asgi
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from api.app import create_app
from api.services import Services
from api.settings import Settings
from domain.appending import AppendRequest
from tests.conftest import OPENING

CASES_PER_OPERATION = 10  # per operation, derandomized: the suite must stay under 15 minutes on 2 cores
# The ends of ranges are a few values each, and nesting one shape at many depths: fewer suffice.
EDGE_CASES_PER_OPERATION = 15
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)

_db = Path(tempfile.mkdtemp()) / "fuzz.db"
_settings = Settings(db=str(_db))
_services = Services.open(_settings)
_admin = _services.principals.create("fuzzer", "admin")[1]
_opened = _services.log.append(AppendRequest(principal="fuzzer", events=[OPENING]))
app = create_app(_settings, _services)

# The live feed never ends by itself; it has its own tests.
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/events/stream")
# The edge cases below are of our making: no coverage phase (the main test has it) nor the
# documented examples, just the generated cases with values at the edges.
edges = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/events/stream")
edges.config.phases.coverage.enabled = False
edges.config.phases.examples.enabled = False
counted: list[int] = []
# One in-process client for every case: schemathesis otherwise makes a session per call, and
# `requests` walks the whole environment for proxy settings on each (a fifth of a case's cost),
# which an ASGI app reached in-process has no use for.
_client = schemathesis.python.asgi.get_client(app)
_client.trust_env = False


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    with _client:
        yield
    print(f"\nfuzz cases: {len(counted)}, 5xx: 0")


@pytest.mark.parametrize("token", ["admin", "none"])
@schema.parametrize()
@settings(max_examples=CASES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_generated_requests_get_documented_answers_and_never_5xx(case: schemathesis.Case, token: str) -> None:
    headers = {"Authorization": f"Bearer {_admin}"} if token == "admin" else {}
    counted.append(1)
    case.call_and_validate(session=_client, headers=headers, checks=CHECKS)


# -- the ends of every range -----------------------------------------------------------------

TIMES = ["0001", "0001-01-01", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "0000", "9999",
         "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59-00:01", "10000", "0001/9999"]
CURSORS = ["9223372036854775807.a", "9223372036854775808.a", "-9223372036854775808.a", "-9223372036854775809.a",
           "9999999999999999999.a", "9223372036854775807.1", "1.9223372036854775808", "9223372036854775807",
           "9223372036854775808", "999999999999999999", "9999999999999999999", "-1", "0"]
BOUNDARIES = {"as_of": TIMES, "known_at": TIMES, "from": TIMES, "to": TIMES, "since": TIMES, "until": TIMES,
              "cursor": CURSORS, "after": CURSORS}


def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
    names = [p.name for p in context.operation.query if p.name in BOUNDARIES]
    if not names:
        return st.just(query)
    # The other values of these parameters are the main test's: here only the ends of ranges.
    rest = {k: v for k, v in (query or {}).items() if k not in BOUNDARIES}
    pairs = st.one_of(*(st.tuples(st.just(n), st.sampled_from(BOUNDARIES[n])) for n in names))
    return st.lists(pairs, min_size=1, max_size=len(names)).map(lambda chosen: {**rest, **dict(chosen)})


def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Cases about the negotiation that exists too, so that the parameters reach its data."""
    if not path_parameters or "negotiation_id" not in path_parameters:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, "negotiation_id": _opened.negotiation_id}])


@pytest.mark.parametrize("token", ["admin"])
@edges.hooks.apply(flatmap_query)
@edges.hooks.apply(flatmap_path_parameters)
@edges.include(method="GET").parametrize()
@settings(max_examples=EDGE_CASES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_times_and_cursors_at_the_ends_of_their_ranges_never_5xx(case: schemathesis.Case, token: str) -> None:
    counted.append(1)
    case.call_and_validate(session=_client, headers={"Authorization": f"Bearer {_admin}"}, checks=CHECKS)


# -- nesting at any depth (to MAX_NESTING) in every write -----------------------------------------------------

MAX_NESTING = 600


def deep(depth: int, lists: bool, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if lists and level % 2 else {"a": value}
    return value


def nested(body: Any, depth: int, lists: bool, where: int) -> Any:
    if where == 0 or not isinstance(body, dict) or not body:
        return deep(depth, lists, body)
    if where == 1:  # a correction whose changes nest: what broke other people's appends
        target = _opened.events[0]["event_id"]
        return {"type": "record.corrected", "occurred_at": "2025", "target_event_id": target, "reason": "r",
                "changes": {"title": deep(depth, lists, "t")}}
    key = sorted(body)[where % len(body)]
    return {**body, key: deep(depth, lists, body[key])}


def flatmap_body(context: Any, body: Any) -> Any:
    if isinstance(body, bytes):  # a body for another media type: not JSON to nest
        return st.just(body)
    return st.builds(nested, st.just(body), st.integers(1, MAX_NESTING), st.booleans(), st.integers(0, 20))


@edges.hooks.apply(flatmap_body)
@edges.hooks.apply(flatmap_path_parameters)
@edges.include(method="POST").parametrize()
@settings(max_examples=EDGE_CASES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_write_nested_at_any_depth_gets_a_documented_4xx(case: schemathesis.Case) -> None:
    counted.append(1)
    response = case.call_and_validate(session=_client, headers={"Authorization": f"Bearer {_admin}"}, checks=CHECKS)
    assert response.status_code < 500
