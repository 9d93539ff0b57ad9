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

import hashlib
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

import orjson

from domain import jsonfast
from domain.knowledge import Fact, Knowledge, StoredBefore

# Bump when what `encode` writes changes meaning; older shapes are then ignored (and replaced
# by the next snapshot written), never read as if they were this one.
SHAPE = 1


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
    return len(knowledge.facts) + len(knowledge.live) + len(knowledge.retracted) + len(knowledge.correction_ids)


def take(negotiation_id: str, version: int, event_id: str, created_on: datetime, modified_on: datetime,
         workspace: str, knowledge: Knowledge) -> Snapshot:
    """The snapshot of `knowledge`, which holds every event up to `version` (`event_id` the last)."""
    facts = sorted(knowledge.facts.values(), key=_VERSION)
    state = orjson.dumps({
        "shape": SHAPE,
        "created_on": created_on.isoformat(),
        "modified_on": modified_on.isoformat(),
        "workspace": workspace,
        "facts": orjson.Fragment("[" + ",".join(map(_fact_entry, facts)) + "]"),
        "live": [[kind, key, count] for (kind, key), count in knowledge.live.items()],
        "retracted": sorted(knowledge.retracted),
        "corrections": knowledge.correction_ids,
    })
    return Snapshot(negotiation_id, version, event_id, SHAPE, state.decode(), digest_of(state))


_VERSION = attrgetter("version")


def _fact_entry(fact: Fact) -> str:
    """The fact's entry, as `restore` reads it back, encoded once per fact (see Fact.encoded).
    Kept as text: the bytes orjson returns hold a 4 KiB buffer each, however short."""
    if fact.encoded is None:
        fact.encoded = jsonfast.dumps([fact.event_id, fact.type, fact.version, fact.start.isoformat(),
                                       list(fact.entity) if fact.entity else None,
                                       [_member(m) for m in fact.members], fact.leaves]).decode()
    return fact.encoded


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
        k.live = {(str(kind), str(key)): int(count) for kind, key, count in state["live"]}
        held = {entity: entity for entity in k.live}
        for event_id, event_type, version, start, entity, members, leaves in state["facts"]:
            if entity:
                entity = (str(entity[0]), str(entity[1]))
                entity = held.setdefault(entity, entity)  # one (kind, key) per entity
            fact = Fact(event_id=str(event_id), type=str(event_type), version=int(version),
                        start=datetime.fromisoformat(start), entity=entity or None,
                        members=[_member(m) for m in members] or (), leaves=None if leaves is None else str(leaves))
            if fact.version > snapshot.version:
                raise Unusable(f"a fact of version {fact.version} in a snapshot of version {snapshot.version}")
            k.facts[fact.event_id] = fact
            if fact.entity:
                k.by_entity.setdefault(fact.entity, []).append(fact.event_id)
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
