"""Hypothesis against event validation: whatever JSON arrives, the answer is a validated event
or a ValidationFailed naming fields, never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.event_examples import EXAMPLES
from domain.event_types import EVENT_TYPES
from domain.event_validation import validate_event, validate_opening

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FIELD_NAMES = sorted({name for model in EVENT_TYPES.values() for name in model.model_fields})


def answers_cleanly(obj: Any, validate: Any = validate_event) -> None:
    try:
        event = validate(obj)
    except ValidationFailed as e:
        assert e.errors and all(isinstance(err.field, str) and err.message for err in e.errors)
    else:
        assert event.type in EVENT_TYPES and event.valid_time.start <= event.valid_time.end


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_value_is_answered_cleanly(obj: Any) -> None:
    answers_cleanly(obj)
    answers_cleanly(obj, validate_opening)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(sorted(EXAMPLES)), st.dictionaries(st.sampled_from(FIELD_NAMES), JSON, max_size=3))
def test_a_real_event_with_any_fields_replaced_is_answered_cleanly(kind: str, replaced: dict[str, Any]) -> None:
    answers_cleanly({**EXAMPLES[kind], **replaced})
