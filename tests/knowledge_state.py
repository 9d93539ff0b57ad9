"""Everything a negotiation's knowledge (domain.knowledge) holds, as plain values: to hold a
knowledge taken back by its journal, or cached, equal to one learned afresh."""

from __future__ import annotations

import copy
from typing import Any

from domain.knowledge import Knowledge


def state_of(k: Knowledge) -> Any:
    kept, owners = k.kept, k.others
    latest = kept._latest.tolist()
    while latest and latest[-1] == -1:  # slots made for entities whose facts were taken back
        latest.pop()
    return copy.deepcopy({
        "entities": {name: list(column) for name, column in k.entities.columns().items()},
        "kept": {name: list(column) if not isinstance(column, dict) else column
                 for name, column in kept.columns().items()},
        "kept_inner": (bytes(kept._alive), kept._previous.tolist(), latest, kept._membership, len(kept),
                       kept._ids.high.tolist(), kept._ids.low.tolist(), kept._ids.other),
        "others": (owners._ids.high.tolist(), owners._ids.low.tolist(), owners._ids.other, owners._entity.tolist()),
        "retracted": k.retracted, "corrections": k.corrections, "correction_ids": k.correction_ids,
        "participants": k.participants,
    })
