"""Query parameters that select events from the global log, shared by /audit, /events and
/events/stream; each bad value is a 422 naming its parameter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from domain.event_types import EVENT_TYPES
from domain.valid_time import SINGLE_FORMS, parse_period
from projections.log_query import LogFilter

from api.problems import Problem

MAX_TYPES = 50


def invalid(field: str, message: str) -> Problem:
    return Problem(422, f"{field}: {message}", rule="validation", errors=[{"field": field, "message": message}])


def position(field: str, text: str | None, what: str = "a position") -> int | None:
    """A cursor, position or tree size as a client sends it: a non-negative integer (at most
    18 digits, so it always fits storage's 64-bit integers)."""
    if text is None or text == "":
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise invalid(field, f"must be {what}, a non-negative integer")
    return int(text)


def negotiation_id(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(UUID(text))
    except ValueError:
        raise invalid("negotiation_id", "must be a negotiation id (a UUID)") from None


def event_types(values: list[str] | None) -> tuple[str, ...]:
    """Repeated (`type=a&type=b`) or comma-separated (`type=a,b`)."""
    types = tuple(dict.fromkeys(t.strip() for v in values or [] for t in v.split(",") if t.strip()))
    if len(types) > MAX_TYPES:
        raise invalid("type", f"at most {MAX_TYPES} types")
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        shown = ", ".join(repr(t[:64]) for t in unknown[:3])
        raise invalid("type", f"unknown event type {shown}; must be one of: {', '.join(EVENT_TYPES)}")
    return types


def recorded_time(field: str, text: str | None, *, end: bool) -> datetime | None:
    """`since` takes the start of a period (`since=2025-04-10` is from midnight), `until` its
    end (`until=2025-04-10` is through the last microsecond of that day): both inclusive."""
    if text is None:
        return None
    if "/" in text:
        raise invalid(field, f"one time, not an interval; accepted forms: {SINGLE_FORMS}")
    try:
        first, last = parse_period(text)
    except ValueError as e:
        raise invalid(field, str(e)) from None
    return last if end else first


def stream_filter(
    negotiation_id_: Annotated[str | None, Query(alias="negotiation_id", description="only this negotiation's events")] = None,
    type_: Annotated[list[str] | None, Query(alias="type", description="only these event types (repeat, or comma-separate)")] = None,
) -> LogFilter:
    return LogFilter(negotiation_id=negotiation_id(negotiation_id_), types=event_types(type_))


def audit_filter(
    base: Annotated[LogFilter, Depends(stream_filter)],
    recorded_by: Annotated[str | None, Query(description="the principal who recorded the events", max_length=64)] = None,
    since: Annotated[str | None, Query(description="recorded at or after (a bare date: from its start)",
                                       examples=["2025-04-10"])] = None,
    until: Annotated[str | None, Query(description="recorded at or before (a bare date: through its end)",
                                       examples=["2025-04-11T12:00:00Z"])] = None,
) -> LogFilter:
    start, end = recorded_time("since", since, end=False), recorded_time("until", until, end=True)
    if start is not None and end is not None and end < start:
        raise invalid("until", "is before since")
    return LogFilter(recorded_by=recorded_by, negotiation_id=base.negotiation_id, types=base.types,
                     since=start, until=end)


StreamFilter = Annotated[LogFilter, Depends(stream_filter)]
AuditFilter = Annotated[LogFilter, Depends(audit_filter)]
