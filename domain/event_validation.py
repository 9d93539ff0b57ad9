"""Checking one client-submitted event against its type's model (domain.event_types).

Validation here is about shape only. Whether a referenced participant, round or event exists is
the application's business (409/404), because it needs the stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from domain.errors import FieldError, ValidationFailed
from domain.event_fields import Source, field_errors
from domain.event_types import EVENT_TYPES
from domain.leaves import SOURCE_NAME
from domain.valid_time import ValidTime, parse_valid_time

_TYPE_LIST = ", ".join(EVENT_TYPES)


@dataclass(frozen=True)
class ValidatedEvent:
    type: str
    fields: dict[str, Any]  # as sent, after validation: includes type and occurred_at, no defaults
    valid_time: ValidTime


def validate_event(obj: object, erased: Sequence[str] = ()) -> ValidatedEvent:
    """Checks one client-submitted event; raises ValidationFailed listing every problem.
    `erased` names fields of a stored event that were erased (an event read back to be
    corrected, or imported): they may be missing, and an erased source entry is null."""
    if not isinstance(obj, dict):
        raise ValidationFailed([FieldError("", "an event must be a JSON object")])
    kind = obj.get("type")
    if kind is None:
        message = f"field required; must be one of: {_TYPE_LIST}"
        raise ValidationFailed([FieldError("type", message)])
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        shown = f" {kind!r}" if isinstance(kind, str) and len(kind) <= 64 else ""
        message = f"unknown event type{shown}; must be one of: {_TYPE_LIST}"
        raise ValidationFailed([FieldError("type", message)])
    model = EVENT_TYPES[kind] if not erased else _with_erased(kind, frozenset(erased))
    try:
        event = model.model_validate(obj)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc, list(model.model_fields))) from None
    fields = event.model_dump(mode="json", exclude_unset=True)
    if not fields.get("sources", True) and not erased:
        # No sources, said as [] or null, is no sources: the leaf commits to each entry
        # (docs/api.md §9), and an empty list or a null has none to commit to.
        del fields["sources"]
    return ValidatedEvent(kind, fields, parse_valid_time(fields["occurred_at"]))


@lru_cache(maxsize=256)
def _with_erased(kind: str, erased: frozenset[str]) -> type[BaseModel]:
    """The event type's model with the erased fields optional (and null source entries
    allowed where a source was erased): what is left of an event must still be valid."""
    model = EVENT_TYPES[kind]
    overrides: dict[str, Any] = {}
    for name in erased:
        if SOURCE_NAME.match(name):
            overrides["sources"] = (list[Source | None] | None, None)
        elif name in model.model_fields and name != "sources":
            overrides[name] = (model.model_fields[name].annotation | None, None)  # type: ignore[operator]
    return create_model(f"{model.__name__}Erased", __base__=model, **overrides)


def validate_opening(obj: object) -> ValidatedEvent:
    """The body of POST /negotiations: a `negotiation.opened` whose `type` may be omitted."""
    if isinstance(obj, dict):
        if "type" not in obj:
            obj = {"type": "negotiation.opened", **obj}
        elif obj["type"] != "negotiation.opened":
            message = "must be negotiation.opened, or omitted, to open a negotiation"
            raise ValidationFailed([FieldError("type", message)])
    return validate_event(obj)
