"""JSON through orjson where it gives exactly what the standard library would, and through the
standard library where it might not.

orjson reads an integer beyond 64 bits as a float (silently losing digits) and refuses to
write one; the standard library keeps it exact. Such numbers are rare and always long, so any
text with a run of 19 or more digits is left to the standard library.

Nesting is bounded where JSON is parsed (`MAX_DEPTH`), so the code that walks a value later
never meets one deep enough to exhaust the stack."""

from __future__ import annotations

import json
from typing import Any

import orjson

# Digits to "0", everything else to " ": a long run of digits is then one bytes.find, which
# costs a tenth of a regular expression's search (and less than the parse itself).
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_RUN = b"0" * 19

# The deepest legitimate body is a batch of corrections whose changes hold a list of objects
# (`[{"changes": {"participants": [{...}]}}]`): five levels. Well above that, far below the
# depth at which any recursive code (pydantic's, json's, ours) runs out of stack.
MAX_DEPTH = 32


def has_long_number(data: bytes) -> bool:
    """Whether `data` has a run of 19 digits or more: a number orjson might not read exactly."""
    return data.translate(_DIGITS).find(_RUN) >= 0


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    raw = data.encode() if isinstance(data, str) else data if isinstance(data, bytes) else bytes(data)
    return json.loads(raw) if has_long_number(raw) else orjson.loads(raw)


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, as json.dumps(obj, ensure_ascii=False, separators=(",", ":"))."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests more than `limit` levels (a scalar is level 0, `[]`
    level 1). Level by level rather than recursively, so any depth is measured safely; exact
    type checks, since JSON parsers make plain dicts and lists, keep it a fraction of a parse."""
    level = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        deeper = []
        for container in level:
            for child in container.values() if type(container) is dict else container:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        level = deeper
    return False
