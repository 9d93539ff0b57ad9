"""Where an event names participants: every participant-reference field of every event type,
found from the `ParticipantRef` marker on the models rather than from a hand-kept list, so a
new field cannot slip past the application's "participant must belong" check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.event_fields import ref_paths
from domain.event_types import EVENT_TYPES

_REF_PATHS = {kind: ref_paths(model) for kind, model in EVENT_TYPES.items()}
_ALL_REF_PATHS = list(dict.fromkeys(p for paths in _REF_PATHS.values() for p in paths))


def participant_refs(fields: Mapping[str, Any]) -> list[tuple[str, str]]:
    """[(dotted path, participant id)] for every participant reference in a validated event's
    fields (`parties.1`, `speaker.participant_id`), in field order. Without a known type every
    reference field of any type is looked for: a missed reference would skip the 409 check."""
    found: list[tuple[str, str]] = []

    def walk(value: Any, path: tuple[str, ...], at: tuple[str, ...]) -> None:
        if not path:
            if isinstance(value, str):
                found.append((".".join(at), value))
        elif path[0] == "*":
            for i, item in enumerate(value if isinstance(value, list) else []):
                walk(item, path[1:], (*at, str(i)))
        elif isinstance(value, Mapping) and path[0] in value:
            walk(value[path[0]], path[1:], (*at, path[0]))

    kind = fields.get("type")
    for path in _REF_PATHS.get(kind, _ALL_REF_PATHS) if isinstance(kind, str) else _ALL_REF_PATHS:
        walk(fields, path, ())
    return found
