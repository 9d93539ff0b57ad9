"""Injected failures: an unexpected exception where the code under test meets one event."""

from __future__ import annotations

from typing import Any

import pytest

from domain import appending


class Boom(Exception):
    """Stands for a bug or a resource failure met while handling one request."""


def break_validation_of(monkeypatch: pytest.MonkeyPatch, field: str, value: str) -> None:
    """Validating an event whose `field` is `value` raises Boom; other events validate as ever."""
    validate = appending.validate_event

    def failing(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(obj, dict) and obj.get(field) == value:
            raise Boom(f"validation broke on the event with {field} {value!r}")
        return validate(obj, *args, **kwargs)

    monkeypatch.setattr(appending, "validate_event", failing)
