"""Field types and shapes shared by the event models (docs/api.md §3–4), and the translation of
pydantic's errors into `FieldError`s whose messages name the rule that was broken.

Every string type is strict (no number-to-string coercion), bounded, and refuses NUL, so that
hostile or sloppy input is a 422 here rather than a surprise in storage or in a projection.
"""

from __future__ import annotations

import math
import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    Strict,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain.errors import FieldError
from domain.valid_time import DERIVED_FIELDS, parse_valid_time

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_ITEMS = 1000
MAX_NUMBER = 10_000  # round numbers and hours: far beyond any real talks, small enough to store
SERVER_FIELDS = frozenset(
    {"event_id", "negotiation_id", "version", "position", "log_index", "recorded_at", "recorded_by",
     "hash", "prev_hash", "erased", *DERIVED_FIELDS}
)


def refuse(kind: str, message: str, at: str = "") -> PydanticCustomError:
    """A validation error with a fixed message; `at` is a dotted suffix to the field's path
    when the culprit is inside it (a duplicate at `participants.2.id`)."""
    return PydanticCustomError(kind, message, {"at": at} if at else None)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise refuse("nul_character", "must not contain NUL characters")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise refuse("blank", "must not be empty or only whitespace")
    return value


def _time(value: str) -> str:
    try:
        parse_valid_time(value)
    except ValueError as exc:
        raise refuse("valid_time", str(exc)) from None
    return value  # kept exactly as given: the record holds the client's text


def _single_time(value: str) -> str:
    if "/" in value:
        raise refuse("valid_time", "must be a single time, not an interval")
    return _time(value)


def _string(max_length: int, *extra: Any) -> Any:
    constraints = (Strict(), StringConstraints(max_length=max_length), AfterValidator(_no_nul))
    return Annotated[(str, *constraints, *extra)]


class _ParticipantRefMarker:
    """Annotated metadata marking a field that names a participant of the negotiation;
    `participant_refs` finds such fields by this marker rather than by a list kept by hand."""

    def __repr__(self) -> str:
        return "PARTICIPANT_REF"


PARTICIPANT_REF = _ParticipantRefMarker()

Key = Annotated[str, Strict(), StringConstraints(pattern=KEY_PATTERN)]
# References are not held to the key pattern: whether the id exists is the application's 409,
# and a pattern 422 would hide that answer behind a less useful one.
ParticipantRef = Annotated[
    str, Strict(), StringConstraints(min_length=1, max_length=64),
    AfterValidator(_no_nul), AfterValidator(_not_blank), PARTICIPANT_REF,
]
Label = _string(500)  # titles, names, labels
Name = _string(500, AfterValidator(_not_blank))
Text = _string(20_000)  # free text: summaries, quotes, notes, reasons
RequiredText = _string(20_000, AfterValidator(_not_blank))
Url = _string(2000)
TimeText = _string(200, AfterValidator(_time))
SingleTimeText = _string(200, AfterValidator(_single_time))
Count = Annotated[int, Strict(), Field(ge=1, le=MAX_NUMBER)]
Flag = Annotated[bool, Strict()]
EventId = Annotated[str, Strict(), StringConstraints(max_length=100)]  # format checked in _uuid


def _uuid(value: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value):
        raise refuse("uuid", "must be a UUID such as 0b6f1c2e-5d4a-4c1e-9a7b-3f2d8e6c1a90")
    return value.lower()  # event ids are stored lower-case; any other case would never match


EventRef = Annotated[EventId, AfterValidator(_uuid)]


def _hours(value: object) -> int | float:
    # Hand-written rather than a strict float so that `6` stays `6` in the stored record.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise refuse("number_type", "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise refuse("finite_number", "must be a finite number")
    if not 0 <= value <= MAX_NUMBER:
        raise refuse("range", f"must be between 0 and {MAX_NUMBER}")
    return value


_HOURS_SCHEMA = {"type": "number", "minimum": 0, "maximum": MAX_NUMBER}
Hours = Annotated[Any, PlainValidator(_hours), WithJsonSchema(_HOURS_SCHEMA)]

Role = Literal["party", "mediator", "host", "observer"]
Format = Literal["bilateral", "multilateral", "mediated"]
Stance = Literal["demand", "offer", "accept", "reject", "red_line", "neutral"]
Response = Literal["accepted", "rejected", "countered", "under_review"]
Reliability = Literal["official", "confirmed", "reported", "claimed", "unverified"]


def many(item: Any, min_length: int = 0) -> Any:
    return Annotated[list[item], Field(min_length=min_length, max_length=MAX_ITEMS)]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _pattern(pattern: str, message: str) -> Any:
    def check(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise refuse("pattern", message)
        return value
    return Annotated[str, Strict(), StringConstraints(max_length=64), AfterValidator(check),
                     WithJsonSchema({"type": "string", "pattern": f"^{pattern}$"})]


# How event-data tools name actors (docs/api.md §11): a code such as ISO 3166-1 alpha-3 `RUS` (or a
# CAMEO/PLOVER actor code such as `RUSGOV`), and a Wikidata item.
ActorCode = _pattern(r"[A-Z][A-Z0-9]{1,31}",
                     "must be an actor code of 2-32 capital letters or digits, such as RUS (ISO 3166-1 alpha-3)")
WikidataId = _pattern(r"Q[1-9][0-9]{0,11}", "must be a Wikidata item id such as Q159")


class Participant(Shape):
    id: Key
    name: Name
    role: Role
    code: ActorCode | None = None
    wikidata: WikidataId | None = None


class Person(Shape):
    name: Name
    title: Label | None = None


class Venue(Shape):
    name: Label | None = None
    city: Label | None = None
    country: Label | None = None


class Source(Shape):
    title: Label | None = None
    url: Url | None = None
    publisher: Label | None = None
    published_at: SingleTimeText | None = None
    reliability: Reliability | None = None
    quote: Text | None = None


class Duration(Shape):
    min_hours: Hours | None = None
    max_hours: Hours | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Duration:
        if self.min_hours is None and self.max_hours is None:
            raise refuse("duration", "give min_hours, max_hours or both")
        if None not in (self.min_hours, self.max_hours) and self.min_hours > self.max_hours:
            raise refuse("duration", "min_hours must not exceed max_hours")
        return self


class Speaker(Shape):
    name: Name
    title: Label | None = None
    participant_id: ParticipantRef | None = None


_TYPE_MESSAGES = {
    "missing": "field required",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be a boolean (true or false)",
    "float_type": "must be a number",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "too_short": "must have at least {min_length} items",
    "too_long": "must have at most {max_length} items",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
}
_KEY_MESSAGE = (
    "must be a key of 1-64 lowercase letters, digits, '_' or '-', starting with a letter or "
    "digit (" + KEY_PATTERN + ")"
)


def field_errors(exc: ValidationError, accepted: list[str] | None = None) -> list[FieldError]:
    """pydantic's errors as `FieldError`s with dotted paths; `accepted` lists the top-level
    fields of the event type, named when an unknown field is refused."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        ctx = err.get("ctx") or {}
        kind = err["type"]
        if ctx.get("at"):
            loc.append(ctx["at"])
        if kind == "extra_forbidden":
            if len(loc) == 1 and loc[0] in SERVER_FIELDS:
                message = "unknown field (set by the server, never by the client)"
            elif len(loc) == 1 and accepted:
                message = "unknown field; accepted fields: " + ", ".join(accepted)
            else:
                message = "unknown field"
        elif kind == "literal_error":
            message = "must be one of: " + ", ".join(re.findall(r"'([^']*)'", ctx["expected"]))
        elif kind == "too_short" and ctx.get("min_length") == 1:
            message = "must not be empty"
        elif kind == "string_pattern_mismatch":
            message = _KEY_MESSAGE
        elif kind == "value_error":
            message = str(ctx.get("error", err["msg"]))
        elif kind in _TYPE_MESSAGES:
            message = _TYPE_MESSAGES[kind].format(**ctx)
        else:
            message = err["msg"]
        out.append(FieldError(".".join(loc), message))
    return out


def has_nul(value: object) -> bool:
    """Whether a NUL hides anywhere in a JSON value, keys included; iterative, so that no
    depth of nesting can exhaust the stack."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def ref_paths(tp: Any) -> list[tuple[str, ...]]:
    """Paths (with "*" for list items) to every ParticipantRef inside a model or annotation."""
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        return [()] if any(m is PARTICIPANT_REF for m in meta) else ref_paths(base)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        # pydantic moves a field's own Annotated metadata into f.metadata; put it back
        fields = {n: Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation
                  for n, f in tp.model_fields.items()}
        return [(name, *path) for name, ann in fields.items() for path in ref_paths(ann)]
    if origin is list:
        return [("*", *path) for path in ref_paths(get_args(tp)[0])]
    if origin in (Union, types.UnionType):
        return [path for arg in get_args(tp) for path in ref_paths(arg)]
    return []
