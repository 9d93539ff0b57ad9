"""How an erased field reads in the formats made for people (PLOVER, TimelineJS, CSV, ICS):
as "[erased]", in the shape the field has (a speaker still has a name to show), and an erased
source as no source. The renderers then need no case of their own for it; JSON Lines keeps
the events exactly as stored, `erased` list and all. Pure."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from domain.event_types import EVENT_TYPES

ERASED = "[erased]"


def as_displayed(fact: dict[str, Any]) -> dict[str, Any]:
    erased = fact.get("erased")
    if not erased:
        return fact
    shown = dict(fact)
    if isinstance(shown.get("sources"), list):
        shown["sources"] = [s for s in shown["sources"] if s is not None]
    model = EVENT_TYPES.get(fact["type"])
    for name in erased:
        if name in shown or "[" in name or model is None or name not in model.model_fields:
            continue  # still there (corrected since), or a source entry
        shown[name] = _placeholder(model.model_fields[name].annotation)
    return shown


def _placeholder(annotation: Any) -> Any:
    """"[erased]" in the field's own shape: text as text, an object with a name, a list empty."""
    for kind in _kinds(annotation):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return {"name": ERASED} if "name" in kind.model_fields else {}
        if kind is list or typing.get_origin(kind) is list:
            return []
    return ERASED


def _kinds(annotation: Any) -> list[Any]:
    """The types an annotation allows, looking through Annotated, unions and Optional."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [k for arg in typing.get_args(annotation) for k in _kinds(arg)]
    return [annotation]
