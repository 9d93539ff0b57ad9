"""One mapping from every error to an RFC 9457 problem+json response."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from eventsourcing.persistence import PersistenceError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import (
    DomainError, IdempotencyKeyReused, NotFound, RuleViolation, ValidationFailed, VersionConflict,
)

from api.metrics import Metrics
from api.responses import JSONBody

PROBLEM_JSON = "application/problem+json"
STORAGE_RULE = "storage"

STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (ValidationFailed, 422),
    (IdempotencyKeyReused, 422),
    (VersionConflict, 409),
    (RuleViolation, 409),
    (NotFound, 404),
]


class Problem(Exception):
    """An error raised at the edge (auth, parsing, limits) rather than by the domain."""

    def __init__(self, status: int, detail: str, *, rule: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.rule, self.headers, self.extra = status, detail, rule, headers, extra


def problem_response(status: int, detail: str, *, title: str | None = None, rule: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:negotiation-log:problem:{rule or status}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    if rule:
        body["rule"] = rule
    return JSONBody(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def error_response(exc: Exception, path: str, metrics: Metrics | None = None) -> JSONResponse | None:
    """The problem response for one of our errors (domain, edge, storage), or None."""
    if isinstance(exc, DomainError):
        return _domain_error(None, exc)
    if isinstance(exc, Problem):
        return _problem(None, exc)
    if isinstance(exc, PersistenceError):
        return _storage_problem(path, exc, metrics)
    return None


def status_and_rule(exc: BaseException) -> tuple[int, str | None] | None:
    """What error_response would answer: (status, rule), or None if it is not one of ours."""
    if isinstance(exc, DomainError):
        return next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls)), exc.rule
    if isinstance(exc, Problem):
        return exc.status, exc.rule
    if isinstance(exc, PersistenceError):
        return 503, STORAGE_RULE
    return None


def _domain_error(request: Request | None, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls))  # as in status_and_rule
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed):
        extra["errors"] = [e.as_dict() for e in exc.errors]
    if exc.index is not None:
        extra["index"] = exc.index
    return problem_response(status, exc.detail, title=exc.title, rule=exc.rule, **extra)


def _problem(request: Request | None, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.detail, rule=exc.rule, headers=exc.headers, **exc.extra)


def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "message": e["msg"]}
              for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(422, detail, title="Validation failed", rule="validation", errors=errors)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


def _storage(request: Request, exc: Exception) -> JSONResponse:
    return _storage_problem(request.url.path, exc, getattr(request.app.state.services, "metrics", None))


def _storage_problem(path: str, exc: Exception, metrics: Metrics | None) -> JSONResponse:
    # Lock timeouts, a full disk, a read-only or unreachable database: nothing was stored, and
    # the client may retry. The cause goes to the log and the metrics, not to the client.
    logging.getLogger("negotiation_log").warning("storage error on %s: %r", path, exc)
    if metrics is not None:
        metrics.answered_unavailable(exc)
    return problem_response(503, "the database is unavailable or busy; nothing was stored, retry later",
                            rule=STORAGE_RULE, headers={"Retry-After": "1"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(PersistenceError, _storage)
