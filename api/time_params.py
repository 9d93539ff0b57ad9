"""The two time axes as query parameters (docs/api.md §2), parsed once for every state endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from domain.valid_time import SINGLE_FORMS, format_utc, parse_instant

from api.problems import Problem


def instant(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as e:
        raise Problem(422, f"{name}: {e}", rule="validation",
                      errors=[{"field": name, "message": f"accepted forms: {SINGLE_FORMS}"}]) from None


@dataclass(frozen=True)
class TimeAxes:
    as_of: datetime | None
    known_at: datetime | None

    def echo(self) -> dict[str, str | None]:
        """What the answer says it answered: the axes as instants, in UTC."""
        return {"as_of": format_utc(self.as_of) if self.as_of else None,
                "known_at": format_utc(self.known_at) if self.known_at else None}


async def time_axes(
    as_of: Annotated[str | None, Query(description="valid time: the state of the world then "
                                                   "(a bare date means the end of that day)",
                                       examples=["2025-03-01"])] = None,
    known_at: Annotated[str | None, Query(description="recorded time: the state as the log knew it then",
                                          examples=["2025-04-11T00:00:00Z"])] = None,
) -> TimeAxes:
    return TimeAxes(instant("as_of", as_of), instant("known_at", known_at))


Axes = Annotated[TimeAxes, Depends(time_axes)]
