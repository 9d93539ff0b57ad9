"""Samples and helpers for the event validation tests."""

import copy
from typing import Any

import pytest

from domain.errors import ValidationFailed
from domain.event_examples import EXAMPLES
from domain.event_validation import validate_event


def example(kind: str, **changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(EXAMPLES[kind]), **changes}


def refusal(obj: object, validate=validate_event) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate(obj)
    return {e.field: e.message for e in caught.value.errors}
