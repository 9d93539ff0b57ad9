"""One mapping from every error to an RFC 9457 problem+json response."""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from eventsourcing.persistence import PersistenceError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import (
    DomainError, IdempotencyKeyReused, NotFound, RuleViolation, ValidationFailed, VersionConflict,
)

from api.metrics import Metrics
from api.responses import JSONBody

PROBLEM_JSON = "application/problem+json"
STORAGE_RULE = "storage"
log = logging.getLogger("negotiation_log")

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


def problem_body(status: int, detail: str, *, title: str | None = None, rule: str | None = None,
                 **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:negotiation-log:problem:{rule or status}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    if rule:
        body["rule"] = rule
    return body


def problem_response(status: int, detail: str, *, title: str | None = None, rule: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONBody(problem_body(status, detail, title=title, rule=rule, **extra), status_code=status,
                    media_type=PROBLEM_JSON, headers=headers)


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
    log.warning("storage error on %s: %r", path, exc)
    if metrics is not None:
        metrics.answered_unavailable(exc)
    return problem_response(503, "the database is unavailable or busy; nothing was stored, retry later",
                            rule=STORAGE_RULE, headers={"Retry-After": "1"})


def unexpected(exc: BaseException, method: str, path: str) -> str:
    """Logs an unexpected exception once, with its traceback, under a new correlation id, and
    returns the id. The same exception met again (Starlette re-raises what its handler
    answered; a group of appends may share one failure) keeps its id and is not logged again."""
    correlation_id = getattr(exc, "_nl_correlation_id", None)
    if correlation_id is None:
        correlation_id = uuid.uuid4().hex[:16]
        log.error("unexpected error %s on %s %s", correlation_id, method, path, exc_info=exc)
        try:
            exc._nl_correlation_id = correlation_id  # type: ignore[attr-defined]
        except AttributeError:  # an exception type without a __dict__
            pass
    return correlation_id


def unexpected_response(correlation_id: str) -> JSONResponse:
    return problem_response(500, f"an unexpected error occurred; quote correlation id {correlation_id}",
                            rule="unexpected", correlation_id=correlation_id)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return unexpected_response(unexpected(exc, request.method, request.url.path))


class CatchAll:
    """The outermost layer: whatever escapes the application is answered (500 problem+json)
    and logged once, rather than logged again by the server with a bare 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            correlation_id = unexpected(exc, scope.get("method", ""), scope.get("path", ""))
            if not started:  # else the server closes the connection of the unfinished response
                await unexpected_response(correlation_id)(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(PersistenceError, _storage)
