"""Appending: POST /negotiations and POST /negotiations/{id}/events."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request

from domain.application import AppendRequest, AppendResult
from domain.principals import Principal
from domain.workspaces import DEFAULT_WORKSPACE, KEY as WORKSPACE_KEY
from projections.negotiation import summarize

from api.answers import OpenedNegotiation, StoredEvent
from api.auth import Recorder
from api.body import parse_json, request_fingerprint
from api.openapi_docs import EVENT_BODY, OPENING_BODY, problem_responses
from api.problems import Problem, status_and_rule
from api.responses import JSONBody
from api.services import Services

router = APIRouter(tags=["recording"])

IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

# Read from request.headers rather than declared as Header() parameters: declared parameters
# cost a noticeable share of an append in FastAPI's dependency solving. Documented here instead.
IF_MATCH_DOC = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                "description": 'append only if the negotiation is at this version, e.g. "3"; else 409'}
KEY_DOC = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"},
           "description": "a retry with the same key and request returns the original response"}


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    match = IF_MATCH.match(if_match.strip())
    if not match:
        raise Problem(422, 'If-Match: must be a version in quotes, e.g. "3"', rule="if-match",
                      errors=[{"field": "If-Match", "message": 'a version in quotes, e.g. "3"'}])
    return int(match.group(1))


def _key(idempotency_key: str | None) -> str | None:
    if idempotency_key is not None and not KEY.match(idempotency_key):
        raise Problem(422, "Idempotency-Key: 1 to 255 visible ASCII characters", rule="idempotency-key",
                      errors=[{"field": "Idempotency-Key", "message": "1 to 255 visible ASCII characters"}])
    return idempotency_key


@contextmanager
def measured(svc: Services) -> Iterator[None]:
    """Counts the append answered in the body by status and rule, and times it."""
    started = time.perf_counter()
    try:
        yield
    except Exception as e:
        status, rule = status_and_rule(e) or (500, "internal")
        svc.metrics.answered_append(time.perf_counter() - started, status, rule)
        raise
    svc.metrics.answered_append(time.perf_counter() - started, 201, None)


def created_headers(result: AppendResult, location: str) -> dict[str, str]:
    headers = {"Location": location, "ETag": f'"{result.events[-1]["version"]}"'}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return headers


def _created(body: Any, result: AppendResult, location: str) -> JSONBody:
    return JSONBody(body, status_code=201, headers=created_headers(result, location))


@router.post("/negotiations", status_code=201, summary="Open a negotiation",
             response_model=OpenedNegotiation,
             openapi_extra={**OPENING_BODY, "parameters": [KEY_DOC]},
             responses=problem_responses(400, 401, 403, 409, 413, 422))
async def open_negotiation(request: Request, principal: Recorder) -> JSONBody:
    svc: Services = request.app.state.services
    idempotency_key = request.headers.get("idempotency-key")
    raw = await request.body()
    with measured(svc):
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise Problem(422, "a negotiation is opened with one JSON object (the negotiation.opened event)",
                          rule="validation", errors=[{"field": "", "message": "must be a JSON object"}])
        fingerprint = request_fingerprint("POST", "/negotiations", body, None) if idempotency_key else ""
        result = await svc.writer.submit_async(AppendRequest(
            principal=principal.name, events=[_in_workspace(principal, body)], idempotency_key=_key(idempotency_key),
            request_hash=fingerprint))
    opening = result.events[0]
    negotiation = summarize(result.negotiation_id, [opening])
    return _created({**(negotiation or {}), "event": opening}, result, f"/negotiations/{result.negotiation_id}")


@router.post("/negotiations/{negotiation_id}/events", status_code=201, summary="Append one event or a batch",
             response_model=StoredEvent | list[StoredEvent],
             response_description="the stored event (for a batch, the stored events, in order)",
             openapi_extra={**EVENT_BODY, "parameters": [IF_MATCH_DOC, KEY_DOC]},
             responses=problem_responses(400, 401, 403, 404, 409, 413, 422))
async def append_events(negotiation_id: str, request: Request, principal: Recorder) -> JSONBody:
    headers = request.headers
    answer, result = await append(request.app.state.services, principal, negotiation_id, await request.body(),
                                  headers.get("if-match"), headers.get("idempotency-key"))
    return _created(answer, result, f"/events/{result.events[0]['event_id']}")


def _in_workspace(principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """The opening with its workspace named: the one given, else the token's only one, else
    `default`. A limited token opens only inside its workspaces (403); a malformed key is left
    to validation (422)."""
    workspace = body.get("workspace")
    if body.get("type", "negotiation.opened") != "negotiation.opened":
        return body  # refused by validation, as it was sent
    if workspace is None:
        body = {**body, "workspace": principal.sole_workspace() or DEFAULT_WORKSPACE}
        workspace = body["workspace"]
    if isinstance(workspace, str) and WORKSPACE_KEY.match(workspace) and not principal.sees(workspace):
        raise Problem(403, f"workspace: this token may not open a negotiation in '{workspace}'", rule="workspace",
                      errors=[{"field": "workspace", "message": "outside the token's workspaces"}])
    return body


async def append(svc: Services, principal: Principal, negotiation_id: str, raw: bytes, if_match: str | None,
                 idempotency_key: str | None) -> tuple[Any, AppendResult]:
    """The route's work after authentication, shared with api.fast_paths: (answer, result)."""
    with measured(svc):
        body = parse_json(raw)
        batch = isinstance(body, list)
        if batch and len(body) > svc.settings.max_batch_events:
            raise Problem(413, f"a batch holds at most {svc.settings.max_batch_events} events "
                               f"(NEGOTIATION_LOG_MAX_BATCH_EVENTS); this one has {len(body)}", rule="batch-limit")
        result = await svc.writer.submit_async(AppendRequest(
            principal=principal.name, negotiation_id=negotiation_id, events=body if batch else [body],
            batch=batch, expected_version=_expected_version(if_match), idempotency_key=_key(idempotency_key),
            scope=principal.workspaces,
            request_hash=request_fingerprint("POST", f"/negotiations/{negotiation_id}/events", body, if_match)
            if idempotency_key else ""))
    return (result.events if batch else result.events[0]), result
