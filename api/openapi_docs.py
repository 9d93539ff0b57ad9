"""OpenAPI details the routes share: the event request bodies (with an example of every
event type) and the problem+json error responses."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from domain.event_examples import EXAMPLES
from domain.event_types import AnyEvent

from api.answers import Problem

REF = "#/components/schemas/{model}"

_examples = {kind: {"summary": kind, "value": example} for kind, example in EXAMPLES.items()}
_batch_example = {"batch": {"summary": "a batch, stored all or nothing",
                            "value": [EXAMPLES["round.started"], EXAMPLES["round.concluded"]]}}

EVENT_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"oneOf": [{"$ref": "#/components/schemas/Event"},
                         {"type": "array", "items": {"$ref": "#/components/schemas/Event"}, "minItems": 1}]},
    "examples": {**_examples, **_batch_example},
}}}}

OPENING_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"$ref": "#/components/schemas/NegotiationOpened"},
    "examples": {"negotiation.opened": _examples["negotiation.opened"]},
}}}}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {code: {"description": "problem details", "content": content} for code in codes}


def _document_problems(paths: dict[str, Any]) -> None:
    """Every operation may answer with problems from layers the route does not see (auth,
    body limits, storage): document them all, with our problem schema rather than FastAPI's
    default validation-error shape."""
    problem = problem_responses(0)[0]
    for path, item in paths.items():
        if path == "/health":
            continue
        for method, operation in item.items():
            codes = {400, 401, 403, 422, 503}  # 400: a request target with a NUL character
            if "{" in path:
                codes.add(404)
            if method in ("post", "put", "patch", "delete"):
                codes |= {408, 409, 413}
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                if str(code) not in responses or code == 422:
                    responses[str(code)] = problem


def _drop_unused(components: dict[str, Any], paths: dict[str, Any]) -> None:
    """Drops the schemas nothing refers to (FastAPI's validation-error shape, which our problems
    replace), so that a client generated from the document has no models no answer uses."""
    used: set[str] = set()
    found = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(paths)))
    while found - used:
        used |= found
        found = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps([components[n] for n in used])))
    for name in set(components) - used:
        del components[name]


def install(app: FastAPI) -> None:
    """Adds the event schemas to the generated document (the routes parse bodies themselves,
    so FastAPI would not otherwise know them)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        event_schema = TypeAdapter(AnyEvent).json_schema(ref_template=REF)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(event_schema.pop("$defs", {}))
        components["Event"] = event_schema
        problem = Problem.model_json_schema(ref_template=REF)
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        schema["components"]["securitySchemes"] = {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "a token from `negotiation-log token create`; GETs other than /audit* "
                           "need none when the service runs with --public-read"}}
        schema["security"] = [{"bearer": []}]
        schema["paths"]["/health"]["get"]["security"] = []
        _document_problems(schema["paths"])
        _drop_unused(components, schema["paths"])
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
