"""Stored-looking events for the pure read-model tests: what the log hands a fold, built
without a database (valid-time bounds derived as the server derives them)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from domain.valid_time import parse_valid_time

NID = "00000000-0000-4000-8000-000000000001"
_positions = itertools.count(1)


def fact(kind: str, occurred_at: str, *, position: int | None = None, recorded_at: str = "2025-06-01T00:00:00Z",
         **data: Any) -> dict[str, Any]:
    position = position if position is not None else next(_positions)
    return {"type": kind, "occurred_at": occurred_at, **data, **parse_valid_time(occurred_at).as_fields(),
            "event_id": str(uuid.uuid4()), "negotiation_id": NID, "version": position, "position": position,
            "recorded_at": recorded_at, "recorded_by": "tester"}


def correction(target: dict[str, Any], changes: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return fact("record.corrected", target["occurred_at"], target_event_id=target["event_id"], changes=changes,
                reason="misreported", **envelope)


def retraction(target: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return fact("record.retracted", target["occurred_at"], target_event_id=target["event_id"],
                reason="false report", **envelope)
