"""The OpenAPI document's operations: short, stable, unique operation ids (generated clients
name their functions after them), one tag each, and the live feed as server-sent events."""

from __future__ import annotations

import re
import typing
from importlib import metadata
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.responses import Response

from api.app import create_app
from api.routes import (
    audit, erasures, events, export, feed, health, log, metrics, negotiations, state, tokens, writes,
)
from api.settings import Settings

OPERATION_IDS = {
    ("get", "/health"): "get_health",
    ("post", "/negotiations"): "open_negotiation",
    ("get", "/negotiations"): "list_negotiations",
    ("get", "/negotiations/{negotiation_id}"): "get_negotiation",
    ("post", "/negotiations/{negotiation_id}/events"): "append_events",
    ("post", "/negotiations/{negotiation_id}/erasures"): "erase_fields",
    ("get", "/negotiations/{negotiation_id}/rounds"): "list_rounds",
    ("get", "/negotiations/{negotiation_id}/rounds/{round_id}"): "get_round",
    ("get", "/negotiations/{negotiation_id}/disputes"): "list_disputes",
    ("get", "/negotiations/{negotiation_id}/disputes/{dispute_id}"): "get_dispute",
    ("get", "/negotiations/{negotiation_id}/proposals"): "list_proposals",
    ("get", "/negotiations/{negotiation_id}/proposals/{proposal_id}"): "get_proposal",
    ("get", "/negotiations/{negotiation_id}/commitments"): "list_commitments",
    ("get", "/negotiations/{negotiation_id}/commitments/{commitment_id}"): "get_commitment",
    ("get", "/negotiations/{negotiation_id}/timeline"): "get_timeline",
    ("get", "/negotiations/{negotiation_id}/changes"): "get_changes",
    ("get", "/negotiations/{negotiation_id}/export"): "export_negotiation",
    ("get", "/events"): "list_events",
    ("get", "/events/stream"): "stream_events",
    ("post", "/events/stream/tickets"): "create_stream_ticket",
    ("get", "/events/{event_id}"): "get_event",
    ("get", "/events/{event_id}/proof"): "get_inclusion_proof",
    ("get", "/events/{event_id}/receipt"): "get_receipt",
    ("get", "/log/checkpoint"): "get_checkpoint",
    ("get", "/log/key"): "get_verifier_key",
    ("get", "/log/consistency"): "get_consistency_proof",
    ("get", "/tile/{tile_path}"): "get_tile",
    ("get", "/audit"): "list_audit_events",
    ("get", "/audit/verify"): "verify_log",
    ("get", "/admin/tokens"): "list_tokens",
    ("post", "/admin/tokens"): "create_token",
    ("delete", "/admin/tokens/{token_id}"): "revoke_token",
    ("get", "/metrics"): "get_metrics",
    ("get", "/me"): "get_me",
}


@pytest.fixture(scope="module")
def operations(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    where = tmp_path_factory.mktemp("openapi")
    document = create_app(Settings(db=str(where / "log.db"), signing_key=where / "key")).openapi()
    return {(method, path): operation for path, item in document["paths"].items()
            for method, operation in item.items()}


def test_every_operation_id_is_short_snake_case_and_unique(operations: dict) -> None:
    ids = [operation["operationId"] for operation in operations.values()]
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+){0,3}", i) and len(i) <= 32 for i in ids), ids
    assert len(set(ids)) == len(ids)


def test_operation_ids_stay_as_clients_know_them(operations: dict) -> None:
    assert {key: operation["operationId"] for key, operation in operations.items()} == OPERATION_IDS


def test_every_operation_has_one_tag(operations: dict) -> None:
    assert all(len(operation["tags"]) == 1 for operation in operations.values())


def test_the_live_feed_is_documented_as_server_sent_events(operations: dict) -> None:
    answer = operations["get", "/events/stream"]["responses"]["200"]
    assert set(answer["content"]) == {"text/event-stream"}
    example = answer["content"]["text/event-stream"]["example"]
    assert example.startswith("id: 12\r\ndata: {") and "`id:`" in answer["description"]


def test_the_document_has_the_packages_version() -> None:
    document = create_app(Settings(db=":memory:")).openapi()
    assert document["info"]["version"] == metadata.version("negotiation-log")


def test_answers_are_documented_never_validated_on_the_way_out() -> None:
    """A route with a declared answer returns a ready Response, which FastAPI passes through:
    were it to return a dict, FastAPI would validate and re-serialize it against the model,
    at a cost to every request (and the wire bytes could change)."""
    routers = (audit, erasures, events, export, feed, health, log, metrics, negotiations, state, tokens, writes)
    documented = [route for module in routers for route in module.router.routes
                  if isinstance(route, APIRoute) and route.response_model is not None]
    assert len(documented) >= 25
    for route in documented:
        returned = typing.get_type_hints(route.endpoint)["return"]
        assert isinstance(returned, type) and issubclass(returned, Response), (route.path, returned)
