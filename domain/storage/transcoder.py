"""eventsourcing's JSON transcoder, with orjson doing the work.

The stored bytes keep the library's format (a datetime is {"_type_": "datetime_iso", "_data_":
...}), so databases written before read the same. Our events carry such values only at the top
level (the event's timestamp): the record inside is plain JSON, dumped by pydantic in JSON
mode. Anything else, a nested transcoded value or a number orjson cannot hold (integers beyond
64 bits), goes through the library's own code. orjson would write a UUID as text, not as the
library's {"_type_": "uuid_hex"}: top-level UUIDs are handed to the library's transcoding."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder

from domain.jsonfast import has_long_number

_MARK = b'"_type_"'


class FastJSONTranscoder(JSONTranscoder):
    def encode(self, obj: Any) -> bytes:
        if isinstance(obj, dict) and any(type(v) is UUID for v in obj.values()):
            obj = {k: self._encode_obj(v) if type(v) is UUID else v for k, v in obj.items()}
        try:
            return orjson.dumps(obj, default=self._encode_obj, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except TypeError:
            return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        if has_long_number(data):
            return super().decode(data)
        obj = orjson.loads(data)
        marks = data.count(_MARK)
        if not marks:
            return obj
        decoded = 0
        if isinstance(obj, dict):
            for key, value in obj.items():
                if type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
                    obj[key] = self._decode_obj(value)
                    decoded += 1
        return obj if decoded == marks else super().decode(data)
