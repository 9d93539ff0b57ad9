"""Every documented operation × every role × inside / outside the token's workspaces
(docs/api.md §7), generated from the service's own OpenAPI document, so that a new endpoint
that forgets the workspace filter fails here.

Outside its workspaces a limited token must get exactly what an unknown id gets (status and
body, but for the id itself), whatever its role; inside, its role decides as everywhere; and
no answer to it ever names a negotiation, event or token of another workspace."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.conftest import OPENING, bearer, fresh_postgres_database
from tests.reliability.test_auth_matrix import ALLOWED, OPEN, action_of

ROLES = sorted(ALLOWED)
STREAMING = {"/events/stream"}
TILE = "0/000.p/1"
ROUND = {"type": "round.scheduled", "occurred_at": "2025-05", "round_id": "r1", "label": "First round",
         "scheduled_for": "2025-05-10"}
STATEMENT = {"type": "statement.issued", "occurred_at": "2025-05-11", "text": "Talks continue",
             "speaker": {"name": "A spokesperson", "participant_id": "us"}}


def _documented() -> list[tuple[str, str, list[str]]]:
    """(method, path template, query parameter names) of every documented operation."""
    document = create_app(Settings(db=":memory:")).openapi()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "delete", "patch"):
                query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
                found.append((method.upper(), path, query))
    return found


OPERATIONS = _documented()
TARGETED = [op for op in OPERATIONS if "{" in op[1] and not op[1].startswith("/tile/")]
UNTARGETED = [op for op in OPERATIONS if op not in TARGETED]


def _open(client: TestClient, auth: dict[str, str], workspace: str) -> dict[str, Any]:
    opened = client.post("/negotiations", json={**OPENING, "workspace": workspace}, headers=auth)
    assert opened.status_code == 201, opened.text
    nid = opened.json()["id"]
    for event in (ROUND, STATEMENT):
        stored = client.post(f"/negotiations/{nid}/events", json=event, headers=auth)
        assert stored.status_code == 201, stored.text
    statement = stored.json()
    return {"negotiation_id": nid, "event_id": statement["event_id"],
            "event_ids": [opened.json()["event"]["event_id"], statement["event_id"]]}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One service per backend: a negotiation in `alpha` and one in `beta`, tokens of every
    role limited to `alpha`, and tokens whose ids the token routes are asked about."""
    with contextlib.ExitStack() as stack:
        folder = tmp_path_factory.mktemp("workspaces")
        db = str(folder / "log.db") if request.param == "sqlite" else stack.enter_context(fresh_postgres_database())
        settings = Settings(db=db, signing_key=folder / "signing.ed25519")
        services = Services.open(settings)
        stack.callback(services.close)
        client = stack.enter_context(TestClient(create_app(settings, services)))
        root = bearer(services.principals.create("root", "admin")[1])
        alpha, beta = _open(client, root, "alpha"), _open(client, root, "beta")
        tokens = {role: services.principals.create(f"{role}-alpha", role, ["alpha"])[1] for role in ROLES}
        alpha["token_id"] = services.principals.create("victim-alpha", "reader", ["alpha"])[0]["token_id"]
        beta["token_id"] = services.principals.create("reader-beta", "reader", ["beta"])[0]["token_id"]
        unknown = {"negotiation_id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()),
                   "token_id": str(uuid.uuid4())}
        yield {"client": client, "tokens": tokens, "inside": alpha, "outside": beta, "unknown": unknown}


def _path(template: str, ids: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ids:
            return ids[name]
        if name.endswith("_id"):  # an entity key inside the negotiation
            return "r1"
        if name == "tile_path":
            return TILE
        raise AssertionError(f"the matrix does not know the path parameter {{{name}}}: teach it")
    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", fill, template)


def _body(method: str, template: str, ids: dict[str, str]) -> Any:
    if method not in ("POST", "PUT", "PATCH"):
        return None
    if template.endswith("/erasures"):
        return {"target_event_id": ids.get("event_id"), "fields": ["text"], "reason": "asked to be forgotten"}
    if template.endswith("/events"):
        return {**STATEMENT, "text": "Recorded by the matrix"}
    return {}


def _call(client: TestClient, method: str, path: str, token: str, body: Any, params: dict[str, str]) -> Any:
    return client.request(method, path, headers=bearer(token), json=body, params=params)


def _same_answer(outside: Any, unknown: Any, outside_ids: dict[str, str], unknown_ids: dict[str, str]) -> None:
    text = outside.text
    for name, value in outside_ids.items():
        if name in unknown_ids:
            text = text.replace(value, unknown_ids[name])
    assert (outside.status_code, text) == (unknown.status_code, unknown.text)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,template,query", TARGETED, ids=[f"{m} {p}" for m, p, _ in TARGETED])
def test_outside_its_workspaces_a_token_gets_what_an_unknown_id_gets(world: dict[str, Any], method: str,
                                                                     template: str, query: list[str],
                                                                     role: str) -> None:
    client, token = world["client"], world["tokens"][role]
    outside, unknown = world["outside"], world["unknown"]
    if template in STREAMING:
        return
    answers = [_call(client, method, _path(template, ids), token, _body(method, template, ids), {})
               for ids in (outside, unknown)]
    _same_answer(*answers, outside, unknown)
    assert answers[0].status_code != 403 or "token" in template or not (
        "negotiation_id" in template or "event_id" in template), "a 403 would confirm that it exists"


@pytest.mark.sqlite_only  # roles are the auth matrix's, on both backends; this adds the limit
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,template,query", TARGETED, ids=[f"{m} {p}" for m, p, _ in TARGETED])
def test_inside_its_workspaces_the_role_decides(world: dict[str, Any], method: str, template: str,
                                                query: list[str], role: str) -> None:
    client, token, inside = world["client"], world["tokens"][role], world["inside"]
    if template in STREAMING:
        return
    answer = _call(client, method, _path(template, inside), token, _body(method, template, inside), {})
    if action_of(method, template) in ALLOWED[role]:
        assert answer.status_code not in (401, 403), answer.text
        if answer.status_code == 404:  # e.g. no such round: never the negotiation or event itself
            assert answer.json()["rule"] not in ("negotiation-exists", "event-exists"), answer.text
    else:
        assert answer.status_code == 403, answer.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,template,query", UNTARGETED, ids=[f"{m} {p}" for m, p, _ in UNTARGETED])
def test_no_answer_names_anything_of_another_workspace(world: dict[str, Any], method: str, template: str,
                                                       query: list[str], role: str) -> None:
    client, token, outside, unknown = world["client"], world["tokens"][role], world["outside"], world["unknown"]
    if template in STREAMING or template in OPEN:
        return
    path = _path(template, {})
    body = _body(method, template, {})
    if template == "/negotiations" and method == "POST":
        body = {**OPENING, "workspace": "beta"}
    answer = _call(client, method, path, token, body, {})
    if template == "/negotiations" and method == "POST" and action_of(method, template) in ALLOWED[role]:
        assert answer.status_code == 403 and answer.json()["rule"] == "workspace", answer.text
    foreign = [outside["negotiation_id"], outside["token_id"], *outside["event_ids"]]
    assert not [value for value in foreign if value in answer.text], answer.text
    # Asked about the foreign negotiation by name, a filter answers as for an unknown one.
    if "negotiation_id" in query:
        answers = [_call(client, method, path, token, body, {"negotiation_id": ids["negotiation_id"]})
                   for ids in (outside, unknown)]
        _same_answer(*answers, outside, unknown)


def test_every_operation_is_in_the_matrix() -> None:
    assert len(TARGETED) >= 15 and ("GET", "/negotiations/{negotiation_id}") in {(m, p) for m, p, _ in TARGETED}
    assert all("{" not in p or p.startswith("/tile/") for _, p, _ in UNTARGETED)
