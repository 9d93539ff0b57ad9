"""The `approximate` / `uncertain` flags of a view (docs/api.md §11): a view says
`"approximate": true` when any date it shows carries `~` or `%`, and `"uncertain": true` when
any carries `?` or `%`. Like an event's, the flags appear only when true. Pure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from domain.valid_time import parse_valid_time

# Where each kind's view shows dates (as the client wrote them); `*` is every value of a map
# or every item of a list.
DATE_PATHS: dict[str, tuple[str, ...]] = {
    "round": ("scheduled_for", "started_at", "concluded_at", "postponement.at", "cancellation.at"),
    "dispute": ("raised_at", "positions.*.stated_at"),
    "proposal": ("tabled_at", "withdrawn_at", "response_details.*.responded_at"),
    "commitment": ("due", "agreed_at", "history.*.occurred_at"),
}


def _values(value: Any, path: list[str]) -> Iterator[Any]:
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if head == "*":
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for item in items:
            yield from _values(item, rest)
    elif isinstance(value, dict) and head in value:
        yield from _values(value[head], rest)


def date_flags(kind: str, view: dict[str, Any]) -> dict[str, bool]:
    approximate = uncertain = False
    for path in DATE_PATHS.get(kind, ()):
        for text in _values(view, path.split(".")):
            # Only a qualifier sets a flag, and most dates have none: skip the parse for them.
            if isinstance(text, str) and ("?" in text or "~" in text or "%" in text):
                try:
                    parsed = parse_valid_time(text)
                except ValueError:  # never stored, but a view must not fail on it
                    continue
                approximate |= parsed.approximate
                uncertain |= parsed.uncertain
    flags = {}
    if approximate:
        flags["approximate"] = True
    if uncertain:
        flags["uncertain"] = True
    return flags
