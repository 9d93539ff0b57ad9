"""The two kinds of answer schema: closed (every field listed) and open (an event's data fields too)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Shape(BaseModel):
    """An answer whose every field is listed: anything else in it is a bug the tests catch."""

    model_config = ConfigDict(extra="forbid")


class OpenShape(BaseModel):
    """An answer that also carries the event's data fields, which depend on its type."""

    model_config = ConfigDict(extra="allow")
