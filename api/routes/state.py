"""Reading state (docs/api.md §5): rounds, disputes, proposals and commitments, one or a page,
the timeline and the changes between two dates; every answer on both time axes.

No `from __future__ import annotations` here: the per-kind routes name their key parameter
(`round_id`, ...) through an annotation built in a closure, which must be evaluated there."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from domain.event_types import EVENT_TYPES
from domain.valid_time import format_utc, parse_valid_time
from projections.paging import BadCursor
from projections.timeline import TimelineFilter

from api.answers import ENTITY_ANSWERS, Changes, TimelinePage
from api.auth import Reader, ServicesDep
from api.expensive_reads import ExpensiveRead
from api.openapi_docs import problem_responses
from api.problems import Problem
from api.responses import JSONBody
from api.time_params import Axes, instant

router = APIRouter(tags=["reading"])

Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
KINDS = {"round": "rounds", "dispute": "disputes", "proposal": "proposals", "commitment": "commitments"}
TYPE_FAMILIES = frozenset(t.split(".")[0] for t in EVENT_TYPES)
_MICROSECOND = timedelta(microseconds=1)
_FIRST_INSTANT = datetime(1, 1, 1, tzinfo=timezone.utc)


def _refuse(field: str, message: str) -> Problem:
    return Problem(422, f"{field}: {message}", rule="validation", errors=[{"field": field, "message": message}])


async def _answer(call: Callable[[], dict[str, Any]], echo: dict[str, Any]) -> JSONBody:
    try:
        return JSONBody({**await run_in_threadpool(call), **echo})
    except BadCursor as e:
        raise _refuse("cursor", str(e)) from None


def _period_start(name: str, text: str | None) -> datetime | None:
    """The first instant of a `from` value: `from=2025-04` includes all of April."""
    if instant(name, text) is None:
        return None
    return parse_valid_time(text).start  # type: ignore[arg-type]


def _add_entity_routes(kind: str, plural: str) -> None:
    key_name = f"{kind}_id"

    async def list_entities(negotiation_id: str, svc: ServicesDep, principal: Reader, axes: Axes,
                            limit: Limit = 100, cursor: Cursor = None) -> JSONBody:
        models = svc.reading.as_seen_by(principal)
        return await _answer(lambda: models.entities(negotiation_id, kind, as_of=axes.as_of, known_at=axes.known_at,
                                                     limit=limit, cursor=cursor), axes.echo())

    async def get_entity(negotiation_id: str, key: Annotated[str, Path(alias=key_name)], svc: ServicesDep,
                         principal: Reader, axes: Axes) -> JSONBody:
        models = svc.reading.as_seen_by(principal)
        return await _answer(lambda: models.entity(negotiation_id, kind, key, as_of=axes.as_of,
                                                   known_at=axes.known_at), axes.echo())

    one, page = ENTITY_ANSWERS[kind]
    base = f"/negotiations/{{negotiation_id}}/{plural}"
    router.add_api_route(base, list_entities, methods=["GET"], name=f"list_{plural}",
                         summary=f"The negotiation's {plural}, a page at a time", response_model=page,
                         responses=problem_responses(401, 404, 422))
    router.add_api_route(f"{base}/{{{key_name}}}", get_entity, methods=["GET"], name=f"get_{kind}",
                         summary=f"One {kind}'s state", response_model=one, responses=problem_responses(401, 404, 422))


for _kind, _plural in KINDS.items():
    _add_entity_routes(_kind, _plural)


def _types(values: list[str] | None) -> frozenset[str]:
    wanted = frozenset(v.strip() for value in values or [] for v in value.split(",") if v.strip())
    unknown = sorted(t for t in wanted if t not in EVENT_TYPES and t not in TYPE_FAMILIES)
    if unknown:
        raise _refuse("type", f"unknown event type {unknown[0]!r}; give event types (round.scheduled) or "
                              f"families ({', '.join(sorted(TYPE_FAMILIES))})")
    return wanted


@router.get("/negotiations/{negotiation_id}/timeline", summary="The negotiation's events in valid-time order",
            response_model=TimelinePage,
            responses=problem_responses(401, 404, 422, 503))
async def get_timeline(
    negotiation_id: str, svc: ServicesDep, principal: Reader, axes: Axes, _slot: ExpensiveRead,
    start: Annotated[str | None, Query(alias="from", description="keep events still going on at or after "
                                                                 "the start of this time")] = None,
    end: Annotated[str | None, Query(alias="to", description="keep events begun by the end of this time")] = None,
    types: Annotated[list[str] | None, Query(alias="type", description="event types or families "
                                                                       "(`round`), repeated or comma-separated")] = None,
    limit: Limit = 100, cursor: Cursor = None,
) -> JSONBody:
    wanted = TimelineFilter(known_at=axes.known_at, as_of=axes.as_of, start=_period_start("from", start),
                            end=instant("to", end), types=_types(types))
    if wanted.start and wanted.end and wanted.start > wanted.end:
        raise _refuse("to", "must not be before from")
    models = svc.reading.as_seen_by(principal)
    return await _answer(lambda: models.timeline(negotiation_id, wanted, limit=limit, cursor=cursor), axes.echo())


@router.get("/negotiations/{negotiation_id}/changes", summary="What changed between two valid times",
            response_model=Changes, responses=problem_responses(401, 404, 422, 503))
async def get_changes(
    negotiation_id: str, svc: ServicesDep, principal: Reader, axes: Axes, _slot: ExpensiveRead,
    start: Annotated[str | None, Query(alias="from", description="compare the state just before this time "
                                                                 "(omitted: before anything happened)")] = None,
    end: Annotated[str | None, Query(alias="to", description="with the state at the end of this time "
                                                             "(omitted: now)")] = None,
) -> JSONBody:
    since, until = _period_start("from", start), instant("to", end)
    if axes.as_of is not None and end is not None:
        raise _refuse("as_of", "give either to or as_of: both name the later point")
    until = until or axes.as_of
    if since is not None and until is not None and since > until:
        raise _refuse("to", "must not be before from")
    # `from` names the first moment to include, so the comparison starts just before it;
    # nothing is before the first moment there is (and datetime cannot go there).
    before = since - _MICROSECOND if since is not None and since > _FIRST_INSTANT else None
    models = svc.reading.as_seen_by(principal)
    echo = {**axes.echo(), "from": format_utc(since) if since else None,
            "to": format_utc(until) if until else None, "as_of": format_utc(until) if until else None}
    return await _answer(lambda: models.changes(negotiation_id, start=before, end=until, known_at=axes.known_at), echo)
