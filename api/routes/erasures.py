"""Erasure: POST /negotiations/{id}/erasures (docs/api.md §10), for admins."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request

from domain.application import AppendRequest
from domain.valid_time import format_utc

from api.answers import StoredEvent
from api.auth import Admin
from api.body import parse_json, request_fingerprint
from api.openapi_docs import problem_responses
from api.problems import Problem
from api.responses import JSONBody
from api.routes.writes import KEY_DOC, _key, created_headers
from api.services import Services

router = APIRouter(tags=["recording"])

ACCEPTED = ("target_event_id", "fields", "reason", "note")
ERASURE_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["target_event_id", "fields", "reason"], "additionalProperties": False,
               "properties": {
                   "target_event_id": {"type": "string", "format": "uuid", "description": "an event of this negotiation"},
                   "fields": {"type": "array", "minItems": 1, "items": {"type": "string"},
                              "description": "names as the event's leaf has them: a data field, attributed_to, "
                                             "note, or sources[i]"},
                   "reason": {"type": "string", "description": "why: kept on record, never the values"},
                   "note": {"type": "string"}}},
    "examples": {"a name and a source": {"value": {
        "target_event_id": "0b8c6f0e-1d7a-4c3e-9a59-2b8f1e6d4a10", "fields": ["speaker", "sources[1]"],
        "reason": "The speaker asked to be erased (GDPR art. 17)"}}},
}}}}


def erasure_event(body: Any) -> dict[str, Any]:
    """The record.erased event a request asks for: valid time is now (when it was erased)."""
    if not isinstance(body, dict):
        raise Problem(422, "an erasure is a JSON object: target_event_id, fields, reason", rule="validation",
                      errors=[{"field": "", "message": "must be a JSON object"}])
    unknown = sorted(set(body) - set(ACCEPTED))
    if unknown:
        raise Problem(422, f"{unknown[0]}: unknown field; accepted fields: {', '.join(ACCEPTED)}", rule="validation",
                      errors=[{"field": name, "message": "unknown field"} for name in unknown])
    return {"type": "record.erased", "occurred_at": format_utc(datetime.now(timezone.utc)), **body}


@router.post("/negotiations/{negotiation_id}/erasures", status_code=201, name="erase_fields",
             summary="Erase fields of an event",
             response_model=StoredEvent, response_description="the stored record.erased event",
             description="Deletes the values and salts of the named fields of one event, everywhere the service "
                         "keeps them, and records a `record.erased` event (who, when, which fields, why: never the "
                         "values). The event's leaf, and so every proof, checkpoint and receipt, stays valid; the "
                         "event is served with `erased` naming the fields, an erased `sources` entry as null.",
             openapi_extra={**ERASURE_BODY, "parameters": [KEY_DOC]},
             responses=problem_responses(400, 401, 403, 404, 409, 413, 422))
async def erase(negotiation_id: str, request: Request, principal: Admin) -> JSONBody:
    svc: Services = request.app.state.services
    body = parse_json(await request.body())
    idempotency_key = request.headers.get("idempotency-key")
    result = await svc.writer.submit_async(AppendRequest(
        principal=principal.name, negotiation_id=negotiation_id, events=[erasure_event(body)], erasure=True,
        scope=principal.workspaces, idempotency_key=_key(idempotency_key),
        request_hash=request_fingerprint("POST", f"/negotiations/{negotiation_id}/erasures", body, None)
        if idempotency_key else ""))
    event = result.events[0]
    return JSONBody(event, status_code=201, headers=created_headers(result, f"/events/{event['event_id']}"))
