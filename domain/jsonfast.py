"""JSON through orjson where it gives exactly what the standard library would, and through the
standard library where it might not.

orjson reads an integer beyond 64 bits as a float (silently losing digits) and refuses to
write one; the standard library keeps it exact. Such numbers are rare and always long, so any
text with a run of 19 or more digits is left to the standard library."""

from __future__ import annotations

import json
from typing import Any

import orjson

# Digits to "0", everything else to " ": a long run of digits is then one bytes.find, which
# costs a tenth of a regular expression's search (and less than the parse itself).
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_RUN = b"0" * 19


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
