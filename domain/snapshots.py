"""A stream's snapshot: what the write rules need of its knowledge (domain.knowledge), so that
loading a negotiation for an append after a restart reads one row and the few events after it
instead of replaying every event.

It keeps only what every append may read: the negotiation's workspace (whom it is shown to,
fixed when it is opened), the kept facts (membership changes and endings, with
their valid time, their entity and, of the participants they name, the id and role), how many
live facts each entity has, which events were retracted, and the ids of each target's
corrections. It keeps no field value beyond those: not the entity of every counted fact (looked
up in the stored event when a retraction or correction names one, which is rare), not a
correction's changes (read from the stored correction the first time a rule asks), not a
participant's name. What an erasure removes from the stored events is therefore never in a
snapshot, and a snapshot grows with the entities and kept facts of a negotiation, not with its
statements.

The shape is versioned (`SHAPE`): a snapshot of another shape, or one whose digest does not
match its state, is not read (`Unusable`); the stream is then replayed, as without one.

Pure: no I/O."""

from __future__ import annotations

import base64
import hashlib
import sys
from array import array
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from domain import jsonfast
from domain.entity_table import EntityTable
from domain.kept_facts import KeptFacts
from domain.knowledge import Knowledge, StoredBefore

# Bump when what `take` writes changes meaning; older shapes are then ignored (and replaced
# by the next snapshot written), never read as if they were this one. Shape 1 wrote a JSON
# entry per fact and per entity; 2 writes columns (domain.kept_facts, domain.entity_table).
SHAPE = 2


class Unusable(Exception):
    """The snapshot cannot be trusted: of another shape, damaged, or not this stream's."""


@dataclass(frozen=True)
class Snapshot:
    """One stored snapshot: the stream's state after `version`, whose event is `event_id`."""

    negotiation_id: str
    version: int
    event_id: str
    shape: int
    state: str
    digest: str


def digest_of(state: str | bytes) -> str:
    return hashlib.sha256(state.encode() if isinstance(state, str) else state).hexdigest()


def _member(member: dict[str, Any]) -> dict[str, Any]:
    """What the rules read of a participant: whether they take part (by id) and as what."""
    return {"id": member["id"], **({"role": member["role"]} if "role" in member else {})}


def entries(knowledge: Knowledge) -> int:
    """How many entries a snapshot of `knowledge` writes: what taking one costs, in proportion."""
    return len(knowledge.kept) + len(knowledge.entities) + len(knowledge.retracted) + len(knowledge.correction_ids)


def take(negotiation_id: str, version: int, event_id: str, created_on: datetime, modified_on: datetime,
         workspace: str, knowledge: Knowledge) -> Snapshot:
    """The snapshot of `knowledge`, which holds every event up to `version` (`event_id` the last)."""
    facts = _written(knowledge.kept.columns())
    facts["other_ids"] = {str(i): event_id for i, event_id in facts["other_ids"].items()}
    facts["membership"] = [[i, [_member(m) for m in members], leaves] for i, members, leaves in facts["membership"]]
    state = orjson.dumps({
        "shape": SHAPE,
        "created_on": created_on.isoformat(),
        "modified_on": modified_on.isoformat(),
        "workspace": workspace,
        "entities": _written(knowledge.entities.columns()),
        "facts": facts,
        "retracted": sorted(knowledge.retracted),
        "corrections": knowledge.correction_ids,
    })
    return Snapshot(negotiation_id, version, event_id, SHAPE, state.decode(), digest_of(state))


# Columns are written as their bytes, little-endian, in base64: a snapshot of a hundred
# thousand entities is a copy of its arrays rather than a hundred thousand encoded entries.
def _written(columns: dict[str, Any]) -> dict[str, Any]:
    return {name: _packed(value) if isinstance(value, array) else value for name, value in columns.items()}


def _read(written: dict[str, Any], arrays: dict[str, str]) -> dict[str, Any]:
    """`written` with the columns named in `arrays` (name: typecode) unpacked."""
    return {**written, **{name: _unpacked(typecode, written[name]) for name, typecode in arrays.items()}}


def _packed(column: array) -> str:
    if sys.byteorder == "big":
        column = array(column.typecode, column)
        column.byteswap()
    return base64.b64encode(column.tobytes()).decode()


def _unpacked(typecode: str, text: Any) -> array:
    column = array(typecode)
    column.frombytes(base64.b64decode(text, validate=True))  # ValueError unless whole items
    if sys.byteorder == "big":
        column.byteswap()
    return column


@dataclass(frozen=True)
class Restored:
    knowledge: Knowledge
    created_on: datetime
    modified_on: datetime
    workspace: str


def restore(snapshot: Snapshot, before: StoredBefore) -> Restored:
    """The knowledge the snapshot holds, looking facts before it up in `before`. Raises
    Unusable unless the snapshot is of this shape, intact and well formed."""
    if snapshot.shape != SHAPE:
        raise Unusable(f"shape {snapshot.shape}, not {SHAPE}")
    if digest_of(snapshot.state) != snapshot.digest:
        raise Unusable("its digest does not match its state")
    try:
        state = jsonfast.loads(snapshot.state)
        if state["shape"] != SHAPE:
            raise Unusable(f"its state is of shape {state['shape']}")
        k = Knowledge()
        k.entities = EntityTable.from_columns(_read(state["entities"], EntityTable.ARRAYS))
        facts = _read(state["facts"], KeptFacts.ARRAYS)
        versions = facts["version"]
        if versions and max(versions) > snapshot.version:
            raise Unusable(f"a fact of version {max(versions)} in a snapshot of version {snapshot.version}")
        facts["membership"] = [(i, [_member(m) for m in members] or (), leaves)
                               for i, members, leaves in facts["membership"]]
        k.kept = KeptFacts.from_columns(k.entities, facts)
        k.retracted = {str(event_id) for event_id in state["retracted"]}
        k.correction_ids = {str(target): [str(c) for c in ids] for target, ids in state["corrections"].items()}
        k.unread_corrections = set(k.correction_ids)
        k.before = before
        k._refresh_participants()
        workspace = state["workspace"]
        if not isinstance(workspace, str):
            raise Unusable("its workspace is not a name")
        return Restored(k, datetime.fromisoformat(state["created_on"]), datetime.fromisoformat(state["modified_on"]),
                        workspace)
    except Unusable:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise Unusable(f"malformed: {type(e).__name__}: {e}") from None
