"""JSON through orjson where it gives exactly what the standard library would, and through the
standard library where it might not.

orjson reads an integer beyond 64 bits as a float (silently losing digits) and refuses to
write one; the standard library keeps it exact. Such numbers are rare and always long, so any
text with a run of 19 or more digits is left to the standard library."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_BYTES = re.compile(rb"\d{19}")
_LONG_TEXT = re.compile(r"\d{19}")


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    if isinstance(data, str):
        return json.loads(data) if _LONG_TEXT.search(data) else orjson.loads(data)
    if not isinstance(data, bytes):
        data = bytes(data)
    return json.loads(data) if _LONG_BYTES.search(data) else orjson.loads(data)


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, as json.dumps(obj, ensure_ascii=False, separators=(",", ":"))."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
