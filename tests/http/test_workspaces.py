"""Workspaces (docs/api.md §7): where negotiations open, what a limited token sees and may do,
token limits, public workspaces, and refusals that store nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.services import Services
from api.settings import Settings
from tests.conftest import OPENING, bearer
from tests.processes import run_cli

STATEMENT = {"type": "statement.issued", "occurred_at": "2025-05-11", "text": "Talks continue",
             "speaker": {"name": "A spokesperson", "participant_id": "us"}}


def limited(services: Services, role: str, *workspaces: str) -> dict[str, str]:
    return bearer(services.principals.create(f"{role}-{'-'.join(workspaces)}", role, list(workspaces))[1])


def opened(client: TestClient, auth: dict[str, str], **extra: Any) -> Any:
    return client.post("/negotiations", json={**OPENING, **extra}, headers=auth)


def test_a_negotiation_opens_in_the_workspace_named_or_the_tokens_only_one_or_default(
        client: TestClient, services: Services, tokens: dict[str, str]) -> None:
    anywhere = bearer(tokens["recorder"])
    assert opened(client, anywhere).json()["workspace"] == "default"
    assert opened(client, anywhere, workspace="press").json()["workspace"] == "press"
    alpha = limited(services, "recorder", "alpha")
    answer = opened(client, alpha)
    assert answer.status_code == 201 and answer.json()["workspace"] == "alpha"
    state = client.get(f"/negotiations/{answer.json()['id']}", headers=alpha).json()
    assert state["workspace"] == "alpha"
    assert answer.json()["event"]["workspace"] == "alpha"  # committed with the opening, in its leaf


def test_a_limited_token_cannot_open_outside_its_workspaces(client: TestClient, services: Services) -> None:
    two = limited(services, "recorder", "alpha", "beta")
    before = client.get("/events", headers=two).json()["head"]
    for extra in ({"workspace": "gamma"}, {}):  # with two workspaces, none given means `default`
        answer = opened(client, two, **extra)
        assert answer.status_code == 403 and answer.json()["rule"] == "workspace", answer.text
    assert opened(client, two, workspace="beta").status_code == 201
    assert client.get("/events", headers=two).json()["head"] == before + 1


@pytest.mark.parametrize("workspace", ["Alpha", "", "a b", "-x", "x" * 65, 7, ["alpha"]])
def test_a_workspace_key_not_matching_the_pattern_is_422(client: TestClient, tokens: dict[str, str],
                                                         services: Services, workspace: Any) -> None:
    auth = bearer(tokens["admin"])
    answer = opened(client, auth, workspace=workspace)
    assert answer.status_code == 422 and "workspace" in answer.json()["detail"], answer.text
    made = client.post("/admin/tokens", json={"name": "w", "role": "reader", "workspaces": [workspace]}, headers=auth)
    assert made.status_code == 422 and "workspaces" in made.text, made.text
    assert client.get("/negotiations", headers=auth).json()["items"] == []


def test_the_workspace_cannot_be_corrected(client: TestClient, tokens: dict[str, str]) -> None:
    auth = bearer(tokens["recorder"])
    answer = opened(client, auth, workspace="alpha").json()
    correction = {"type": "record.corrected", "occurred_at": "2025-02", "target_event_id": answer["event"]["event_id"],
                  "changes": {"workspace": "beta"}, "reason": "moved"}
    refused = client.post(f"/negotiations/{answer['id']}/events", json=correction, headers=auth)
    assert refused.status_code == 409 and refused.json()["rule"] == "workspace-fixed", refused.text
    assert client.get(f"/negotiations/{answer['id']}", headers=auth).json()["workspace"] == "alpha"


def test_a_limited_token_lists_pages_and_feeds_only_its_workspaces(client: TestClient, services: Services,
                                                                   tokens: dict[str, str]) -> None:
    root = bearer(tokens["admin"])
    ids = {w: [opened(client, root, workspace=w).json()["id"] for _ in range(3)] for w in ("alpha", "beta")}
    for nid in ids["beta"]:
        client.post(f"/negotiations/{nid}/events", json=STATEMENT, headers=root)
    alpha = limited(services, "auditor", "alpha")
    listed, cursor = [], None
    while True:
        page = client.get("/negotiations", params={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=alpha).json()
        listed += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert listed == ids["alpha"]
    assert client.get("/negotiations", params={"as_of": "2025-03"}, headers=alpha).json()["items"][0]["id"] == \
        ids["alpha"][0]
    feed = client.get("/events", params={"limit": 1000}, headers=alpha).json()
    assert {e["negotiation_id"] for e in feed["items"]} == set(ids["alpha"])
    assert feed["head"] == client.get("/events", headers=root).json()["head"]  # global counters stay
    audit = client.get("/audit", params={"limit": 1000}, headers=alpha).json()
    assert {e["negotiation_id"] for e in audit["items"]} == set(ids["alpha"])
    everyone = client.get("/negotiations", headers=root).json()["items"]
    assert {n["id"] for n in everyone} == set(ids["alpha"] + ids["beta"])


def test_a_limited_admin_manages_only_tokens_within_its_workspaces(client: TestClient, services: Services) -> None:
    admin = limited(services, "admin", "alpha")
    other = services.principals.create("beta-reader", "reader", ["beta"])[0]
    made = client.post("/admin/tokens", json={"name": "helper", "role": "reader"}, headers=admin)
    assert made.status_code == 201 and made.json()["workspaces"] == ["alpha"]
    wider = client.post("/admin/tokens", json={"name": "w", "role": "reader", "workspaces": ["alpha", "beta"]},
                        headers=admin)
    assert wider.status_code == 403 and wider.json()["rule"] == "workspace"
    listed = client.get("/admin/tokens", headers=admin).json()["items"]
    assert {t["name"] for t in listed} == {"admin-alpha", "helper"}
    gone = client.delete(f"/admin/tokens/{other['token_id']}", headers=admin)
    unknown = client.delete("/admin/tokens/00000000-0000-4000-8000-000000000000", headers=admin)
    assert gone.status_code == unknown.status_code == 404
    assert gone.json()["detail"].replace(other["token_id"], "X") == unknown.json()["detail"].replace(
        "00000000-0000-4000-8000-000000000000", "X")
    assert services.principals.described(other["token_id"])["revoked_at"] is None


def test_me_names_the_tokens_workspaces(client: TestClient, services: Services) -> None:
    assert client.get("/me", headers=limited(services, "reader", "beta", "alpha")).json() == {
        "name": "reader-beta-alpha", "role": "reader", "workspaces": ["alpha", "beta"]}


def test_public_reads_can_be_limited_to_public_workspaces(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "p.db"), public_read=True, public_workspaces=["press"])
    services = Services.open(settings)
    try:
        with TestClient(create_app(settings, services)) as client:
            root = bearer(services.principals.create("root", "admin")[1])
            public = opened(client, root, workspace="press").json()["id"]
            private = opened(client, root, workspace="talks").json()["id"]
            assert [n["id"] for n in client.get("/negotiations").json()["items"]] == [public]
            assert client.get(f"/negotiations/{private}").status_code == 404
            assert client.get(f"/negotiations/{public}").status_code == 200
            assert private not in client.get("/events").text
    finally:
        services.close()


def test_the_cli_limits_tokens_and_lists_the_limits(tmp_path: Path) -> None:
    db = str(tmp_path / "log.db")
    made = run_cli("token", "create", "ana", "--role", "reader", "--workspace", "alpha", "--workspace", "beta",
                   "--db", db)
    assert "in alpha, beta" in made.stdout
    assert '"workspaces": ["alpha", "beta"]' in run_cli("token", "list", "--db", db).stdout
    refused = run_cli("token", "create", "bo", "--role", "reader", "--workspace", "Not A Key", "--db", db, check=False)
    assert refused.returncode != 0 and "workspaces" in refused.stderr


def test_after_a_restart_appends_still_keep_to_the_tokens_workspaces(settings: Settings) -> None:
    """The first append after a restart loads the stream anew (or from a snapshot): the
    workspace must come back with it."""
    services = Services.open(settings)
    try:
        with TestClient(create_app(settings, services)) as client:
            root = bearer(services.principals.create("root", "admin")[1])
            mine, theirs = (opened(client, root, workspace=w).json()["id"] for w in ("alpha", "beta"))
            token = services.principals.create("alpha-recorder", "recorder", ["alpha"])[1]
    finally:
        services.close()
    services = Services.open(settings)
    try:
        with TestClient(create_app(settings, services)) as client:
            auth = bearer(token)
            foreign = client.post(f"/negotiations/{theirs}/events", json=STATEMENT, headers=auth)
            unknown = client.post("/negotiations/00000000-0000-4000-8000-000000000000/events", json=STATEMENT,
                                  headers=auth)
            assert foreign.status_code == unknown.status_code == 404
            assert foreign.json()["rule"] == unknown.json()["rule"] == "negotiation-exists"
            assert client.post(f"/negotiations/{mine}/events", json=STATEMENT, headers=auth).status_code == 201
            assert client.get(f"/negotiations/{theirs}", headers=root).json()["counts"]["statements"] == 0
    finally:
        services.close()
